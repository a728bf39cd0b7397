import 'aws-sdk-client-mock-jest';
import { AutoScalingClient, DescribeAutoScalingInstancesCommand, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeSnapshotsCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  type Instance,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { createIsolateHandler } from '../../lambdas/isolate/isolate';
import { parseActionableFinding } from '../../lambdas/shared/finding';
import { ALL_TRAFFIC, AUTO_SCALING_GROUP_TAG, ISOLATED_AT_TAG, ISOLATION_ROLE_TAG, PREVIOUS_GROUPS_TAG_PREFIX } from '../../lambdas/isolate/plan';
import { type RemediationSettings, targetOf } from '../../lambdas/shared/remediation';
import { fixtureEvent } from '../support/corpus';
import { remediationDependencies } from '../support/dependencies';
import { testInstance } from '../support/instances';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const sts = mockClient(STSClient);
const sns = mockClient(SNSClient);
const c2 = () => fixtureEvent('c2-high.json') as Record<string, any>;

const instance = testInstance;
const existingGroups = (): SecurityGroup[] => [
  { GroupId: 'sg-iso', VpcId: 'vpc-1', IpPermissions: [], IpPermissionsEgress: [], Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'isolation' }] },
  { GroupId: 'sg-untracked', VpcId: 'vpc-1', IpPermissions: [...ALL_TRAFFIC], IpPermissionsEgress: [...ALL_TRAFFIC], Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'untracked' }] },
];

function world(options: { instance?: Instance; groups?: SecurityGroup[]; asg?: string; asgState?: string; evidenceKept?: boolean } = {}) {
  ec2.on(DescribeInstancesCommand).resolves({ Reservations: [{ Instances: [options.instance ?? instance()] }] });
  ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: options.groups ?? existingGroups() });
  ec2.on(DescribeInstanceAttributeCommand).resolves({ InstanceId: 'i-0abc1234def567890', DisableApiTermination: { Value: options.evidenceKept === true } });
  ec2.on(DescribeSnapshotsCommand).resolves({ Snapshots: options.evidenceKept ? [{ SnapshotId: 'snap-1', VolumeId: 'vol-root', State: 'completed' }] : [] });
  autoScaling.on(DescribeAutoScalingInstancesCommand).resolves({
    AutoScalingInstances: options.asg ? [{ InstanceId: 'i-0abc1234def567890', AutoScalingGroupName: options.asg, AvailabilityZone: 'eu-west-1a', LifecycleState: options.asgState ?? 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }] : [],
  });
  ec2.on(CreateSecurityGroupCommand).callsFake((input) => ({ GroupId: input.GroupName.endsWith('isolation') ? 'sg-new-iso' : 'sg-new-untracked' }));
  ec2.on(CreateSnapshotCommand).callsFake((input) => ({ SnapshotId: `snap-${input.VolumeId}` }));
}

function handlerWith(settings: Partial<RemediationSettings> = {}) {
  const { dependencies, regions } = remediationDependencies('isolate-instance', settings);
  return { handler: createIsolateHandler(dependencies), regions };
}

function published() {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  return { subject: input.Subject!, email: JSON.parse(input.Message!).email as string };
}

/** The EC2 and Auto Scaling commands sent, in order, as `Name(key=value)`. */
function sequence(): string[] {
  const short = (name: string) => name.replace(/Command$/, '');
  return [...ec2.calls(), ...autoScaling.calls()]
    .map((c) => c.args[0] as { constructor: { name: string }; input: Record<string, any> })
    .filter((c) => !c.constructor.name.startsWith('Describe'))
    .map((c) => `${short(c.constructor.name)}(${c.input.NetworkInterfaceId ?? c.input.GroupId ?? c.input.GroupName ?? c.input.VolumeId ?? c.input.InstanceId ?? c.input.Resources?.[0] ?? c.input.InstanceIds?.[0] ?? ''}${c.input.Groups ? `->${c.input.Groups.join(',')}` : ''})`);
}

describe('Handler: isolate-instance', () => {
  beforeEach(() => {
    ec2.reset();
    autoScaling.reset();
    sts.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('refuses to start without Auto Scaling clients (only isolation has them), and a target without them names the function', async () => {
    const { dependencies } = remediationDependencies('isolate-instance');
    const { autoScalingClient: _, ...withoutAutoScaling } = dependencies;
    expect(() => createIsolateHandler(withoutAutoScaling)).toThrow('the isolate handler needs Auto Scaling clients (autoScalingClient)');
    const target = await targetOf({ ...withoutAutoScaling, playbookId: 'revoke-ssh-ingress' }, parseActionableFinding(c2()));
    expect(() => target.autoScaling()).toThrow('the revoke-ssh-ingress function has no Auto Scaling client: only isolation calls Auto Scaling');
  });

  it('records the way back, moves through the untracked group to the isolation group, protects and snapshots', async () => {
    const addressed = instance();
    Object.assign(addressed.NetworkInterfaces![0], {
      PrivateIpAddress: '10.0.1.25',
      PrivateIpAddresses: [{ PrivateIpAddress: '10.0.1.25', Primary: true }, { PrivateIpAddress: '10.0.1.26', Primary: false }],
      Ipv6Addresses: [{ Ipv6Address: '2001:db8::25' }],
    });
    world({ instance: addressed });
    const { handler } = handlerWith();
    await handler(c2());
    expect(sequence()).toEqual([
      'CreateTags(i-0abc1234def567890)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-iso)',
      'ModifyInstanceAttribute(i-0abc1234def567890)',
      'CreateSnapshot(vol-root)',
    ]);
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['i-0abc1234def567890'],
      Tags: [
        { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}eni-a`, Value: 'sg-web,sg-ssh' },
        { Key: ISOLATED_AT_TAG, Value: '2026-11-20T03:30:00.000Z' },
        { Key: 'guardduty-response:finding', Value: c2().detail.id },
      ],
    });
    expect(ec2).toHaveReceivedCommandWith(ModifyInstanceAttributeCommand, { InstanceId: 'i-0abc1234def567890', DisableApiTermination: { Value: true } });
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotCommand, { VolumeId: 'vol-root', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'guardduty-response:finding', Value: c2().detail.id }, { Key: 'guardduty-response:evidence-of', Value: 'i-0abc1234def567890' }] }] });
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[ISOLATED\] Backdoor:EC2\/C&CActivity\.B!DNS/);
    expect(email).toMatch(/Outcome: +Isolated i-0abc1234def567890: no traffic in or out, existing connections ended except those EC2 always tracks \(below\)/);
    // What the moves cannot end, and the one change that would.
    expect(email).toContain(
      '- not ended: flows through a NAT gateway, a load balancer, a transit gateway or a VPC endpoint are always tracked by EC2 and last until they close or time out; to end them at once, deny 10.0.1.25/32, 10.0.1.26/32, 2001:db8::25/128 in both directions in the network ACL of its subnet',
    );
    expect(email).toContain('aws ec2 modify-network-interface-attribute --region eu-west-1 --network-interface-id eni-a --groups sg-web sg-ssh');
    expect(email).toContain('aws ec2 modify-instance-attribute --region eu-west-1 --instance-id i-0abc1234def567890 --no-disable-api-termination');
  });

  it('isolates a Spot Instance without asking for termination protection (EC2 refuses it for Spot), and says the snapshots keep its disks', async () => {
    world({ instance: instance({ InstanceLifecycle: 'spot' }) });
    const { handler } = handlerWith();
    await handler(c2());
    expect(sequence()).toEqual(['CreateTags(i-0abc1234def567890)', 'ModifyNetworkInterfaceAttribute(eni-a->sg-untracked)', 'ModifyNetworkInterfaceAttribute(eni-a->sg-iso)', 'CreateSnapshot(vol-root)']);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[ISOLATED\] /);
    expect(email).toMatch(/Outcome: +Isolated i-0abc1234def567890: .* but as a Spot Instance it cannot be protected from termination and EC2 may reclaim it: the snapshots keep its disks\./);
    expect(email).not.toContain('--no-disable-api-termination');
  });

  it('changes nothing on an instance with interfaces in another VPC, and pages: it is NOT isolated', async () => {
    const multi = instance();
    multi.NetworkInterfaces!.push({ NetworkInterfaceId: 'eni-other', VpcId: 'vpc-2', Groups: [{ GroupId: 'sg-appliance' }] });
    world({ instance: multi });
    await handlerWith().handler(c2());
    expect(sequence()).toEqual([]);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[NOT ISOLATED\] /);
    expect(email).toMatch(/Outcome: +Nothing was changed: i-0abc1234def567890 has network interfaces in more than one VPC \(eni-other \(vpc-2\) outside vpc-1\)/);
  });

  it('creates both groups of a VPC the first time: the untracked one open both ways, the isolation one without its default egress', async () => {
    world({ groups: [] });
    const { handler } = handlerWith();
    await handler(c2());
    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-untracked', VpcId: 'vpc-1', TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'untracked' }] }] });
    expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation', VpcId: 'vpc-1' });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupIngressCommand, { GroupId: 'sg-new-untracked', IpPermissions: [...ALL_TRAFFIC] });
    expect(ec2).toHaveReceivedCommandWith(AuthorizeSecurityGroupEgressCommand, { GroupId: 'sg-new-untracked', IpPermissions: [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }] });
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, { GroupId: 'sg-new-iso', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
    expect(sequence().filter((s) => s.startsWith('ModifyNetwork'))).toEqual(['ModifyNetworkInterfaceAttribute(eni-a->sg-new-untracked)', 'ModifyNetworkInterfaceAttribute(eni-a->sg-new-iso)']);
  });

  it('empties an existing isolation group that someone gave an egress rule', async () => {
    const groups = existingGroups();
    groups[0].IpPermissionsEgress = [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    world({ groups });
    const { handler } = handlerWith();
    await handler(c2());
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupEgressCommand, { GroupId: 'sg-iso', IpPermissions: groups[0].IpPermissionsEgress });
  });

  it('moves every interface, each remembering its own groups', async () => {
    world({
      instance: instance({
        NetworkInterfaces: [
          { NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-web' }] },
          { NetworkInterfaceId: 'eni-b', Groups: [{ GroupId: 'sg-db' }] },
        ],
      }),
    });
    const { handler } = handlerWith();
    await handler(c2());
    // One interface at a time: each spends one call in the untracked group, open to everything.
    expect(sequence().filter((s) => s.startsWith('Modify'))).toEqual([
      'ModifyNetworkInterfaceAttribute(eni-a->sg-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-iso)',
      'ModifyNetworkInterfaceAttribute(eni-b->sg-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-b->sg-iso)',
      'ModifyInstanceAttribute(i-0abc1234def567890)',
    ]);
    expect(published().email).toContain('--network-interface-id eni-b --groups sg-db');
  });

  it('detaches an Auto Scaling member without decrementing the desired capacity', async () => {
    world({ asg: 'web-asg' });
    const { handler } = handlerWith();
    await handler(c2());
    expect(autoScaling).toHaveReceivedCommandWith(DetachInstancesCommand, { InstanceIds: ['i-0abc1234def567890'], AutoScalingGroupName: 'web-asg', ShouldDecrementDesiredCapacity: false });
    expect(published().email).toContain('aws autoscaling attach-instances --region eu-west-1 --instance-ids i-0abc1234def567890 --auto-scaling-group-name web-asg');
  });

  /**
   * Isolates the instance of a MEDIUM finding (isolateMinSeverity=MEDIUM lets isolation claim it)
   * that is `state` in its Auto Scaling group; the published alert.
   */
  async function isolateMemberIn(state: string) {
    world({ asg: 'web-asg', asgState: state });
    const event = c2();
    event.detail.severity = 5;
    await handlerWith().handler(event);
    expect(autoScaling).toHaveReceivedCommandTimes(DetachInstancesCommand, 0);
    return published();
  }

  it('gives the way back into the Auto Scaling group again on a later delivery, from the group recorded on the instance', async () => {
    world({
      instance: instance({ Tags: [{ Key: ISOLATED_AT_TAG, Value: 'T0' }, { Key: AUTO_SCALING_GROUP_TAG, Value: 'web-asg' }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] }),
      evidenceKept: true,
    });
    await handlerWith().handler(c2());
    expect(sequence()).toEqual([]);
    const { email } = published();
    expect(email).toContain('# the instance was detached from its Auto Scaling group (recorded on the instance); to put it back:');
    expect(email).toContain('aws autoscaling attach-instances --region eu-west-1 --instance-ids i-0abc1234def567890 --auto-scaling-group-name web-asg');
    expect(email).toContain(`Key=${AUTO_SCALING_GROUP_TAG}`);
  });

  it('isolates an instance its Auto Scaling group is already terminating without trying to detach it, says its memory will be lost, and pages', async () => {
    const { subject, email } = await isolateMemberIn('Terminating:Wait');
    // Its disks are kept all the same.
    expect(ec2).toHaveReceivedCommandWith(CreateSnapshotCommand, { VolumeId: 'vol-root' });
    expect(subject).toMatch(/^\[HIGH\] \[ISOLATED\] /);
    expect(email).toMatch(/protected from termination by EC2 calls, but its Auto Scaling group is already terminating it \(below\)/);
    expect(email).toContain(
      '- not detached from Auto Scaling group "web-asg": it is Terminating:Wait there, and Auto Scaling detaches only InService, Standby or warm-pool instances. The group is terminating it: the instance and its memory will be lost (the snapshots keep its disks)',
    );
    expect(email).not.toContain('aws autoscaling attach-instances');
  });

  it('leaves an instance still launching in its group, and says the next delivery tries again', async () => {
    const { subject, email } = await isolateMemberIn('Pending:Wait');
    expect(subject).toMatch(/^\[MEDIUM\] \[ISOLATED\] /);
    expect(email).toContain('it is Pending:Wait there, and Auto Scaling detaches only InService, Standby or warm-pool instances; the next delivery of the finding tries again');
  });

  it('snapshots every attached volume, or none when isolateSnapshots is off', async () => {
    world({ instance: instance({ BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-root' } }, { Ebs: { VolumeId: 'vol-data' } }] }) });
    await handlerWith().handler(c2());
    expect(ec2.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input.VolumeId)).toEqual(['vol-root', 'vol-data']);
    ec2.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({});
    world();
    await handlerWith({ isolateSnapshots: false }).handler(c2());
    expect(ec2).toHaveReceivedCommandTimes(CreateSnapshotCommand, 0);
  });

  it.each([
    ['terminated', { instance: instance({ State: { Name: 'terminated', Code: 48 } }) }, /^\[HIGH\] \[NOTHING TO DO\] /, /terminated or terminating; nothing to isolate/],
    [
      'already isolated, with its evidence kept',
      { instance: instance({ Tags: [{ Key: ISOLATED_AT_TAG, Value: 'T0' }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] }), evidenceKept: true },
      /^\[HIGH\] \[ALREADY ISOLATED\] /,
      /Already isolated \(at T0\)/,
    ],
    [
      'already isolated, with its evidence kept, while its Auto Scaling group terminates it',
      { instance: instance({ Tags: [{ Key: ISOLATED_AT_TAG, Value: 'T0' }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] }), evidenceKept: true, asg: 'web-asg', asgState: 'Terminating:Proceed' },
      /^\[HIGH\] \[ALREADY ISOLATED\] /,
      /its evidence is kept, but it is still in its Auto Scaling group \(below\)\. Nothing was changed\.[^]*not detached from Auto Scaling group "web-asg": it is Terminating:Proceed there/,
    ],
    ['excluded', { instance: instance({ Tags: [{ Key: 'guardduty-response:exclude', Value: 'forensics team' }] }) }, /^\[HIGH\] \[EXCLUDED\] /, /carries the exclusion tag 'guardduty-response:exclude'\. It is NOT isolated: it is still on the network\./],
  ])('reports an instance that is %s and changes nothing', async (_name, options, subject, text) => {
    world(options);
    const { handler } = handlerWith();
    await handler(c2());
    expect(sequence()).toEqual([]);
    const alert = published();
    expect(alert.subject).toMatch(subject);
    expect(alert.email).toMatch(text);
  });

  it('never isolates for a sample finding, and says what it would have done', async () => {
    const sample = c2();
    sample.detail.service.additionalInfo = { sample: true };
    const { handler } = handlerWith();
    await handler(sample);
    expect(ec2.calls()).toHaveLength(0);
    expect(published().email).toMatch(/Outcome: +Sample finding: nothing was changed\. For a real finding, this playbook would isolate i-0abc1234def567890/);
  });

  it('makes every EC2 change with DryRun: true in dry run, reports the detach without making it, and says "would have"', async () => {
    world({ asg: 'web-asg' });
    const dryRunOk = new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'Request would have succeeded, but DryRun flag is set.', $metadata: {} });
    for (const command of [CreateTagsCommand, ModifyNetworkInterfaceAttributeCommand, ModifyInstanceAttributeCommand, CreateSnapshotCommand]) ec2.on(command as never).rejects(dryRunOk);
    const { handler } = handlerWith({ dryRun: true });
    await handler(c2());
    for (const call of ec2.calls().filter((c) => !(c.args[0] as object).constructor.name.startsWith('Describe'))) expect((call.args[0] as { input: { DryRun?: boolean } }).input.DryRun).toBe(true);
    expect(autoScaling).toHaveReceivedCommandTimes(DetachInstancesCommand, 0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[DRY RUN\] /);
    expect(email).toContain('- would have: detach from Auto Scaling group "web-asg"');
    expect(email).not.toContain('aws ec2 modify-network-interface-attribute');
  });

  it('reports a dry run in a VPC without isolation groups yet, without trying calls on groups that do not exist', async () => {
    world({ groups: [] });
    const dryRunOk = new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'Request would have succeeded, but DryRun flag is set.', $metadata: {} });
    for (const command of [CreateTagsCommand, CreateSecurityGroupCommand, ModifyInstanceAttributeCommand, CreateSnapshotCommand]) ec2.on(command as never).rejects(dryRunOk);
    const { handler } = handlerWith({ dryRun: true });
    await handler(c2());
    expect(ec2).toHaveReceivedCommandTimes(ModifyNetworkInterfaceAttributeCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[DRY RUN\] /);
    expect(email).toContain('- would have: create the isolation group guardduty-response-isolation in vpc-1');
    expect(email).toContain('- would have: move eni-a to the isolation group');
    expect(email).not.toContain('FAILED');
  });

  it('reads the world again when another delivery created the VPC\'s group first, and isolates with that group', async () => {
    // The first read finds no group; CreateSecurityGroup loses the race; the second read finds both.
    world();
    ec2.on(DescribeSecurityGroupsCommand).resolvesOnce({ SecurityGroups: [] }).resolves({ SecurityGroups: existingGroups() });
    ec2.on(CreateSecurityGroupCommand).rejects(new EC2ServiceException({ name: 'InvalidGroup.Duplicate', $fault: 'client', message: "The security group 'guardduty-response-untracked' already exists for VPC 'vpc-1'", $metadata: {} }));
    const { handler } = handlerWith();
    await handler(c2());
    expect(sequence().filter((s) => !s.startsWith('CreateTags'))).toEqual([
      'CreateSecurityGroup(guardduty-response-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-iso)',
      'ModifyInstanceAttribute(i-0abc1234def567890)',
      'CreateSnapshot(vol-root)',
    ]);
    expect(published().subject).toContain('[ISOLATED]');
  });

  it('stops reading again after three lost races, fails, and says nothing moved', async () => {
    world({ groups: [] });
    ec2.on(CreateSecurityGroupCommand).rejects(new EC2ServiceException({ name: 'InvalidGroup.Duplicate', $fault: 'client', message: 'already exists', $metadata: {} }));
    const { handler } = handlerWith();
    await expect(handler(c2())).rejects.toThrow(/failed: create the untracked group/);
    expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(3);
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
    expect(published().email).toMatch(/FAILED to isolate i-0abc1234def567890; it is NOT isolated/);
  });

  it('keeps the isolation when a snapshot fails, says what failed, and fails the invocation', async () => {
    world({ instance: instance({ BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-root' } }, { Ebs: { VolumeId: 'vol-data' } }] }) });
    ec2.on(CreateSnapshotCommand, { VolumeId: 'vol-root' }).rejects(new EC2ServiceException({ name: 'SnapshotCreationPerVolumeRateExceeded', $fault: 'client', message: 'rate exceeded', $metadata: {} }));
    const { handler } = handlerWith();
    await expect(handler(c2())).rejects.toThrow('1 step(s) of the isolation of i-0abc1234def567890 failed: snapshot vol-root (SnapshotCreationPerVolumeRateExceeded)');
    expect(ec2.commandCalls(CreateSnapshotCommand).map((c) => c.args[0].input.VolumeId)).toEqual(['vol-root', 'vol-data']);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[HIGH\] \[ISOLATION FAILED\] /);
    expect(email).toMatch(/Outcome: +Isolated i-0abc1234def567890 \(its network is cut\), but some evidence steps FAILED/);
    expect(email).toContain('- FAILED to snapshot vol-root: SnapshotCreationPerVolumeRateExceeded: rate exceeded');
    expect(email).toContain('--network-interface-id eni-a --groups sg-web sg-ssh');
  });

  it('puts the interfaces back when the move to the isolation group fails after the untracked one', async () => {
    world();
    ec2.on(ModifyNetworkInterfaceAttributeCommand, { Groups: ['sg-iso'] }).rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', message: 'denied', $metadata: {} }));
    const { handler } = handlerWith();
    await expect(handler(c2())).rejects.toThrow(/failed: move eni-a to the isolation group/);
    expect(sequence()).toEqual([
      'CreateTags(i-0abc1234def567890)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-untracked)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-iso)',
      'ModifyNetworkInterfaceAttribute(eni-a->sg-web,sg-ssh)',
    ]);
    expect(published().email).toMatch(/FAILED to isolate i-0abc1234def567890; it is NOT isolated \(interfaces moved back to their previous groups\)/);
  });

  it('isolates in another account through the member role, in the finding region', async () => {
    const member = c2();
    member.detail.accountId = '444455556666';
    member.detail.region = 'us-west-2';
    world();
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
    const { handler, regions } = handlerWith();
    await handler(member);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, { RoleArn: 'arn:aws:iam::444455556666:role/GuardDutyResponseMember' });
    expect(regions).toEqual(['us-west-2:ASIAMEMBER']);
    expect(published().email).toContain('# with credentials for account 444455556666');
  });
});

describe('Handler: isolate-instance, excluded instances', () => {
  beforeEach(() => {
    ec2.reset();
    autoScaling.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('alerts at HIGH at least when a compromised instance was left on the network because of the exclusion tag', async () => {
    // Prepare: a MEDIUM finding (isolateMinSeverity=MEDIUM lets isolation claim it) on an excluded instance.
    world({ instance: instance({ Tags: [{ Key: 'guardduty-response:exclude', Value: 'x' }] }) });
    const event = c2();
    event.detail.severity = 5;
    // Act
    await handlerWith().handler(event);
    // Assess
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toMatch(/^\[HIGH\] \[EXCLUDED\] /);
    expect(input.MessageAttributes?.severity_score).toEqual({ DataType: 'Number', StringValue: '7' });
  });
});

describe('Handler: isolate-instance, evidence that failed', () => {
  beforeEach(() => {
    ec2.reset();
    autoScaling.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('fails while a snapshot fails, and the next delivery takes it and succeeds (the isolation is not redone)', async () => {
    // Prepare: the first delivery isolates, but the snapshot fails.
    world();
    ec2.on(CreateSnapshotCommand).rejects(Object.assign(new Error('snapshot limit'), { name: 'SnapshotCreationPerVolumeRateExceeded' }));
    const { handler } = handlerWith();
    // Act + Assess: the invocation fails (retried, then kept in the dead-letter queue), and says so.
    await expect(handler(c2())).rejects.toThrow(/evidence|snapshot/);
    expect(published().subject).toMatch(/\[ISOLATION FAILED\]/);

    // Prepare: the retry sees the instance isolated and protected, without its snapshot; EC2 now takes it.
    const tags = ec2.commandCalls(CreateTagsCommand)[0].args[0].input.Tags!;
    ec2.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-2' });
    world({ instance: instance({ Tags: tags, NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] }) });
    ec2.on(DescribeInstanceAttributeCommand).resolves({ DisableApiTermination: { Value: true } });
    // Act
    await handler(c2());
    // Assess: only the pending snapshot is taken; nothing moves again.
    expect(sequence()).toEqual(['CreateSnapshot(vol-root)']);
    const alert = published();
    expect(alert.subject).toMatch(/\[EVIDENCE KEPT\]/);
    expect(alert.email).toContain('snapshot vol-root');
  });

  it('fails again while the pending evidence still fails', async () => {
    world({ instance: instance({ Tags: [{ Key: ISOLATED_AT_TAG, Value: 'T0' }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }] }) });
    ec2.on(CreateSnapshotCommand).rejects(Object.assign(new Error('still failing'), { name: 'InternalError' }));
    await expect(handlerWith().handler(c2())).rejects.toThrow(/evidence step\(s\) for i-0abc1234def567890 still fail/);
    expect(published().subject).toMatch(/\[ISOLATION FAILED\]/);
  });
});

describe('Handler: isolate-instance, time left', () => {
  beforeEach(() => {
    ec2.reset();
    autoScaling.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('does not start the moves without the time to finish them, and fails so that the next delivery resumes', async () => {
    world();
    const { handler } = handlerWith();
    // 20 s left: less than the three worst-case calls (core/timing.ts MOVE_RESERVE_MS) a move may need.
    await expect(handler(c2(), { getRemainingTimeInMillis: () => 20_000 })).rejects.toThrow(/failed: check there is time left to finish the moves/);
    expect(ec2).toHaveReceivedCommandTimes(ModifyNetworkInterfaceAttributeCommand, 0);
    expect(published().email).toMatch(/FAILED to check there is time left to finish the moves: .*the next delivery resumes here/);
  });

  it('moves with time to spare', async () => {
    world();
    await handlerWith().handler(c2(), { getRemainingTimeInMillis: () => 290_000 });
    expect(ec2).toHaveReceivedCommandTimes(ModifyNetworkInterfaceAttributeCommand, 2);
  });

  /**
   * An instance with `count` interfaces whose groups and tags change as the handler's calls
   * change them, so that a second delivery reads what the first left; and a clock that loses
   * `callMs` on every call that moves an interface.
   */
  function interfacesWorld(count: number, callMs: number) {
    const groups = new Map(Array.from({ length: count }, (_, i) => [`eni-${i}`, [`sg-app-${i}`]]));
    let tags = [{ Key: 'Name', Value: 'eks-node' }];
    let remaining = 900_000;
    const now = () => instance({ Tags: tags, NetworkInterfaces: [...groups].map(([id, ids]) => ({ NetworkInterfaceId: id, VpcId: 'vpc-1', Groups: ids.map((GroupId) => ({ GroupId })) })) });
    const deliver = async (answers: () => void = () => {}) => {
      ec2.reset();
      sns.reset();
      sns.on(PublishCommand).resolves({ MessageId: 'm' });
      world();
      ec2.on(DescribeInstancesCommand).callsFake(() => ({ Reservations: [{ Instances: [now()] }] }));
      ec2.on(CreateTagsCommand).callsFake((input) => {
        tags = [...tags.filter((t) => !input.Tags.some((n: { Key: string }) => n.Key === t.Key)), ...input.Tags];
        return {};
      });
      ec2.on(ModifyNetworkInterfaceAttributeCommand).callsFake((input) => {
        remaining -= callMs;
        groups.set(input.NetworkInterfaceId, input.Groups);
        return {};
      });
      answers();
      remaining = 900_000;
      return handlerWith().handler(c2(), { getRemainingTimeInMillis: () => remaining });
    };
    return { groups, deliver };
  }

  it('isolates an instance with 12 interfaces in one delivery (each interface checked on its own, not all at once)', async () => {
    const { groups, deliver } = interfacesWorld(12, 300);
    await deliver();
    expect([...groups.values()]).toEqual(Array(12).fill(['sg-iso']));
    const { subject, email } = published();
    expect(subject).toMatch(/\[ISOLATED\]/);
    for (let i = 0; i < 12; i++) expect(email).toContain(`--network-interface-id eni-${i} --groups sg-app-${i}`);
  });

  it('isolates over deliveries when the moves are slow: what one moved stays isolated, none is left open, the next resumes, and the restore names every interface', async () => {
    // Each move takes 150 s: after 3 interfaces (6 moves) nothing is left of the 900 s, less than the 135 s a move reserves.
    const { groups, deliver } = interfacesWorld(5, 150_000);
    await expect(deliver()).rejects.toThrow(/failed: check there is time left to finish the moves \(NotEnoughTime\)/);
    expect([...groups.values()]).toEqual([['sg-iso'], ['sg-iso'], ['sg-iso'], ['sg-app-3'], ['sg-app-4']]);
    const first = published().email;
    expect(first).toMatch(/FAILED to finish isolating i-0abc1234def567890: 3 of 5 network interfaces are isolated \(eni-0, eni-1, eni-2\), the others are NOT; the next delivery resumes with them/);
    for (let i = 0; i < 3; i++) expect(first).toContain(`--network-interface-id eni-${i} --groups sg-app-${i}`);
    expect(first).not.toContain('--network-interface-id eni-3');

    await deliver();
    expect([...groups.values()]).toEqual(Array(5).fill(['sg-iso']));
    const second = published();
    expect(second.subject).toMatch(/\[ISOLATED\]/);
    // The way back of the interfaces the first delivery isolated too: from the instance's record.
    for (let i = 0; i < 5; i++) expect(second.email).toContain(`--network-interface-id eni-${i} --groups sg-app-${i}`);
    expect(second.email.match(/--network-interface-id eni-0 /g)).toHaveLength(1);
  });

  it('puts back only the interface whose second move failed; the ones isolated before it stay isolated', async () => {
    const { groups, deliver } = interfacesWorld(3, 300);
    const denied = () =>
      ec2.on(ModifyNetworkInterfaceAttributeCommand, { NetworkInterfaceId: 'eni-1', Groups: ['sg-iso'] }).rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', message: 'denied', $metadata: {} }));
    await expect(deliver(denied)).rejects.toThrow('1 step(s) of the isolation of i-0abc1234def567890 failed: move eni-1 to the isolation group (UnauthorizedOperation)');
    expect([...groups.values()]).toEqual([['sg-iso'], ['sg-app-1'], ['sg-app-2']]);
    const { email } = published();
    expect(email).toMatch(/FAILED to finish isolating i-0abc1234def567890: 1 of 3 network interfaces are isolated \(eni-0\), the others are NOT \(interfaces moved back to their previous groups\)/);
    expect(email).toContain('- put eni-1 back in sg-app-1');
    // True on any attempt: Lambda does not tell an asynchronous invocation which one it is.
    expect(email).toContain('Lambda retries the event (2 times at most), then keeps it in the dead-letter queue.');
  });
});
