/**
 * isolate-instance end to end against moto: the handler as Lambda runs it, real SDK clients over
 * HTTP, a world built through the EC2 and Auto Scaling APIs (an instance with two interfaces and
 * two volumes, in an Auto Scaling group), and the result read back from the services. The alert
 * is published to a topic in moto; the SNS client records what moto accepted.
 */
import { AutoScalingClient, DescribeAutoScalingGroupsCommand, DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  DescribeInstanceAttributeCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  EC2Client,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { createIsolateHandler } from '../../lambdas/isolate/isolate';
import { AUTO_SCALING_GROUP_TAG, FINDING_TAG, ISOLATED_AT_TAG, ISOLATION_GROUP_NAME, ISOLATION_ROLE_TAG, PREVIOUS_GROUPS_TAG_PREFIX, UNTRACKED_GROUP_NAME, fallbackGroupName } from '../../lambdas/isolate/plan';
import type { RemediationSettings } from '../../lambdas/shared/remediation';
import { MOTO_AMI, MOTO_NOW, MOTO_REGION, MotoWorld, buildMotoWorld, createAlertTopic, findingAbout, motoConfig, motoRemediationDependencies, useMoto } from '../support/moto';

const endpoint = useMoto();
const TEMPLATE = 'test/fixtures/findings/c2-high.json';

async function setUp(settings: Partial<RemediationSettings> = {}) {
  const topicArn = await createAlertTopic(endpoint());
  const world = await buildMotoWorld(endpoint());
  const { dependencies, alerts } = motoRemediationDependencies(endpoint(), 'isolate-instance', { settings, topicArn });
  const handler = createIsolateHandler(dependencies);
  return { world, handler, ec2: new EC2Client(motoConfig(endpoint())), autoScaling: new AutoScalingClient(motoConfig(endpoint())), alerts };
}

/** The isolation groups of the world's VPC, by role (found by tag, as the handler finds them). */
async function isolationGroups(ec2: EC2Client, world: MotoWorld) {
  const { SecurityGroups } = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpcId] }, { Name: 'tag-key', Values: [ISOLATION_ROLE_TAG] }] }));
  const role = (value: string) => SecurityGroups!.filter((g) => g.Tags?.some((t) => t.Key === ISOLATION_ROLE_TAG && t.Value === value));
  return { isolation: role('isolation'), untracked: role('untracked') };
}

/** Everything the handler could have changed, as EC2 and Auto Scaling describe it. */
async function stateOf(ec2: EC2Client, autoScaling: AutoScalingClient, world: MotoWorld) {
  const strip = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === '$metadata' ? undefined : v)));
  return strip({
    groups: await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpcId] }] })),
    instances: await ec2.send(new DescribeInstancesCommand({})),
    interfaces: await ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'vpc-id', Values: [world.vpcId] }] })),
    protection: await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: world.instanceId, Attribute: 'disableApiTermination' })),
    // By volume: the world's snapshots only (moto with its built-in AMIs loaded adds some 1,200 per account).
    snapshots: await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: 'volume-id', Values: [...world.volumeIds] }] })),
    autoScalingGroups: await autoScaling.send(new DescribeAutoScalingGroupsCommand({})),
    autoScalingInstances: await autoScaling.send(new DescribeAutoScalingInstancesCommand({})),
  });
}

describe('isolate-instance against moto', () => {
  it('moves both interfaces to an isolation group without rules, protects, snapshots both volumes and detaches from the Auto Scaling group', async () => {
    // Prepare
    const { world, handler, ec2, autoScaling, alerts } = await setUp();
    const finding = findingAbout(world, TEMPLATE);
    // Act
    await handler(finding);
    // Assess: network cut, through a group that allows everything untracked.
    const { isolation, untracked } = await isolationGroups(ec2, world);
    expect(isolation).toHaveLength(1);
    expect(isolation[0]).toMatchObject({ IpPermissions: [], IpPermissionsEgress: [] });
    expect(untracked).toHaveLength(1);
    const everything = [expect.objectContaining({ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] })];
    expect(untracked[0]).toMatchObject({ IpPermissions: everything, IpPermissionsEgress: everything });
    const { NetworkInterfaces } = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [...world.networkInterfaceIds] }));
    expect(NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).toEqual([[isolation[0].GroupId], [isolation[0].GroupId]]);
    // The way back is on the instance; the instance keeps running (its memory is evidence).
    const instance = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [world.instanceId] }))).Reservations![0].Instances![0];
    expect(instance.State?.Name).toBe('running');
    expect(instance.Tags).toEqual(
      expect.arrayContaining([
        { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}${world.networkInterfaceIds[0]}`, Value: world.webGroupId },
        { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}${world.networkInterfaceIds[1]}`, Value: world.sshGroupId },
        { Key: ISOLATED_AT_TAG, Value: MOTO_NOW.toISOString() },
        { Key: FINDING_TAG, Value: finding.detail.id },
        { Key: AUTO_SCALING_GROUP_TAG, Value: world.autoScalingGroupName },
      ]),
    );
    // The neighbour in web-sg is not touched.
    const neighbour = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [world.neighbourId] }))).Reservations![0].Instances![0];
    expect(neighbour.NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).toEqual([[world.webGroupId]]);
    // Evidence.
    const protection = await ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: world.instanceId, Attribute: 'disableApiTermination' }));
    expect(protection.DisableApiTermination?.Value).toBe(true);
    const { Snapshots } = await ec2.send(new DescribeSnapshotsCommand({ Filters: [{ Name: `tag:${FINDING_TAG}`, Values: [finding.detail.id] }] }));
    expect(Snapshots!.map((s) => s.VolumeId).sort()).toEqual([...world.volumeIds].sort());
    for (const snapshot of Snapshots!) expect(snapshot.Tags).toContainEqual({ Key: 'guardduty-response:evidence-of', Value: world.instanceId });
    // Detached without lowering the desired capacity: the group replaces it and never terminates the evidence.
    const membership = await autoScaling.send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [world.instanceId] }));
    expect(membership.AutoScalingInstances).toEqual([]);
    const group = (await autoScaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [world.autoScalingGroupName] }))).AutoScalingGroups![0];
    expect(group.DesiredCapacity).toBe(1);
    expect(group.Instances!.map((i) => i.InstanceId)).not.toContain(world.instanceId);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.subject).toContain('[ISOLATED]');
  });

  it('changes nothing on a second delivery of the same finding, and says it is already isolated', async () => {
    const { world, handler, ec2, autoScaling, alerts } = await setUp();
    const finding = findingAbout(world, TEMPLATE);
    await handler(finding);
    const after = await stateOf(ec2, autoScaling, world);
    await handler(finding);
    expect(await stateOf(ec2, autoScaling, world)).toEqual(after);
    expect(alerts).toHaveLength(2);
    expect(alerts[1].subject).toContain('[ALREADY ISOLATED]');
    // The way back into the Auto Scaling group it left, from the group recorded on the instance.
    expect(alerts[1].email).toContain(`aws autoscaling attach-instances --region ${MOTO_REGION} --instance-ids ${world.instanceId} --auto-scaling-group-name ${world.autoScalingGroupName}`);
  });

  it('reuses the VPC\'s isolation groups for the next instance, first removing rules someone added to the isolation group', async () => {
    // Prepare: web-1 isolated (the groups now exist), then the isolation group opened by hand.
    const { world, handler, ec2, alerts } = await setUp();
    await handler(findingAbout(world, TEMPLATE));
    const [isolation] = (await isolationGroups(ec2, world)).isolation;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: isolation.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'debug' }] }] }));
    await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: isolation.GroupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    // Act: a finding about web-2. The revokes are sent as DescribeSecurityGroups returned the rules.
    await handler(findingAbout(world, TEMPLATE, { instanceId: world.neighbourId }));
    // Assess
    const after = await isolationGroups(ec2, world);
    expect(after.isolation.map((g) => g.GroupId)).toEqual([isolation.GroupId]);
    expect(after.untracked).toHaveLength(1);
    expect(after.isolation[0]).toMatchObject({ IpPermissions: [], IpPermissionsEgress: [] });
    const neighbour = (await ec2.send(new DescribeInstancesCommand({ InstanceIds: [world.neighbourId] }))).Reservations![0].Instances![0];
    expect(neighbour.NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).toEqual([[isolation.GroupId]]);
    expect(alerts.map((a) => a.subject.includes('[ISOLATED]'))).toEqual([true, true]);
  });

  it('isolates the instances of one VPC delivered at once, each by its own container: every delivery succeeds, and the VPC gets one pair of groups', async () => {
    // Prepare: four instances of web-sg in a VPC without isolation groups, one handler (container) each.
    const { world, ec2 } = await setUp();
    const launch = async () => {
      const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: world.subnetId, Groups: [world.webGroupId] }))).NetworkInterface!.NetworkInterfaceId!;
      return (await ec2.send(new RunInstancesCommand({ ImageId: MOTO_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ NetworkInterfaceId: eni, DeviceIndex: 0 }] }))).Instances![0].InstanceId!;
    };
    const instanceIds = [world.instanceId, world.neighbourId, await launch(), await launch()];
    const topicArn = await createAlertTopic(endpoint(), 'burst');
    const containers = instanceIds.map(() => motoRemediationDependencies(endpoint(), 'isolate-instance', { topicArn, maxAttempts: 3 }));
    // Act: all at once. Each finds no group and creates them; all but one lose that race.
    await Promise.all(instanceIds.map((instanceId, i) => createIsolateHandler(containers[i].dependencies)(findingAbout(world, TEMPLATE, { instanceId }))));
    // Assess
    const { isolation, untracked } = await isolationGroups(ec2, world);
    expect([isolation.length, untracked.length]).toEqual([1, 1]);
    expect(isolation[0]).toMatchObject({ IpPermissions: [], IpPermissionsEgress: [] });
    const { Reservations } = await ec2.send(new DescribeInstancesCommand({ InstanceIds: instanceIds }));
    const groups = Reservations!.flatMap((r) => r.Instances!).flatMap((i) => i.NetworkInterfaces!.flatMap((n) => n.Groups!.map((g) => g.GroupId)));
    expect(new Set(groups)).toEqual(new Set([isolation[0].GroupId]));
    expect(containers.map((c) => c.alerts.map((a) => a.subject.includes('[ISOLATED]')))).toEqual(instanceIds.map(() => [true]));
  });

  it("isolates through groups of its own when someone else's groups hold the stack's group names in the VPC, and leaves those alone", async () => {
    const { world, handler, ec2, autoScaling, alerts } = await setUp();
    // Groups named as the stack names its own, without its tag, one of them open to everything:
    // what anyone allowed to create groups in the VPC (the instance's own role, perhaps) could make.
    const squat = async (name: string) => {
      const { GroupId } = await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: 'not the stack', VpcId: world.vpcId }));
      await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId, IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
      return GroupId!;
    };
    const squatters = [await squat(ISOLATION_GROUP_NAME), await squat(UNTRACKED_GROUP_NAME)];
    const squattersBefore = (await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: squatters }))).SecurityGroups;
    const finding = findingAbout(world, TEMPLATE);
    await handler(finding);
    const { isolation, untracked } = await isolationGroups(ec2, world);
    expect([isolation.map((g) => g.GroupName), untracked.map((g) => g.GroupName)]).toEqual([[fallbackGroupName(ISOLATION_GROUP_NAME, finding.detail.id)], [fallbackGroupName(UNTRACKED_GROUP_NAME, finding.detail.id)]]);
    expect(isolation[0]).toMatchObject({ IpPermissions: [], IpPermissionsEgress: [] });
    const { NetworkInterfaces } = await ec2.send(new DescribeNetworkInterfacesCommand({ NetworkInterfaceIds: [...world.networkInterfaceIds] }));
    expect(NetworkInterfaces!.map((n) => n.Groups!.map((g) => g.GroupId))).toEqual([[isolation[0].GroupId], [isolation[0].GroupId]]);
    expect((await ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: squatters }))).SecurityGroups).toEqual(squattersBefore);
    const [alert] = alerts;
    expect(alert.subject).toContain('[ISOLATED]');
    expect(alert.email).toContain(`the name ${ISOLATION_GROUP_NAME} is held by ${squatters[0]}, which has no ${ISOLATION_ROLE_TAG} tag`);
    // The next delivery finds the groups by their tag and changes nothing.
    const after = await stateOf(ec2, autoScaling, world);
    await handler(finding);
    expect(await stateOf(ec2, autoScaling, world)).toEqual(after);
  });

  it('changes nothing in a dry run, even in a VPC without isolation groups, and the alert says what it would have done', async () => {
    const { world, handler, ec2, autoScaling, alerts } = await setUp({ dryRun: true });
    const before = await stateOf(ec2, autoScaling, world);
    await handler(findingAbout(world, TEMPLATE));
    expect(await stateOf(ec2, autoScaling, world)).toEqual(before);
    expect(alerts).toHaveLength(1);
    const [alert] = alerts;
    expect(alert.subject).toContain('[DRY RUN]');
    expect(alert.email).toMatch(/would have/i);
  });
});
