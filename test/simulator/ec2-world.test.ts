import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeSnapshotsCommand,
  ModifyInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeVolumesCommand,
  EC2Client,
  GetManagedPrefixListEntriesCommand,
  type IpPermission,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupIngressCommand,
  TerminateInstancesCommand,
} from '@aws-sdk/client-ec2';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { Ec2World, WorldFileError } from '../../simulator/ec2-world';
import { AwsCall, OFFLINE_CREDENTIALS, answerOffline } from '../../simulator/offline-aws';

const WORLD_DIR = path.join(__dirname, '..', '..', 'examples', 'world');
const exampleWorld = () =>
  Ec2World.fromDocuments(readdirSync(WORLD_DIR).map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(WORLD_DIR, f), 'utf8')) })));

const SSH_FROM_WORLD = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };

/** A real EC2 client answered by the world, as the simulator wires it. */
function clientFor(world: Ec2World, calls: AwsCall[] = []) {
  return answerOffline(
    new EC2Client({ region: 'eu-west-1', credentials: OFFLINE_CREDENTIALS }),
    { service: 'ec2', account: '111122223333', region: 'eu-west-1' },
    (call) => world.call(call.operation, call.params),
    (call) => calls.push(call),
  );
}

async function ingressOf(ec2: EC2Client, groupId: string) {
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: [groupId] }));
  return SecurityGroups![0].IpPermissions!;
}

describe('Class: Ec2World', () => {
  it('answers describe calls from the CLI output, with the filters handlers use', async () => {
    const ec2 = clientFor(exampleWorld());
    const byGroup = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'network-interface.group-id', Values: ['sg-0a1b2c3d4e5f60718'] }] }));
    expect(byGroup.Reservations!.flatMap((r) => r.Instances!).map((i) => i.InstanceId)).toEqual(['i-0abc1234def567890', 'i-0def5678abc123456']);
    const byTag = await ec2.send(new DescribeInstancesCommand({ Filters: [{ Name: 'tag:Name', Values: ['web-*'] }, { Name: 'instance-state-name', Values: ['running'] }] }));
    expect(byTag.Reservations).toHaveLength(2);
    const volumes = await ec2.send(new DescribeVolumesCommand({ Filters: [{ Name: 'attachment.instance-id', Values: ['i-0abc1234def567890'] }] }));
    expect(volumes.Volumes!.map((v) => v.VolumeId)).toEqual(['vol-0a1b2c3d4e5f60001']);
    const interfaces = await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: ['sg-0a1b2c3d4e5f60718'] }] }));
    expect(interfaces.NetworkInterfaces!.map((n) => [n.NetworkInterfaceId, n.Attachment?.InstanceId])).toEqual([
      ['eni-0aa11bb22cc33dd44', 'i-0abc1234def567890'],
      ['eni-0bb22cc33dd44ee55', 'i-0def5678abc123456'],
    ]);
  });

  it('pages describe calls as EC2 does: MaxResults (5 to 1,000) items a page, a NextToken while more remain', async () => {
    const ec2 = clientFor(exampleWorld());
    const before = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.length;
    // Enough groups for two pages of 5, the second one short.
    for (let i = before; i < 8; i++) await ec2.send(new CreateSecurityGroupCommand({ GroupName: `paged-${i}`, Description: 'd', VpcId: 'vpc-0123456789abcdef0' }));
    const everything = (await ec2.send(new DescribeSecurityGroupsCommand({}))).SecurityGroups!.map((g) => g.GroupId);
    expect(everything).toHaveLength(8);
    const first = await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5 }));
    expect(first.SecurityGroups!.map((g) => g.GroupId)).toEqual(everything.slice(0, 5));
    const rest = await ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5, NextToken: first.NextToken }));
    expect([...first.SecurityGroups!, ...rest.SecurityGroups!].map((g) => g.GroupId)).toEqual(everything);
    expect(rest.NextToken).toBeUndefined();
    await expect(ec2.send(new DescribeSecurityGroupsCommand({ MaxResults: 5, NextToken: 'forged' }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
    await expect(ec2.send(new DescribeNetworkInterfacesCommand({ MaxResults: 1 }))).rejects.toMatchObject({ name: 'InvalidParameterValue' });
  });

  it('changes with a revoke, so the next describe sees it, and records the call as sent', async () => {
    // Prepare
    const calls: AwsCall[] = [];
    const ec2 = clientFor(exampleWorld(), calls);
    // Act
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD] }));
    // Assess
    const ingress = await ingressOf(ec2, 'sg-0a1b2c3d4e5f60718');
    const ssh = ingress.find((p) => p.FromPort === 22 && p.IpRanges?.length === 0 && p.Ipv6Ranges?.length === 1);
    expect(ssh?.Ipv6Ranges).toEqual([{ CidrIpv6: '::/0' }]);
    expect(ingress.flatMap((p) => (p.IpRanges ?? []).map((r) => `${p.FromPort} ${r.CidrIp}`)).sort()).toEqual(['22 10.0.0.0/16', '443 0.0.0.0/0']);
    expect(calls[0]).toEqual({ service: 'ec2', operation: 'RevokeSecurityGroupIngress', account: '111122223333', region: 'eu-west-1', params: { GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD] } });
  });

  it('answers a second revoke of the same rule with InvalidPermission.NotFound, and an authorize of an existing rule with InvalidPermission.Duplicate', async () => {
    const ec2 = clientFor(exampleWorld());
    await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD] }));
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD] }))).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
    });
    const https = { IpProtocol: '6', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    await expect(ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [https] }))).rejects.toMatchObject({
      name: 'InvalidPermission.Duplicate',
    });
  });

  it('authorizes a new rule and leaves everything unchanged when one part of a call fails', async () => {
    const ec2 = clientFor(exampleWorld());
    const trusted = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '192.0.2.0/24', Description: 'office' }] };
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [trusted] }));
    const before = await ingressOf(ec2, 'sg-0a1b2c3d4e5f60718');
    expect(before.find((p) => p.FromPort === 22)?.IpRanges).toContainEqual({ CidrIp: '192.0.2.0/24', Description: 'office' });
    const missing = { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: [{ CidrIp: '0.0.0.0/0' }] };
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD, missing] }))).rejects.toMatchObject({
      name: 'InvalidPermission.NotFound',
    });
    expect(await ingressOf(ec2, 'sg-0a1b2c3d4e5f60718')).toEqual(before);
  });

  it('ends a dry run with DryRunOperation and changes nothing', async () => {
    const ec2 = clientFor(exampleWorld());
    const before = await ingressOf(ec2, 'sg-0a1b2c3d4e5f60718');
    await expect(ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0a1b2c3d4e5f60718', IpPermissions: [SSH_FROM_WORLD], DryRun: true }))).rejects.toMatchObject({
      name: 'DryRunOperation',
    });
    expect(await ingressOf(ec2, 'sg-0a1b2c3d4e5f60718')).toEqual(before);
  });

  it.each([
    { label: 'DescribeSecurityGroups of an unknown group', command: new DescribeSecurityGroupsCommand({ GroupIds: ['sg-0000000000000dead'] }), code: 'InvalidGroup.NotFound' },
    { label: 'DescribeInstances of an unknown instance', command: new DescribeInstancesCommand({ InstanceIds: ['i-0000000000000dead'] }), code: 'InvalidInstanceID.NotFound' },
    { label: 'RevokeSecurityGroupIngress on an unknown group', command: new RevokeSecurityGroupIngressCommand({ GroupId: 'sg-0000000000000dead', IpPermissions: [SSH_FROM_WORLD] }), code: 'InvalidGroup.NotFound' },
    { label: 'CreateTags on an unknown group', command: new CreateTagsCommand({ Resources: ['sg-0000000000000dead'], Tags: [{ Key: 'k', Value: 'v' }] }), code: 'InvalidGroup.NotFound' },
    { label: 'ModifyNetworkInterfaceAttribute of an unknown interface', command: new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: 'eni-0000000000000dead', Groups: ['sg-0a1b2c3d4e5f60718'] }), code: 'InvalidNetworkInterfaceID.NotFound' },
    { label: 'a filter the world does not model', command: new DescribeInstancesCommand({ Filters: [{ Name: 'owner-alias', Values: ['x'] }] }), code: 'InvalidParameterValue' },
    { label: 'an operation the world does not model', command: new TerminateInstancesCommand({ InstanceIds: ['i-0abc1234def567890'] }), code: 'UnsupportedOperation' },
  ])('answers $label with $code, as EC2 would', async ({ command, code }) => {
    await expect(clientFor(exampleWorld()).send(command as never)).rejects.toMatchObject({ name: code });
  });

  it('tags resources and moves an interface to other groups, updating the instance', async () => {
    const ec2 = clientFor(exampleWorld());
    await ec2.send(new CreateTagsCommand({ Resources: ['sg-0a1b2c3d4e5f60718', 'i-0abc1234def567890'], Tags: [{ Key: 'guardduty-response:finding', Value: 'f-1' }] }));
    await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: 'eni-0aa11bb22cc33dd44', Groups: ['sg-0b2c3d4e5f6071829'] }));
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: ['i-0abc1234def567890'] }))).Reservations![0].Instances![0];
    expect(instance.Tags).toContainEqual({ Key: 'guardduty-response:finding', Value: 'f-1' });
    expect(instance.SecurityGroups).toEqual([{ GroupId: 'sg-0b2c3d4e5f6071829', GroupName: 'internal-sg' }]);
    expect(instance.NetworkInterfaces![0].Groups).toEqual([{ GroupId: 'sg-0b2c3d4e5f6071829', GroupName: 'internal-sg' }]);
  });

  it('creates a security group with the default egress rule and its tags, and refuses a duplicate name in the VPC', async () => {
    const ec2 = clientFor(exampleWorld());
    const input = {
      GroupName: 'guardduty-response-isolation',
      Description: 'isolation',
      VpcId: 'vpc-0123456789abcdef0',
      TagSpecifications: [{ ResourceType: 'security-group' as const, Tags: [{ Key: 'guardduty-response:isolation', Value: 'isolation' }] }],
    };
    const { GroupId } = await ec2.send(new CreateSecurityGroupCommand(input));
    expect(GroupId).toMatch(/^sg-[0-9a-f]{17}$/);
    const found = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: ['vpc-0123456789abcdef0'] }, { Name: 'tag:guardduty-response:isolation', Values: ['isolation'] }] }));
    expect(found.SecurityGroups).toEqual([
      expect.objectContaining({ GroupId, IpPermissions: [], IpPermissionsEgress: [expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] })] }),
    ]);
    await expect(ec2.send(new CreateSecurityGroupCommand(input))).rejects.toMatchObject({ name: 'InvalidGroup.Duplicate' });
  });

  it('records termination protection, creates tagged snapshots, and answers and changes Auto Scaling membership', async () => {
    const world = Ec2World.fromDocuments([
      ...readdirSync(WORLD_DIR).map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(WORLD_DIR, f), 'utf8')) })),
      { file: 'asg.json', json: { AutoScalingInstances: [{ InstanceId: 'i-0abc1234def567890', AutoScalingGroupName: 'web-asg', AvailabilityZone: 'eu-west-1a', LifecycleState: 'InService', HealthStatus: 'HEALTHY', ProtectedFromScaleIn: false }] } },
    ]);
    const ec2 = clientFor(world);
    const protection = () => ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: 'i-0abc1234def567890', Attribute: 'disableApiTermination' }));
    expect((await protection()).DisableApiTermination).toEqual({ Value: false });
    await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: 'i-0abc1234def567890', DisableApiTermination: { Value: true } }));
    expect((await protection()).DisableApiTermination).toEqual({ Value: true });
    const snapshot = await ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-0a1b2c3d4e5f60001', TagSpecifications: [{ ResourceType: 'snapshot', Tags: [{ Key: 'guardduty-response:finding', Value: 'f-1' }] }] }));
    expect(snapshot).toMatchObject({ SnapshotId: expect.stringMatching(/^snap-/), VolumeId: 'vol-0a1b2c3d4e5f60001', State: 'pending', Tags: [{ Key: 'guardduty-response:finding', Value: 'f-1' }] });
    await expect(ec2.send(new CreateSnapshotCommand({ VolumeId: 'vol-0000000000000dead' }))).rejects.toMatchObject({ name: 'InvalidVolume.NotFound' });
    const kept = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'tag:guardduty-response:finding', Values: ['f-1'] }] }));
    expect(kept.Snapshots?.map((s) => s.VolumeId)).toEqual(['vol-0a1b2c3d4e5f60001']);
    expect(world.callAutoScaling('DescribeAutoScalingInstances', { InstanceIds: ['i-0abc1234def567890'] })).toMatchObject({ AutoScalingInstances: [{ AutoScalingGroupName: 'web-asg' }] });
    world.callAutoScaling('DetachInstances', { InstanceIds: ['i-0abc1234def567890'], AutoScalingGroupName: 'web-asg', ShouldDecrementDesiredCapacity: false });
    expect(world.callAutoScaling('DescribeAutoScalingInstances', { InstanceIds: ['i-0abc1234def567890'] })).toEqual({ AutoScalingInstances: [] });
    expect(() => world.callAutoScaling('DetachInstances', { InstanceIds: ['i-0abc1234def567890'], AutoScalingGroupName: 'web-asg' })).toThrow('The instance i-0abc1234def567890 is not part of Auto Scaling group web-asg.');
    // Names Auto Scaling refuses (space, ':', control characters, unicode) are refused here too; shell metacharacters are allowed.
    for (const name of ['two words', 'a:b', 'x\ny', 'caf\u00e9']) expect(() => world.callAutoScaling('DetachInstances', { InstanceIds: ['i-1'], AutoScalingGroupName: name })).toThrow(/failed to satisfy constraint/);
    expect(() => world.callAutoScaling('DetachInstances', { InstanceIds: ['i-1'], AutoScalingGroupName: 'web;$(id)`x`' })).toThrow(/is not part of Auto Scaling group/);
    expect(() => Ec2World.fromDocuments([{ file: 'asg.json', json: { AutoScalingInstances: [{ InstanceId: 'i-1', AutoScalingGroupName: 'has space' }] } }])).toThrow(/asg\.json.*failed to satisfy constraint/);
  });

  it('refuses rules beyond the default quota of 60 a group, counted apart for IPv4 and IPv6, a group reference in both, a prefix list as its MaxEntries, and changes nothing', async () => {
    const ec2 = clientFor(
      Ec2World.fromDocuments([
        { file: 'groups.json', json: { SecurityGroups: [{ GroupId: 'sg-1', VpcId: 'vpc-1', IpPermissions: [] }] } },
        { file: 'lists.json', json: { PrefixLists: [{ PrefixListId: 'pl-0123456789abcdef0', MaxEntries: 20, Entries: [{ Cidr: '192.0.2.0/24' }] }] } },
      ]),
    );
    const cidrs = (count: number, v6 = false) => Array.from({ length: count }, (_, i) => (v6 ? { CidrIpv6: `2001:db8:${i.toString(16)}::/48` } : { CidrIp: `10.${i}.0.0/16` }));
    const authorize = (permission: IpPermission) => ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, ...permission }] }));
    await authorize({ IpRanges: cidrs(59), Ipv6Ranges: cidrs(59, true) });
    // A group reference counts for IPv4 and for IPv6: both families are now at 60.
    await authorize({ UserIdGroupPairs: [{ GroupId: 'sg-1' }] });
    await expect(authorize({ IpRanges: [{ CidrIp: '172.16.0.0/12' }] })).rejects.toMatchObject({ name: 'RulesPerSecurityGroupLimitExceeded', message: expect.stringContaining('60 inbound IPv4 rules') });
    await expect(authorize({ Ipv6Ranges: [{ CidrIpv6: 'fd00::/8' }] })).rejects.toMatchObject({ name: 'RulesPerSecurityGroupLimitExceeded', message: expect.stringContaining('60 inbound IPv6 rules') });
    const rules = () => ingressOf(ec2, 'sg-1').then((permissions) => permissions.flatMap((p) => [...p.IpRanges!, ...p.Ipv6Ranges!, ...p.UserIdGroupPairs!]).length);
    expect(await rules()).toBe(119);
    // Outbound rules have a quota of their own; a prefix list of 20 entries at most counts 20.
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: cidrs(40), PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }] }] }));
    await expect(ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: 'sg-1', IpPermissions: [{ IpProtocol: 'udp', FromPort: 53, ToPort: 53, IpRanges: [{ CidrIp: '10.255.0.0/16' }] }] }))).rejects.toMatchObject({
      name: 'RulesPerSecurityGroupLimitExceeded',
      message: expect.stringContaining('60 outbound IPv4 rules'),
    });
  });

  it('answers GetManagedPrefixListEntries from the lists loaded with their entries, a page of 1 to 100 at a time, and InvalidPrefixListID.NotFound for another list', async () => {
    const entries = Array.from({ length: 7 }, (_, i) => ({ Cidr: `10.${i}.0.0/16`, Description: `site ${i}` }));
    const ec2 = clientFor(Ec2World.fromDocuments([{ file: 'lists.json', json: { PrefixLists: [{ PrefixListId: 'pl-0123456789abcdef0', PrefixListName: 'corp', Entries: entries }] } }]));
    const first = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-0123456789abcdef0', MaxResults: 1 }));
    expect(first.Entries).toEqual(entries.slice(0, 1));
    const rest = await ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-0123456789abcdef0', MaxResults: 100, NextToken: first.NextToken }));
    expect([rest.Entries, rest.NextToken]).toEqual([entries.slice(1), undefined]);
    await expect(ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-0123456789abcdef0', MaxResults: 101 }))).rejects.toMatchObject({ name: 'InvalidParameterValue', message: 'MaxResults must be between 1 and 100, not 101' });
    await expect(ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: 'pl-0fedcba9876543210' }))).rejects.toMatchObject({ name: 'InvalidPrefixListID.NotFound' });
  });

  it('detaches from an Auto Scaling group only an InService or Standby instance, or a warm-pool one with the desired capacity kept', () => {
    const member = (id: string, state: string) => ({ InstanceId: id, AutoScalingGroupName: 'web-asg', LifecycleState: state });
    const world = Ec2World.fromDocuments([
      { file: 'asg.json', json: { AutoScalingInstances: [member('i-1', 'InService'), member('i-2', 'Standby'), member('i-3', 'Warmed:Stopped'), member('i-4', 'Terminating:Wait'), member('i-5', 'Pending')] } },
    ]);
    const detach = (id: string, keep = true) => () => world.callAutoScaling('DetachInstances', { InstanceIds: [id], AutoScalingGroupName: 'web-asg', ShouldDecrementDesiredCapacity: !keep });
    for (const id of ['i-1', 'i-2', 'i-3']) expect(detach(id)).not.toThrow();
    expect(detach('i-4')).toThrow('The instance i-4 is not in InService or Standby (Terminating:Wait).');
    expect(detach('i-5')).toThrow(/not in InService or Standby \(Pending\)/);
    expect(world.callAutoScaling('DescribeAutoScalingInstances', {})).toMatchObject({ AutoScalingInstances: [{ InstanceId: 'i-4' }, { InstanceId: 'i-5' }] });
    const warm = Ec2World.fromDocuments([{ file: 'asg.json', json: { AutoScalingInstances: [member('i-6', 'Warmed:Running')] } }]);
    expect(() => warm.callAutoScaling('DetachInstances', { InstanceIds: ['i-6'], AutoScalingGroupName: 'web-asg', ShouldDecrementDesiredCapacity: true })).toThrow(/not in InService or Standby/);
  });

  it('merges several files, a later resource replacing an earlier one with the same id', () => {
    const world = Ec2World.fromDocuments([
      { file: 'a.json', json: { SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'old' }] } },
      { file: 'b.json', json: { SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'new' }, { GroupId: 'sg-2' }], Volumes: [{ VolumeId: 'vol-1' }] } },
    ]);
    expect(world.call('DescribeSecurityGroups', {})).toEqual({ SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'new' }, { GroupId: 'sg-2' }] });
    expect(world.call('DescribeVolumes', {})).toEqual({ Volumes: [{ VolumeId: 'vol-1' }] });
    expect(world.call('DescribeSecurityGroups', { GroupIds: ['sg-1'] })).toEqual({ SecurityGroups: [{ GroupId: 'sg-1', GroupName: 'new' }] });
  });

  it.each([
    [[], /world file w\.json: is not a JSON object/],
    [{ Buckets: [] }, /has none of Reservations \(describe-instances\), SecurityGroups \(describe-security-groups\), Volumes \(describe-volumes\), AutoScalingInstances \(autoscaling describe-auto-scaling-instances\), PrefixLists \(describe-managed-prefix-lists, each with its Entries\); keys: Buckets/],
    // describe-managed-prefix-lists alone: a list without its entries would read as empty.
    [{ PrefixLists: [{ PrefixListId: 'pl-1', PrefixListName: 'corp' }] }, /PrefixLists\[0\] has no Entries list of \{"Cidr": \.\.\.\} \(add what get-managed-prefix-list-entries prints for pl-1\)/],
    [{ PrefixLists: [{ PrefixListId: 'pl-1', Entries: [{ Description: 'no cidr' }] }] }, /PrefixLists\[0\] has no Entries list/],
    [{ PrefixLists: [{ Entries: [] }] }, /PrefixLists\[0\] has no PrefixListId/],
    [{ SecurityGroups: [{ GroupName: 'x' }] }, /SecurityGroups\[0\] has no GroupId/],
    [{ Reservations: [{ Instances: [{}] }] }, /Reservations\[0\]\.Instances\[0\] has no InstanceId/],
    [{ Volumes: {} }, /Volumes is not a list of objects/],
  ])('rejects world file content %p, naming the file and the problem', (json, message) => {
    expect(() => Ec2World.fromDocuments([{ file: 'w.json', json }])).toThrow(WorldFileError);
    expect(() => Ec2World.fromDocuments([{ file: 'w.json', json }])).toThrow(message);
  });
});
