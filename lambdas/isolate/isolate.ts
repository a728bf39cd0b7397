/**
 * isolate-instance: read the instance as it is now, plan (plan.ts), then isolate it step by step
 * and end in one alert that says what was done, would have been done, or why not, with the
 * commands that undo the isolation. Network isolation comes first and stands even when a later
 * evidence step (Auto Scaling, snapshots) fails; such a failure fails the invocation after the alert.
 */
import { DescribeAutoScalingInstancesCommand, DetachInstancesCommand } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeInstanceAttributeCommand,
  DescribeSecurityGroupsCommand,
  DescribeSnapshotsCommand,
  type Instance,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
} from '@aws-sdk/client-ec2';
import { SEVERITY_FLOOR } from '../../lib/severity';
import { TAG_KEYS } from '../../lib/tags';
import { MOVE_RESERVE_MS } from '../../lib/timing';
import { Outcome, formatFindingAlert } from '../shared/alert';
import type { Finding } from '../shared/finding';
import { asString, at } from '../shared/json';
import { OWN_ROLE, RemediationDependencies, RemediationError, StepKind, StepResult, Target, errorText, findInstance, runSteps, unverifiedSummary } from '../shared/remediation';
import { RESTORE_HEADER, commandLine, commentLine } from '../shared/shell';
import type { FindingResponder, Invocation } from '../shared/report';
import { clean } from '../shared/text';
import { EvidencePlan, GroupSetup, ISOLATION_ROLE_TAG, InterfacePlan, IsolationPlan, evidencePending, planIsolation } from './plan';

type Report = (outcome: Omit<Outcome, 'playbookId'>) => ReturnType<typeof formatFindingAlert>;

/** Stands for a group id a dry run cannot know (the group would be created). */
const WOULD_BE_CREATED = 'sg-(would be created)';

export function isolate(dependencies: RemediationDependencies): FindingResponder {
  const { playbookId, settings } = dependencies;
  return async (finding, invocation) => {
    const report: Report = (outcome) => formatFindingAlert(finding, { playbookId, ...outcome });
    if (finding.sample) {
      const named = clean(asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId')), 40);
      return report({
        summary: `Sample finding: nothing was changed. For a real finding, this playbook would isolate ${named ?? 'the instance'} (its interfaces moved to an isolation group without rules, through an untracked group that ends existing connections), turn on termination protection, detach it from any Auto Scaling group${settings.isolateSnapshots ? ' and snapshot its EBS volumes' : ''}.`,
      });
    }
    // Read and change the instance only while no other delivery does (instance-lock.ts): the
    // instance is read inside the lock, so a second finding sees what the first one did.
    const locks = dependencies.instanceLocks;
    const lockKey = `${finding.accountId}/${finding.region}/${asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId')) ?? 'unknown'}`;
    if (locks && !(await locks.acquire(lockKey, finding.eventId))) return { retry: `another delivery is isolating the instance of ${clean(lockKey, 100)}; Lambda retries this one` };
    try {
      const lookup = await findInstance(dependencies, finding);
      if (lookup.kind === 'unverified') return report({ tag: 'NOT VERIFIED', summary: clean(unverifiedSummary(lookup.reason), 600)! });
      if (lookup.kind === 'failed') return { alert: report({ tag: 'ISOLATION FAILED', summary: `Nothing was changed: ${lookup.failure.message}.` }), failure: lookup.failure };
      if (lookup.kind === 'gone') return report({ tag: 'NOTHING TO DO', summary: `Instance ${clean(lookup.instanceId, 40)} no longer exists; nothing to do.` });
      return await isolateLocked(lookup.target, lookup.instance, clean(lookup.instanceId, 40) ?? lookup.instanceId, finding, dependencies, report, invocation);
    } finally {
      await locks?.release(lockKey, finding.eventId);
    }
  };
}

async function isolateLocked(target: Target, instance: Instance, instanceId: string, finding: Finding, dependencies: RemediationDependencies, report: Report, invocation: Invocation) {
  const { settings } = dependencies;
  let plan: IsolationPlan;
  try {
    plan = await observeAndPlan(target, instance, finding, dependencies);
  } catch (error) {
    const failure = new RemediationError(`reading the instance failed: ${errorText(error)}`, { cause: error });
    return { alert: report({ tag: 'ISOLATION FAILED', summary: `Nothing was changed: ${failure.message}.` }), failure };
  }
  switch (plan.status) {
    case 'terminated':
      return report({ tag: 'NOTHING TO DO', summary: `Instance ${instanceId} is terminated or terminating; nothing to isolate.` });
    case 'excluded':
      // A compromised instance left on the network is worth a page, whatever the finding's score.
      return report({
        tag: 'EXCLUDED',
        summary: `Nothing was changed: instance ${instanceId} carries the exclusion tag '${clean(settings.exclusionTag, 128)}'. It is NOT isolated: it is still on the network.`,
        atLeastSeverity: SEVERITY_FLOOR.HIGH,
      });
    case 'already-isolated':
      return finishIsolated(target, instanceId, plan, dependencies.settings.dryRun, report);
  }
  return execute(target, instanceId, plan, dependencies, report, invocation);
}

/**
 * An instance isolated earlier: its network stays cut; evidence an earlier delivery could not keep
 * is kept now, and the invocation fails again while any of it still fails (retry, then the DLQ).
 * The instance's own record gives the way back, even if the first alert was lost.
 */
async function finishIsolated(target: Target, instanceId: string, plan: Extract<IsolationPlan, { status: 'already-isolated' }>, dryRun: boolean, report: Report) {
  const at = clean(plan.isolatedAt, 40);
  const restore = restoreCommands(plan, target, instanceId);
  if (!evidencePending(plan.evidence)) {
    return report({ tag: 'ALREADY ISOLATED', summary: `Already isolated (at ${at}): every interface of ${instanceId} is in the isolation group, and its evidence is kept. Nothing was changed.`, restore });
  }
  const steps = await keepEvidence(target, instanceId, plan.evidence, dryRun);
  const details = steps.map(describeStep);
  const failed = steps.filter((s) => s.status === 'failed');
  if (failed.length > 0) {
    return {
      alert: report({ tag: 'ISOLATION FAILED', summary: `Isolated since ${at} (its network is cut), but evidence steps still FAIL; see below. The event is kept in the dead-letter queue.`, details, restore }),
      failure: new RemediationError(`${failed.length} evidence step(s) for ${instanceId} still fail: ${failed.map((s) => s.description).join('; ')}`),
    };
  }
  return report({
    tag: dryRun ? 'DRY RUN' : 'EVIDENCE KEPT',
    // A dry run changes nothing: the finding state decides whether it is told again.
    changed: !dryRun,
    summary: `Already isolated (at ${at}); ${dryRun ? 'would have finished' : 'finished'} keeping the evidence an earlier delivery could not keep.`,
    details,
    restore,
  });
}

/** One line of the Changes list for a step. */
function describeStep(step: StepResult): string {
  return `${step.status === 'failed' ? 'FAILED to ' : step.status === 'would' ? 'would have: ' : ''}${step.description}${step.error ? `: ${clean(step.error, 300)}` : ''}`;
}

async function observeAndPlan(target: Target, instance: Instance, finding: Finding, dependencies: RemediationDependencies): Promise<IsolationPlan> {
  const vpcId = instance.VpcId ?? instance.NetworkInterfaces?.[0]?.VpcId;
  const vpcGroups = vpcId
    ? ((await target.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'tag-key', Values: [ISOLATION_ROLE_TAG] }] }))).SecurityGroups ?? [])
    : [];
  const instanceId = instance.InstanceId!;
  const membership = await target.autoScaling().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  // The evidence as it is now: what an earlier delivery kept is not kept twice.
  const protection = await target.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }));
  const kept = dependencies.settings.isolateSnapshots
    ? ((await target.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG_KEYS.evidenceOf}`, Values: [instanceId] }] }))).Snapshots ?? [])
    : [];
  return planIsolation({
    instance,
    vpcGroups,
    autoScalingGroupName: membership.AutoScalingInstances?.[0]?.AutoScalingGroupName,
    terminationProtected: protection.DisableApiTermination?.Value === true,
    snapshotted: kept.filter((snapshot) => snapshot.State !== 'error').map((snapshot) => snapshot.VolumeId ?? ''),
    exclusionTag: dependencies.settings.exclusionTag,
    snapshots: dependencies.settings.isolateSnapshots,
    findingId: finding.id,
    now: dependencies.now().toISOString(),
  });
}

async function execute(target: Target, instanceId: string, plan: Extract<IsolationPlan, { status: 'isolate' }>, dependencies: RemediationDependencies, report: Report, invocation: Invocation) {
  const { dryRun } = dependencies.settings;
  const ec2 = target.ec2;
  const ids: { untracked?: string; isolation?: string } = { untracked: plan.untracked.existingId, isolation: plan.isolation.existingId };
  const role = (setup: GroupSetup) => (setup === plan.untracked ? 'untracked' : 'isolation');
  // In a dry run a group that would be created has no id: the calls on it cannot be tried, only reported.
  const notYetCreated = (key: 'untracked' | 'isolation', DryRun: boolean) => DryRun && ids[key] === undefined;
  const groupSteps = (setup: GroupSetup) => {
    const key = role(setup);
    const id = () => ids[key] ?? WOULD_BE_CREATED;
    const steps: { kind: StepKind; description: string; run: (dryRun: boolean) => Promise<unknown> }[] = [];
    if (!setup.existingId) {
      steps.push({
        kind: 'create-group',
        description: `create the ${key} group ${setup.name} in ${plan.vpcId}`,
        run: async (DryRun) => {
          const created = await ec2.send(
            new CreateSecurityGroupCommand({
              GroupName: setup.name,
              VpcId: plan.vpcId,
              Description: key === 'isolation' ? 'guardduty-response: isolated instances, no traffic in or out' : 'guardduty-response: untracked flows, used for seconds while isolating',
              TagSpecifications: [{ ResourceType: 'security-group', Tags: [{ Key: ISOLATION_ROLE_TAG, Value: key }] }],
              DryRun,
            }),
          );
          ids[key] = created.GroupId;
        },
      });
      // A new group allows all outbound IPv4: the isolation group must allow nothing.
      if (key === 'isolation') steps.push(revokeStep('remove the default egress rule', id, [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }], 'egress', key));
    }
    if (setup.revokeIngress.length > 0) steps.push(revokeStep('remove its inbound rules', id, setup.revokeIngress, 'ingress', key));
    if (setup.revokeEgress.length > 0) steps.push(revokeStep('remove its outbound rules', id, setup.revokeEgress, 'egress', key));
    if (setup.authorizeIngress.length > 0) {
      steps.push({
        kind: 'authorize-ingress',
        description: 'allow all inbound traffic (untracked)',
        run: async (DryRun) => (notYetCreated(key, DryRun) ? undefined : ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: id(), IpPermissions: [...setup.authorizeIngress], DryRun }))),
      });
    }
    if (setup.authorizeEgress.length > 0) {
      // A new group already allows all outbound IPv4; only IPv6 is missing then.
      const egress: IpPermission[] = setup.existingId ? [...setup.authorizeEgress] : [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
      steps.push({
        kind: 'authorize-egress',
        description: 'allow all outbound traffic (untracked)',
        run: async (DryRun) => (notYetCreated(key, DryRun) ? undefined : ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: id(), IpPermissions: egress, DryRun }))),
      });
    }
    return steps;
  };
  function revokeStep(description: string, id: () => string, permissions: readonly IpPermission[], direction: 'ingress' | 'egress', key: 'untracked' | 'isolation') {
    return {
      kind: direction === 'ingress' ? ('revoke-ingress' as const) : ('revoke-egress' as const),
      description,
      run: async (DryRun: boolean) =>
        notYetCreated(key, DryRun)
          ? undefined
          : direction === 'ingress'
          ? ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id(), IpPermissions: [...permissions], DryRun }))
          : ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: id(), IpPermissions: [...permissions], DryRun })),
    };
  }
  // A run that stopped between the moves resumes where it stopped: interfaces already in the
  // untracked group go on to the isolation group, isolated ones are not moved again.
  const moveAll = (key: 'untracked' | 'isolation') =>
    plan.interfaces.filter((n) => (key === 'untracked' ? n.stage === 'start' : n.stage !== 'isolated')).map((n) => ({
      kind: key === 'untracked' ? ('move-untracked' as const) : ('move-isolation' as const),
      description: `move ${n.networkInterfaceId} to the ${key} group`,
      run: async (DryRun: boolean) =>
        notYetCreated(key, DryRun) ? undefined : ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: n.networkInterfaceId, Groups: [ids[key] ?? WOULD_BE_CREATED], DryRun })),
    }));

  // 1. Isolation, in order; it stops at its first failure. The way back is recorded before any move.
  const isolation = await runSteps(
    [
      { kind: 'record', description: 'record the previous groups on the instance', run: (DryRun) => ec2.send(new CreateTagsCommand({ Resources: [instanceId], Tags: [...plan.instanceTags], DryRun })) },
      ...groupSteps(plan.untracked),
      ...groupSteps(plan.isolation),
      // Never start the moves without the time to finish them (and to move back): a timeout
      // between them would leave the interfaces in the untracked group, open to everything.
      {
        kind: 'time-check',
        description: 'check there is time left to finish the moves',
        run: async () => {
          const needed = MOVE_RESERVE_MS * plan.interfaces.length;
          if (invocation.remainingMs() < needed) throw new RemediationError(`only ${invocation.remainingMs()} ms left of the invocation, ${needed} ms needed to finish the moves safely; the next delivery resumes here`);
        },
      },
      ...moveAll('untracked'),
      ...moveAll('isolation'),
    ],
    dryRun,
  );
  const isolated = !isolation.some((s) => s.status === 'failed');
  // A move to the untracked group without the move to isolation would leave the instance open:
  // put such interfaces back in their previous groups.
  const rollback: StepResult[] = [];
  if (!isolated && isolation.some((s) => s.kind === 'move-untracked' && s.status === 'done')) {
    rollback.push(
      ...(await runSteps(
        // Only where the way back is known: an interface whose groups are not known stays where it is.
        plan.interfaces.filter((n) => n.previousGroups.length > 0).map((n) => ({
          kind: 'move-back' as const,
          description: `put ${n.networkInterfaceId} back in ${n.previousGroups.join(', ')}`,
          run: (DryRun: boolean) => ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: n.networkInterfaceId, Groups: [...n.previousGroups], DryRun })),
        })),
        dryRun,
      )),
    );
  }

  // 2. Evidence, each step on its own: one failing does not stop the others, nor undo the isolation.
  const evidence = isolated ? await keepEvidence(target, instanceId, plan.evidence, dryRun) : [];

  const all = [...isolation, ...rollback, ...evidence];
  const failed = all.filter((s) => s.status === 'failed');
  const details = all.map(describeStep);
  const restore = isolated && !dryRun ? restoreCommands({ ...plan, autoScalingGroupName: plan.evidence.autoScalingGroupName }, target, instanceId) : undefined;
  if (failed.length > 0) {
    const failure = new RemediationError(`${failed.length} step(s) of the isolation of ${instanceId} failed: ${failed.map((s) => s.description).join('; ')}`);
    return {
      alert: report({
        tag: 'ISOLATION FAILED',
        summary: isolated
          ? `Isolated ${instanceId} (its network is cut), but some evidence steps FAILED; see below. The event is kept in the dead-letter queue.`
          : `FAILED to isolate ${instanceId}; it is NOT isolated${rollback.length > 0 ? ' (interfaces moved back to their previous groups)' : ''}. See below; the event is kept in the dead-letter queue.`,
        details,
        restore,
      }),
      failure,
    };
  }
  return report({
    tag: dryRun ? 'DRY RUN' : 'ISOLATED',
    // A dry run changes nothing: the finding state decides whether it is told again.
    changed: !dryRun,
    summary: dryRun
      ? `Dry run: nothing was changed. Would have isolated ${instanceId} and kept the evidence (EC2 confirmed each call would be allowed).`
      : `Isolated ${instanceId}: no traffic in or out, existing connections ended; it keeps running (memory is evidence), protected from termination.`,
    details,
    restore,
  });
}

/**
 * The evidence steps still pending (plan.ts EvidencePlan), each on its own: termination
 * protection, the detach from the Auto Scaling group, a snapshot of each volume not yet kept.
 */
async function keepEvidence(target: Target, instanceId: string, evidence: EvidencePlan, dryRun: boolean): Promise<StepResult[]> {
  const { ec2 } = target;
  const results: StepResult[] = [];
  if (evidence.protect) {
    results.push(...(await runSteps([{ kind: 'protect', description: 'turn on termination protection', run: (DryRun) => ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: instanceId, DisableApiTermination: { Value: true }, DryRun })) }], dryRun)));
  }
  if (evidence.autoScalingGroupName) {
    const group = evidence.autoScalingGroupName;
    const description = `detach from Auto Scaling group ${group} (desired capacity kept, so the group replaces it and never terminates the evidence)`;
    // Auto Scaling has no DryRun parameter: in a dry run the detach is reported, not made.
    if (dryRun) results.push({ kind: 'detach', description, status: 'would' });
    else {
      const detach = () => target.autoScaling().send(new DetachInstancesCommand({ InstanceIds: [instanceId], AutoScalingGroupName: group, ShouldDecrementDesiredCapacity: false }));
      results.push(...(await runSteps([{ kind: 'detach', description, run: detach }], false)));
    }
  }
  for (const volumeId of evidence.volumes) {
    const snapshot = (DryRun: boolean) =>
      ec2.send(
        new CreateSnapshotCommand({
          VolumeId: volumeId,
          Description: `guardduty-response evidence of ${instanceId}`,
          TagSpecifications: [{ ResourceType: 'snapshot', Tags: [...evidence.snapshotTags] }],
          DryRun,
        }),
      );
    results.push(...(await runSteps([{ kind: 'snapshot', description: `snapshot ${volumeId}`, run: snapshot }], dryRun)));
  }
  return results;
}

/**
 * The commands that undo the isolation: interfaces back to their recorded groups, termination
 * protection off, this stack's tags removed, the instance back in its Auto Scaling group. Every
 * argument is quoted (shell.ts): the group name comes from the member account.
 */
export function restoreCommands(
  plan: { readonly interfaces: readonly InterfacePlan[]; readonly recordedTagKeys: readonly string[]; readonly autoScalingGroupName?: string },
  target: Target,
  instanceId: string,
): string[] {
  const region = ['--region', target.region];
  const lines = [RESTORE_HEADER];
  if (target.principal !== OWN_ROLE) lines.push(commentLine(`with credentials for account ${target.accountId}`));
  for (const n of plan.interfaces) {
    if (n.previousGroups.length === 0) lines.push(commentLine(`the groups of ${n.networkInterfaceId} before the isolation are not recorded: choose them yourself`));
    else lines.push(commandLine(['aws', 'ec2', 'modify-network-interface-attribute', ...region, '--network-interface-id', n.networkInterfaceId, '--groups', ...n.previousGroups]));
  }
  lines.push(commandLine(['aws', 'ec2', 'modify-instance-attribute', ...region, '--instance-id', instanceId, '--no-disable-api-termination']));
  lines.push(commandLine(['aws', 'ec2', 'delete-tags', ...region, '--resources', instanceId, '--tags', ...plan.recordedTagKeys.map((key) => `Key=${key}`)]));
  if (plan.autoScalingGroupName) {
    lines.push(commentLine('the instance was detached from its Auto Scaling group; to put it back:'));
    lines.push(commandLine(['aws', 'autoscaling', 'attach-instances', ...region, '--instance-ids', instanceId, '--auto-scaling-group-name', plan.autoScalingGroupName]));
  }
  return lines;
}
