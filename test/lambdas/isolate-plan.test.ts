import type { Instance, SecurityGroup } from '@aws-sdk/client-ec2';
import { ALL_TRAFFIC, AUTO_SCALING_GROUP_TAG, FINDING_TAG, ISOLATED_AT_TAG, ISOLATION_ROLE_TAG, IsolationInput, IsolationPlan, PREVIOUS_GROUPS_TAG_PREFIX, isolatedInterfaces, isolationSteps, planIsolation, rollbackSteps } from '../../lambdas/isolate/plan';
import type { Executed, Step, StepStatus } from '../../lambdas/shared/steps';
import { testInstance } from '../support/instances';

const instance = (overrides: Partial<Instance> = {}): Instance => testInstance({ InstanceId: 'i-1', ...overrides });
const isolationGroup = (rules: Partial<SecurityGroup> = {}): SecurityGroup => ({
  GroupId: 'sg-iso',
  GroupName: 'guardduty-response-isolation',
  VpcId: 'vpc-1',
  IpPermissions: [],
  IpPermissionsEgress: [],
  Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'isolation' }],
  ...rules,
});
const untrackedGroup = (): SecurityGroup => ({ GroupId: 'sg-untracked', VpcId: 'vpc-1', IpPermissions: [...ALL_TRAFFIC], IpPermissionsEgress: [...ALL_TRAFFIC], Tags: [{ Key: ISOLATION_ROLE_TAG, Value: 'untracked' }] });
const plan = (overrides: Partial<IsolationInput> = {}) =>
  planIsolation({
    instance: instance(),
    vpcGroups: [],
    exclusionTag: 'guardduty-response:exclude',
    snapshots: true,
    findingId: 'f-1',
    now: '2026-11-20T03:30:00.000Z',
    terminationProtected: false,
    snapshotted: [],
    ...overrides,
  });

describe('Function: planIsolation', () => {
  it('plans both groups for creation when the VPC has none yet, recording the way back first', () => {
    const result = plan();
    expect(result).toMatchObject({
      status: 'isolate',
      vpcId: 'vpc-1',
      interfaces: [{ networkInterfaceId: 'eni-a', previousGroups: ['sg-web', 'sg-ssh'] }],
      untracked: { existingId: undefined, authorizeIngress: ALL_TRAFFIC, authorizeEgress: ALL_TRAFFIC },
      isolation: { existingId: undefined, revokeIngress: [], revokeEgress: [] },
      evidence: { protect: true, volumes: ['vol-root'] },
    });
    if (result.status !== 'isolate') throw new Error('unreachable');
    expect(result.instanceTags).toEqual([
      { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}eni-a`, Value: 'sg-web,sg-ssh' },
      { Key: ISOLATED_AT_TAG, Value: '2026-11-20T03:30:00.000Z' },
      { Key: FINDING_TAG, Value: 'f-1' },
    ]);
  });

  it('reuses the existing groups of the VPC, and empties an isolation group someone added rules to', () => {
    const egress = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    const result = plan({ vpcGroups: [isolationGroup({ IpPermissionsEgress: egress }), untrackedGroup()] });
    expect(result).toMatchObject({
      status: 'isolate',
      isolation: { existingId: 'sg-iso', revokeEgress: egress, revokeIngress: [] },
      untracked: { existingId: 'sg-untracked', authorizeIngress: [], authorizeEgress: [] },
    });
  });

  it('plans every interface with its own previous groups', () => {
    const two = instance({
      NetworkInterfaces: [
        { NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-web' }] },
        { NetworkInterfaceId: 'eni-b', Groups: [{ GroupId: 'sg-db' }, { GroupId: 'sg-mgmt' }] },
      ],
    });
    const result = plan({ instance: two });
    expect(result).toMatchObject({ interfaces: [{ networkInterfaceId: 'eni-a', previousGroups: ['sg-web'] }, { networkInterfaceId: 'eni-b', previousGroups: ['sg-db', 'sg-mgmt'] }] });
  });

  it('snapshots every attached EBS volume, or none when snapshots are off', () => {
    const disks = instance({ BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-root' } }, { Ebs: { VolumeId: 'vol-data' } }, { DeviceName: '/dev/sdb' }] });
    expect(plan({ instance: disks })).toMatchObject({ evidence: { volumes: ['vol-root', 'vol-data'], snapshotTags: [{ Key: FINDING_TAG, Value: 'f-1' }, { Key: 'guardduty-response:evidence-of', Value: 'i-1' }] } });
    expect(plan({ instance: disks, snapshots: false })).toMatchObject({ evidence: { volumes: [] } });
    // Evidence an earlier delivery kept is not kept twice: protection on, one volume snapshotted.
    expect(plan({ instance: disks, terminationProtected: true, snapshotted: ['vol-root'] })).toMatchObject({ evidence: { protect: false, volumes: ['vol-data'] } });
  });

  it('never plans termination protection for a Spot Instance (EC2 refuses it), and says it is one', () => {
    const spot = instance({ InstanceLifecycle: 'spot', BlockDeviceMappings: [{ Ebs: { VolumeId: 'vol-root' } }] });
    expect(plan({ instance: spot })).toMatchObject({ evidence: { protect: false, spot: true, volumes: ['vol-root'] } });
    expect(plan()).toMatchObject({ evidence: { protect: true, spot: false } });
  });

  it('refuses, before any change, an instance with interfaces in another VPC (a group serves the interfaces of its own VPC only)', () => {
    const multi = instance({
      VpcId: 'vpc-1',
      NetworkInterfaces: [
        { NetworkInterfaceId: 'eni-a', VpcId: 'vpc-1', Groups: [{ GroupId: 'sg-web' }] },
        { NetworkInterfaceId: 'eni-b', VpcId: 'vpc-2', Groups: [{ GroupId: 'sg-appliance' }] },
      ],
    });
    expect(plan({ instance: multi })).toEqual({ status: 'other-vpc', vpcId: 'vpc-1', elsewhere: ['eni-b (vpc-2)'] });
  });

  it('carries the Auto Scaling group to detach from', () => {
    expect(plan({ autoScalingGroupName: 'web-asg' })).toMatchObject({ evidence: { autoScalingGroupName: 'web-asg' } });
  });

  it('records the Auto Scaling group with the way back, once, and only a name every AWS service takes as a tag value; gives it back once detached', () => {
    const isolate = (overrides: Partial<IsolationInput>) => plan(overrides) as Extract<IsolationPlan, { status: 'isolate' }>;
    const member = isolate({ autoScalingGroupName: 'web-asg' });
    expect(member.instanceTags).toContainEqual({ Key: AUTO_SCALING_GROUP_TAG, Value: 'web-asg' });
    expect(member.recordedTagKeys).toContain(AUTO_SCALING_GROUP_TAG);
    // A name EC2 Auto Scaling allows but that not every tag value may hold: not recorded (a refused tag would stop the isolation).
    const hostile = isolate({ autoScalingGroupName: 'web;$(id)' });
    expect(hostile.instanceTags.map((t) => t.Key)).not.toContain(AUTO_SCALING_GROUP_TAG);
    expect(hostile.recordedTagKeys).not.toContain(AUTO_SCALING_GROUP_TAG);
    // Never overwritten: a record that exists is the way back.
    const recorded = isolate({ autoScalingGroupName: 'other', instance: instance({ Tags: [{ Key: AUTO_SCALING_GROUP_TAG, Value: 'web-asg' }] }) });
    expect(recorded.instanceTags.map((t) => t.Key)).not.toContain(AUTO_SCALING_GROUP_TAG);
    expect(recorded.recordedTagKeys).toContain(AUTO_SCALING_GROUP_TAG);
    // Already isolated: detached (no longer a member), the recorded group is the way back; still a member, there is none to give.
    const isolated = instance({
      Tags: [{ Key: ISOLATED_AT_TAG, Value: 'T0' }, { Key: AUTO_SCALING_GROUP_TAG, Value: 'web-asg' }],
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', VpcId: 'vpc-1', Groups: [{ GroupId: 'sg-iso' }] }],
    });
    expect(plan({ instance: isolated, vpcGroups: [isolationGroup(), untrackedGroup()] })).toMatchObject({ status: 'already-isolated', detachedFrom: 'web-asg' });
    expect(plan({ instance: isolated, vpcGroups: [isolationGroup(), untrackedGroup()], autoScalingGroupName: 'web-asg' })).not.toHaveProperty('detachedFrom');
  });

  // Amazon EC2 Auto Scaling User Guide, "Detach or attach instances": InService or Standby, or a warm pool with the capacity kept.
  it.each([
    ['InService', true],
    ['Standby', true],
    ['Warmed:Stopped', true],
    ['Terminating:Wait', false],
    ['Terminating', false],
    ['Pending:Wait', false],
    ['Detaching', false],
  ])('detaches an instance that is %s in its group: %p', (state, detaches) => {
    const { evidence } = plan({ autoScalingGroupName: 'web-asg', autoScalingState: state }) as Extract<IsolationPlan, { status: 'isolate' }>;
    expect(evidence.autoScalingGroupName).toBe(detaches ? 'web-asg' : undefined);
    expect(evidence.notDetachable).toEqual(detaches ? undefined : { group: 'web-asg', state });
  });

  it.each(['terminated', 'shutting-down'] as const)('does nothing to a %s instance', (name) => {
    expect(plan({ instance: instance({ State: { Name: name, Code: 48 } }) })).toEqual({ status: 'terminated' });
  });

  it('does nothing to an instance with the exclusion tag', () => {
    expect(plan({ instance: instance({ Tags: [{ Key: 'guardduty-response:exclude', Value: '' }] }) })).toEqual({ status: 'excluded' });
  });

  it('reports an instance already isolated (tagged, every interface in the isolation group only)', () => {
    const isolated = instance({
      Tags: [{ Key: ISOLATED_AT_TAG, Value: '2026-11-20T03:00:00.000Z' }],
      NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] }],
    });
    expect(plan({ instance: isolated, vpcGroups: [isolationGroup()] })).toMatchObject({ status: 'already-isolated', isolatedAt: '2026-11-20T03:00:00.000Z' });
    // Tagged, but someone moved an interface back: isolate again.
    const reopened = instance({ Tags: isolated.Tags, NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-web' }] }] });
    expect(plan({ instance: reopened, vpcGroups: [isolationGroup()] }).status).toBe('isolate');
  });
});

describe('Functions: isolationSteps and rollbackSteps', () => {
  // eni-a isolated by an earlier run, eni-b left in the untracked group by it, eni-c and eni-d not moved.
  const resumed = () => {
    const result = plan({
      vpcGroups: [isolationGroup(), untrackedGroup()],
      instance: instance({
        Tags: [
          { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}eni-a`, Value: 'sg-web' },
          { Key: `${PREVIOUS_GROUPS_TAG_PREFIX}eni-b`, Value: 'sg-db' },
        ],
        NetworkInterfaces: [
          { NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-iso' }] },
          { NetworkInterfaceId: 'eni-b', Groups: [{ GroupId: 'sg-untracked' }] },
          { NetworkInterfaceId: 'eni-c', Groups: [{ GroupId: 'sg-app' }] },
          { NetworkInterfaceId: 'eni-d', Groups: [{ GroupId: 'sg-app' }] },
        ],
      }),
    });
    if (result.status !== 'isolate') throw new Error(`unexpected ${result.status}`);
    return result;
  };
  const moves = (steps: readonly Step[]) => steps.map((s) => ('interfaceId' in s ? `${s.kind} ${s.interfaceId}` : s.kind));

  it('moves one interface at a time, each after its own time check, the one left open by an earlier run first, never the isolated one', () => {
    expect(moves(isolationSteps(resumed(), 'i-1', 201_000))).toEqual([
      'record',
      'time-check',
      'move-isolation eni-b',
      'time-check',
      'move-untracked eni-c',
      'move-isolation eni-c',
      'time-check',
      'move-untracked eni-d',
      'move-isolation eni-d',
    ]);
    expect(isolationSteps(resumed(), 'i-1', 201_000).filter((s) => s.kind === 'time-check')).toEqual(Array(3).fill({ kind: 'time-check', neededMs: 201_000 }));
  });

  it('puts back only what a failed run leaves in the untracked group; the isolated interfaces stay', () => {
    const p = resumed();
    const steps = isolationSteps(p, 'i-1', 201_000);
    const ran = (count: number, last: StepStatus): Executed[] => steps.slice(0, count).map((step, i) => ({ step, status: i === count - 1 ? last : 'done' }));
    // eni-b isolated now, eni-c moved to the untracked group, its second move failed.
    expect(moves(rollbackSteps(p, ran(6, 'failed')))).toEqual(['move-back eni-c']);
    expect(rollbackSteps(p, ran(6, 'failed'))[0]).toMatchObject({ to: [{ id: 'sg-app' }], previousGroups: ['sg-app'] });
    // The first time check failed: eni-b, left open by the earlier run, goes back.
    expect(moves(rollbackSteps(p, ran(2, 'failed')))).toEqual(['move-back eni-b']);
    // eni-c's time check failed after eni-b was isolated: nothing is left open.
    expect(rollbackSteps(p, ran(4, 'failed'))).toEqual([]);
    expect(isolatedInterfaces(p, ran(4, 'failed')).map((n) => n.networkInterfaceId)).toEqual(['eni-a', 'eni-b']);
  });

  it('cannot put back an interface whose way back is not recorded (it says so in the restore instead)', () => {
    const result = plan({ vpcGroups: [isolationGroup(), untrackedGroup()], instance: instance({ NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-untracked' }] }] }) });
    if (result.status !== 'isolate') throw new Error(`unexpected ${result.status}`);
    expect(result.interfaces).toEqual([{ networkInterfaceId: 'eni-a', previousGroups: [], record: false, stage: 'untracked' }]);
    expect(rollbackSteps(result, [{ step: { kind: 'time-check', neededMs: 1 }, status: 'failed' }])).toEqual([]);
  });
});
