/**
 * revoke-ssh-ingress end to end against moto: the handler as Lambda runs it, real SDK clients over
 * HTTP, a world built through the EC2 API, and the result read back from EC2 rather than from
 * the calls the handler sent. The alert is published to a topic in moto; the SNS client records
 * what moto accepted (moto offers no cheap way to read it back).
 */
import {
  DescribeInstancesCommand,
  DescribeManagedPrefixListsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  ModifyManagedPrefixListCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { createRevokeSshHandler } from '../../lambdas/revoke-ssh/revoke-ssh';
import { FINDING_TAG, REMEDIATION_TAG } from '../../lambdas/revoke-ssh/plan';
import type { AwsCredentials, RemediationSettings } from '../../lambdas/shared/remediation';
import {
  motoAccount,
  MOTO_NOW,
  MotoWorld,
  assumeRoleIn,
  buildMotoWorld,
  createAlertTopic,
  findingAbout,
  motoConfig,
  motoRemediationDependencies,
  ruleLines,
  useMoto,
} from '../support/moto';

const endpoint = useMoto();
const TEMPLATE = 'examples/events/revoke-ssh-ingress.json';

async function setUp(options: { settings?: Partial<RemediationSettings>; credentials?: AwsCredentials } = {}) {
  const topicArn = await createAlertTopic(endpoint());
  const world = await buildMotoWorld(endpoint(), options.credentials);
  const { dependencies, alerts } = motoRemediationDependencies(endpoint(), 'revoke-ssh-ingress', { settings: options.settings, topicArn });
  const handler = createRevokeSshHandler(dependencies);
  const ec2 = new EC2Client(motoConfig(endpoint(), options.credentials));
  return { world, handler, ec2, alerts };
}

/** The group's inbound rules as sorted lines, the prefix list and the bastion group by name. */
function rulesOf(group: SecurityGroup, world: MotoWorld): string[] {
  const names: Record<string, string> = { [world.prefixListId]: 'prefix-list corp', [world.bastionGroupId]: 'bastion-sg' };
  return ruleLines(group.IpPermissions, (id) => names[id] ?? id);
}

async function groupsOf(ec2: EC2Client, world: MotoWorld) {
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [world.webGroupId, world.sshGroupId, world.bastionGroupId] }));
  const byId = (id: string) => SecurityGroups!.find((g) => g.GroupId === id)!;
  return { web: byId(world.webGroupId), ssh: byId(world.sshGroupId), bastion: byId(world.bastionGroupId) };
}

/** Everything the handler could have changed, as EC2 describes it. */
async function snapshotOf(ec2: EC2Client, world: MotoWorld) {
  const strip = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === '$metadata' ? undefined : v)));
  return strip({
    groups: await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpcId] }] })),
    instances: await ec2.send(new DescribeInstancesCommand({ InstanceIds: [world.instanceId, world.neighbourId] })),
    interfaces: await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpcId] }] })),
  });
}

const WEB_RULES_BEFORE = [
  'all from ::/0 (all v6)',
  'tcp 0-65535 from 0.0.0.0/0 (all tcp)',
  'tcp 22 from 10.1.0.0/16 (office vpn)',
  'tcp 22 from bastion-sg (bastion)',
  'tcp 22 from prefix-list corp',
  'tcp 443 from 0.0.0.0/0 (https)',
];

/** web-sg after TCP 22 from the world is closed: the wider rules split, with their descriptions. */
const WEB_RULES_AFTER = [
  'icmpv6 -1 from ::/0 (all v6)',
  'tcp 0-21 from 0.0.0.0/0 (all tcp)',
  'tcp 0-21 from ::/0 (all v6)',
  'tcp 22 from 10.1.0.0/16 (office vpn)',
  'tcp 22 from bastion-sg (bastion)',
  'tcp 22 from prefix-list corp',
  'tcp 23-65535 from 0.0.0.0/0 (all tcp)',
  'tcp 23-65535 from ::/0 (all v6)',
  'tcp 443 from 0.0.0.0/0 (https)',
  'udp 0-65535 from ::/0 (all v6)',
];

describe('revoke-ssh-ingress against moto', () => {
  it('starts from the world the other tests rely on: world SSH inside wider rules, next to narrower SSH sources', async () => {
    const { world, ec2 } = await setUp();
    const { web, ssh } = await groupsOf(ec2, world);
    expect(rulesOf(web, world)).toEqual(WEB_RULES_BEFORE);
    expect(rulesOf(ssh, world)).toEqual(['tcp 22 from 0.0.0.0/0 (legacy ssh)', 'tcp 22 from ::/0 (legacy ssh v6)']);
  });

  it('closes the group two instances share when findings about both arrive at once, each in its own container: both succeed, the rules end as after one', async () => {
    // Prepare: web-sg is shared by web-1 and web-2; one handler (container) per delivery.
    const { world, ec2 } = await setUp();
    const containers = [0, 1].map(() => motoRemediationDependencies(endpoint(), 'revoke-ssh-ingress', { topicArn: `arn:aws:sns:us-east-1:${motoAccount()}:alerts`, maxAttempts: 3 }));
    // Act: both at once; they plan the same split of web-sg and one of them loses the race.
    await Promise.all(
      [world.instanceId, world.neighbourId].map((instanceId, i) => createRevokeSshHandler(containers[i].dependencies)(findingAbout(world, TEMPLATE, { instanceId: instanceId === world.instanceId ? undefined : instanceId }))),
    );
    // Assess
    const { web } = await groupsOf(ec2, world);
    expect(rulesOf(web, world)).toEqual(WEB_RULES_AFTER);
    const subjects = containers.flatMap((c) => c.alerts.map((a) => a.subject.match(/\[(SSH CLOSED|ALREADY REMEDIATED)\]/)?.[1] ?? a.subject));
    expect(subjects).toHaveLength(2);
    expect(subjects).toContain('SSH CLOSED');
    for (const subject of subjects) expect(['SSH CLOSED', 'ALREADY REMEDIATED']).toContain(subject);
  });

  it('closes only TCP 22 from the world: wider rules split with their descriptions, narrower sources kept, groups tagged', async () => {
    // Prepare
    const { world, handler, ec2, alerts } = await setUp();
    const finding = findingAbout(world, TEMPLATE);
    // Act
    await handler(finding);
    // Assess
    const { web, ssh, bastion } = await groupsOf(ec2, world);
    expect(rulesOf(web, world)).toEqual(WEB_RULES_AFTER);
    expect(rulesOf(ssh, world)).toEqual([]);
    const tags = [
      { Key: REMEDIATION_TAG, Value: `revoke-ssh-ingress closed TCP 22 from the world at ${MOTO_NOW.toISOString()}` },
      { Key: FINDING_TAG, Value: finding.detail.id },
    ];
    expect(web.Tags).toEqual(expect.arrayContaining(tags));
    expect(ssh.Tags).toEqual(expect.arrayContaining(tags));
    expect(bastion.Tags ?? []).toEqual([]);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.subject).toContain('[SSH CLOSED]');
    expect(alert.email).toContain(world.neighbourId);
  });

  it('changes nothing on a second delivery of the same finding, and says it was already done', async () => {
    const { world, handler, ec2, alerts } = await setUp();
    const finding = findingAbout(world, TEMPLATE);
    await handler(finding);
    const after = await snapshotOf(ec2, world);
    await handler(finding);
    expect(await snapshotOf(ec2, world)).toEqual(after);
    expect(alerts).toHaveLength(2);
    expect(alerts[1].subject).toContain('[ALREADY REMEDIATED]');
  });

  it('reads the entries of the prefix list an SSH rule names: one that now holds the world is named in the alert, and left to its owners', async () => {
    const { world, handler, ec2, alerts } = await setUp();
    const { PrefixList } = await ec2.send(new DescribeManagedPrefixListsCommand({ PrefixListIds: [world.prefixListId] })).then((r) => ({ PrefixList: r.PrefixLists![0] }));
    await ec2.send(new ModifyManagedPrefixListCommand({ PrefixListId: world.prefixListId, CurrentVersion: PrefixList.Version, AddEntries: [{ Cidr: '0.0.0.0/0', Description: 'temporary' }] }));
    await handler(findingAbout(world, TEMPLATE));
    const [alert] = alerts;
    expect(alert.email).toContain(`tcp 22 from ${world.prefixListId} (its entry 0.0.0.0/0 is the whole world)`);
    // The list is shared: its rule and its entries stay.
    expect(rulesOf((await groupsOf(ec2, world)).web, world)).toEqual(WEB_RULES_AFTER);
    const { Entries } = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: world.prefixListId }));
    expect(Entries!.map((e) => e.Cidr).sort()).toEqual(['0.0.0.0/0', '192.0.2.0/24']);
  });

  it('changes nothing in a dry run, and the alert says what it would have closed', async () => {
    const { world, handler, ec2, alerts } = await setUp({ settings: { dryRun: true } });
    const before = await snapshotOf(ec2, world);
    await handler(findingAbout(world, TEMPLATE));
    expect(await snapshotOf(ec2, world)).toEqual(before);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.subject).toContain('[DRY RUN]');
    expect(alert.email).toMatch(/would/i);
  });

  it('remediates a member account through STS AssumeRole, and leaves the security account alone', async () => {
    // Prepare: the world lives in another account, reached through moto's STS.
    const member = '210987654321';
    const credentials = await assumeRoleIn(endpoint(), member);
    const { world, handler, ec2, alerts } = await setUp({ credentials });
    // Act
    await handler(findingAbout(world, TEMPLATE, { accountId: member }));
    // Assess
    const { web } = await groupsOf(ec2, world);
    expect(rulesOf(web, world)).not.toContain('tcp 0-65535 from 0.0.0.0/0 (all tcp)');
    expect(rulesOf(web, world)).toContain('tcp 23-65535 from 0.0.0.0/0 (all tcp)');
    // The security account's view holds none of the member's groups: the calls went to the member.
    const own = new EC2Client(motoConfig(endpoint()));
    const ownGroups = (await own.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups ?? [];
    expect(ownGroups.map((g) => g.GroupId)).not.toContain(world.webGroupId);
    expect(web.OwnerId).toBe(member);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.subject).toContain('[SSH CLOSED]');
    expect(alert.email).toContain(`with credentials for account ${member}`);
    expect(motoAccount()).not.toBe(member);
  });
});
