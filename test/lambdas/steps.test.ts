import { AutoScalingClient, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { AuthorizeSecurityGroupIngressCommand, CreateSecurityGroupCommand, EC2Client, EC2ServiceException, ModifyNetworkInterfaceAttributeCommand, RevokeSecurityGroupIngressCommand } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { parse } from 'shell-quote';
import { isolationSteps, planIsolation } from '../../lambdas/isolate/plan';
import { ExecutionContext, Step, changeLine, executeSteps, undoLines } from '../../lambdas/shared/steps';
import { previousGroupsTag } from '../../core/tags';
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
    expect(changeLine(executed[0])).toBe('FAILED to allow tcp 0-21 from 0.0.0.0/0: RulesPerSecurityGroupLimitExceeded: limit');
  });

  it('in a dry run: DryRun on every EC2 call, a group still to create is reported not tried, and Auto Scaling is not called', async () => {
    ec2.on(CreateSecurityGroupCommand).rejects(new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'would have succeeded', $metadata: {} }));
    const steps: Step[] = [
      { kind: 'create-group', role: 'isolation', name: 'guardduty-response-isolation', vpcId: 'vpc-1', description: 'd', tags: [] },
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
