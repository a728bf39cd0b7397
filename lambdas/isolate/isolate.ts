/**
 * isolate-instance: read the instance as it is now, plan (plan.ts), then isolate it step by step
 * and end in one alert that says what was done, would have been done, or why not, with the
 * commands that undo the isolation. Network isolation comes first and stands even when a later
 * evidence step (Auto Scaling, snapshots) fails; such a failure fails the invocation after the alert.
 */
import { DescribeAutoScalingInstancesCommand } from '@aws-sdk/client-auto-scaling';
import { DescribeInstanceAttributeCommand, DescribeSecurityGroupsCommand, DescribeSnapshotsCommand, type Instance } from '@aws-sdk/client-ec2';
import { SEVERITY_FLOOR } from '../../core/severity';
import { TAG_KEYS } from '../../core/tags';
import { MOVE_RESERVE_MS } from '../../core/timing';
import { Outcome, formatFindingAlert } from '../shared/alert';
import { type Finding, parseActionableFinding } from '../shared/finding';
import { listOf } from '../shared/describe';
import { asString, at } from '../shared/json';
import { allPages } from '../shared/pages';
import { RemediationDependencies, RemediationError, ActingAccount, errorText, findInstance, restoreBlock, restoreHeader, unverifiedSummary } from '../shared/remediation';
import { type FindingResponder, type Invocation, LambdaHandler, RETRIED_THEN_KEPT, findingHandler } from '../shared/handler-shell';
import { commandLine, commentLine } from '../shared/restore-commands';
import { Executed, ExecutionContext, RACE_ROUNDS, changeLine, executeSteps, failedStepsText, lostRace, racePause, undoLines } from '../shared/steps';
import { clean, quoted, token } from '../shared/text';
import { EvidencePlan, ISOLATION_ROLE_TAG, InterfacePlan, IsolationPlan, evidencePending, evidenceSteps, isolatedInterfaces, isolationSteps, planIsolation, rollbackSteps, terminating } from './plan';

type Report = (outcome: Omit<Outcome, 'playbookId'>) => ReturnType<typeof formatFindingAlert>;

/**
 * Deliveries for instances of one VPC run at once in a burst (one container each), and each sets
 * up the VPC's isolation groups as it found them: all but one lose the race (steps.ts lostRace).
 * Nothing has moved then (the groups are set up before any move), so the loser reads the world
 * again and plans with the groups as they are now, as a resumed run would. Measured by
 * bench/burst.ts: without this, 99 of 100 isolations of a burst in one VPC failed their first
 * invocation.
 */
const LOST_GROUP_RACE = Symbol('lost a race on the VPC\'s groups');
const lostGroupRace = (executed: readonly Executed[]) => lostRace(executed) && !executed.some((e) => e.status === 'done' && e.step.kind.startsWith('move-'));

export function isolate(dependencies: RemediationDependencies): FindingResponder {
  const { playbookId, settings } = dependencies;
  return async (finding, invocation) => {
    const report: Report = (outcome) => formatFindingAlert(finding, { playbookId, ...outcome });
    if (finding.sample) {
      const named = token(asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId')), 40);
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
      for (let round = 1; ; round++) {
        const lookup = await findInstance(dependencies, finding);
        if (lookup.kind === 'unverified') return report({ tag: 'NOT VERIFIED', summary: clean(unverifiedSummary(lookup.reason), 600)! });
        if (lookup.kind === 'failed') return { alert: report({ tag: 'ISOLATION FAILED', summary: `Nothing was changed: ${lookup.failure.message}.` }), failure: lookup.failure };
        if (lookup.kind === 'gone') return report({ tag: 'NOTHING TO DO', summary: `Instance ${token(lookup.instanceId, 40)} no longer exists; nothing to do.` });
        const result = await isolateLocked(lookup.target, lookup.instance, token(lookup.instanceId, 40) ?? lookup.instanceId, finding, dependencies, report, invocation, round < RACE_ROUNDS);
        if (result !== LOST_GROUP_RACE) return result;
        await racePause(round);
      }
    } finally {
      await locks?.release(lockKey, finding.eventId);
    }
  };
}

async function isolateLocked(target: ActingAccount, instance: Instance, instanceId: string, finding: Finding, dependencies: RemediationDependencies, report: Report, invocation: Invocation, mayReplan: boolean) {
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
    case 'other-vpc': {
      // Nothing changed, and a retry cannot change that: the alert asks for a person, and pages.
      return report({
        tag: 'NOT ISOLATED',
        summary: `Nothing was changed: ${instanceId} has network interfaces in more than one VPC (${listOf(plan.elsewhere.map((n) => clean(n, 80)))} outside ${token(plan.vpcId, 40)}), and a security group can only be given to interfaces of its own VPC. It is NOT isolated: isolate it by hand (or detach those interfaces and let the next delivery isolate it).`,
        atLeastSeverity: SEVERITY_FLOOR.HIGH,
      });
    }
    case 'already-isolated':
      return finishIsolated(target, instanceId, plan, dependencies.settings, report, invocation);
  }
  return execute(target, instanceId, plan, dependencies, report, invocation, mayReplan);
}

/**
 * An instance isolated earlier: its network stays cut; evidence an earlier delivery could not keep
 * is kept now, and the invocation fails again while any of it still fails (retry, then the DLQ).
 * The instance's own record gives the way back, even if the first alert was lost.
 */
async function finishIsolated(target: ActingAccount, instanceId: string, plan: Extract<IsolationPlan, { status: 'already-isolated' }>, { dryRun, isolateSnapshots: snapshots }: { dryRun: boolean; isolateSnapshots: boolean }, report: Report, invocation: Invocation) {
  const at = clean(plan.isolatedAt, 40);
  const restore = restoreCommands(plan, target, instanceId);
  const stays = stillInGroup(plan.evidence, snapshots);
  if (!evidencePending(plan.evidence)) {
    return report({
      tag: 'ALREADY ISOLATED',
      summary: `Already isolated (at ${at}): every interface of ${instanceId} is in the isolation group, and its evidence is kept${stays.length > 0 ? ', but it is still in its Auto Scaling group (below)' : ''}. Nothing was changed.`,
      details: stays,
      restore,
      ...terminatingSeverity(plan.evidence),
    });
  }
  const steps = await keepEvidence(plan.evidence, instanceId, executionContext(target, dryRun, invocation));
  const details = [...steps.map(changeLine), ...stays];
  const failed = steps.filter((e) => e.status === 'failed');
  if (failed.length > 0) {
    return {
      alert: report({ tag: 'ISOLATION FAILED', summary: `Isolated since ${at} (its network is cut), but evidence steps still FAIL; see below. ${RETRIED_THEN_KEPT}`, details, restore }),
      failure: new RemediationError(`${failed.length} evidence step(s) for ${instanceId} still fail: ${failedStepsText(failed)}`),
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


async function observeAndPlan(target: ActingAccount, instance: Instance, finding: Finding, dependencies: RemediationDependencies): Promise<IsolationPlan> {
  const vpcId = instance.VpcId ?? instance.NetworkInterfaces?.[0]?.VpcId;
  const vpcGroups = vpcId
    ? await allPages('SecurityGroups', (page) => target.ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [vpcId] }, { Name: 'tag-key', Values: [ISOLATION_ROLE_TAG] }], ...page })))
    : [];
  const instanceId = instance.InstanceId!;
  const membership = await target.autoScaling().send(new DescribeAutoScalingInstancesCommand({ InstanceIds: [instanceId] }));
  // The evidence as it is now: what an earlier delivery kept is not kept twice.
  const protection = await target.ec2.send(new DescribeInstanceAttributeCommand({ InstanceId: instanceId, Attribute: 'disableApiTermination' }));
  const kept = dependencies.settings.isolateSnapshots
    ? await allPages('Snapshots', (page) => target.ec2.send(new DescribeSnapshotsCommand({ OwnerIds: ['self'], Filters: [{ Name: `tag:${TAG_KEYS.evidenceOf}`, Values: [instanceId] }], ...page })))
    : [];
  return planIsolation({
    instance,
    vpcGroups,
    autoScalingGroupName: membership.AutoScalingInstances?.[0]?.AutoScalingGroupName,
    autoScalingState: membership.AutoScalingInstances?.[0]?.LifecycleState,
    terminationProtected: protection.DisableApiTermination?.Value === true,
    snapshotted: kept.filter((snapshot) => snapshot.State !== 'error').map((snapshot) => snapshot.VolumeId ?? ''),
    exclusionTag: dependencies.settings.exclusionTag,
    snapshots: dependencies.settings.isolateSnapshots,
    findingId: finding.id,
    now: dependencies.now().toISOString(),
  });
}

async function execute(target: ActingAccount, instanceId: string, plan: Extract<IsolationPlan, { status: 'isolate' }>, dependencies: RemediationDependencies, report: Report, invocation: Invocation, mayReplan: boolean) {
  const { dryRun } = dependencies.settings;
  const context = executionContext(target, dryRun, invocation);
  // 1. Isolation, in order; it stops at its first failure. The way back is recorded before any move.
  const isolation = await executeSteps(isolationSteps(plan, instanceId, MOVE_RESERVE_MS), context);
  if (mayReplan && lostGroupRace(isolation)) return LOST_GROUP_RACE;
  const isolated = !isolation.some((e) => e.status === 'failed');
  // An interface left in the untracked group would be open to everything: it goes back to its
  // previous groups. Interfaces already isolated stay so; the next delivery resumes the rest.
  const rollback = isolated ? [] : await executeSteps(rollbackSteps(plan, isolation), context);
  // 2. Evidence, each step on its own: one failing does not stop the others, nor undo the isolation.
  const evidence = isolated ? await keepEvidence(plan.evidence, instanceId, context) : [];

  const all = [...isolation, ...rollback, ...evidence];
  const failed = all.filter((e) => e.status === 'failed');
  const details = [...all.map(changeLine), ...(isolated ? [...stillInGroup(plan.evidence, dependencies.settings.isolateSnapshots), alwaysTrackedLine(plan.privateAddresses)] : [])];
  const cut = isolatedInterfaces(plan, isolation);
  // The way back of every isolated interface, those an earlier delivery moved included (their
  // moves written as if made now: the inverse of a move is the same command whoever made it).
  const earlier = plan.interfaces
    .filter((n) => n.stage === 'isolated')
    .map((n): Executed => ({ step: { kind: 'move-isolation', interfaceId: n.networkInterfaceId, to: [], previousGroups: n.previousGroups }, status: 'done' }));
  const restore = (isolated || cut.length > 0) && !dryRun ? restoreBlock(target, undoLines([...earlier, ...all], target.region)) : undefined;
  if (failed.length > 0) {
    const failure = new RemediationError(`${failed.length} step(s) of the isolation of ${instanceId} failed: ${failedStepsText(failed)}`);
    const movedBack = rollback.length > 0 ? ' (interfaces moved back to their previous groups)' : '';
    return {
      alert: report({
        tag: 'ISOLATION FAILED',
        summary: isolated
          ? `Isolated ${instanceId} (its network is cut), but some evidence steps FAILED; see below. ${RETRIED_THEN_KEPT}`
          : cut.length > 0
            ? `FAILED to finish isolating ${instanceId}: ${cut.length} of ${plan.interfaces.length} network interfaces are isolated (${listOf(cut.map((n) => n.networkInterfaceId))}), the others are NOT${movedBack}; the next delivery resumes with them. See below. ${RETRIED_THEN_KEPT}`
            : `FAILED to isolate ${instanceId}; it is NOT isolated${movedBack}. See below. ${RETRIED_THEN_KEPT}`,
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
      : `Isolated ${instanceId}: no traffic in or out, existing connections ended except those EC2 always tracks (below); it keeps running (memory is evidence), ${
          plan.evidence.spot
            ? `but as a Spot Instance it cannot be protected from termination and EC2 may reclaim it: ${dependencies.settings.isolateSnapshots ? 'the snapshots keep its disks' : 'snapshots are off (isolateSnapshots), so nothing keeps its disks'}.`
            : plan.evidence.notDetachable && terminating(plan.evidence.notDetachable.state)
              ? 'protected from termination by EC2 calls, but its Auto Scaling group is already terminating it (below).'
              : 'protected from termination.'
        }`,
    details,
    restore,
    ...(!dryRun && terminatingSeverity(plan.evidence)),
  });
}

/**
 * Why the instance is still in its Auto Scaling group (plan.ts detachable). A group that is
 * terminating it ends the evidence whatever isolation does (termination protection does not
 * stop Auto Scaling): the alert says so, and pages, so that a person can capture memory first.
 */
function stillInGroup(evidence: EvidencePlan, snapshots: boolean): string[] {
  const stuck = evidence.notDetachable;
  if (!stuck) return [];
  const state = token(stuck.state, 40) ?? 'unknown';
  const then = terminating(stuck.state)
    ? `. The group is terminating it: the instance and its memory will be lost (${snapshots ? 'the snapshots keep its disks' : 'snapshots are off (isolateSnapshots)'})`
    : '; the next delivery of the finding tries again';
  return [`not detached from Auto Scaling group ${quoted(stuck.group, 255)}: it is ${state} there, and Auto Scaling detaches only InService, Standby or warm-pool instances${then}`];
}

const terminatingSeverity = (evidence: EvidencePlan) => (evidence.notDetachable && terminating(evidence.notDetachable.state) ? { atLeastSeverity: SEVERITY_FLOOR.HIGH } : {});

/**
 * What the moves cannot end: flows EC2 always tracks, whatever the rules (EC2 User Guide,
 * "Security group connection tracking", automatically tracked connections), last until they close
 * or time out. A private instance reaches the Internet through a NAT gateway, so its sessions to
 * a command-and-control server are such flows. A network ACL is stateless: an entry denying the
 * instance's addresses ends them at once (it applies to the subnet, so it is said, not done).
 */
function alwaysTrackedLine(addresses: readonly string[]): string {
  const cidrs = addresses.map((a) => token(a.includes(':') ? `${a}/128` : `${a}/32`, 50)).filter((c): c is string => c !== undefined);
  return `not ended: flows through a NAT gateway, a load balancer, a transit gateway or a VPC endpoint are always tracked by EC2 and last until they close or time out; to end them at once, deny ${cidrs.length > 0 ? listOf(cidrs) : "the instance's addresses"} in both directions in the network ACL of its subnet`;
}

function executionContext(target: ActingAccount, dryRun: boolean, invocation: Invocation): ExecutionContext {
  return { ec2: target.ec2, autoScaling: target.autoScaling, dryRun, remainingMs: invocation.remainingMs, groups: new Map() };
}

/** The evidence steps still pending (plan.ts EvidencePlan), each run on its own. */
async function keepEvidence(evidence: EvidencePlan, instanceId: string, context: ExecutionContext): Promise<Executed[]> {
  const executed: Executed[] = [];
  for (const step of evidenceSteps(evidence, instanceId)) executed.push(...(await executeSteps([step], context)));
  return executed;
}

/**
 * The commands that undo the isolation: interfaces back to their recorded groups, termination
 * protection off, this stack's tags removed, the instance back in its Auto Scaling group. Every
 * argument is quoted (restore-commands.ts): the group name comes from the member account.
 */
export function restoreCommands(
  plan: { readonly interfaces: readonly InterfacePlan[]; readonly recordedTagKeys: readonly string[]; readonly detachedFrom?: string; readonly evidence?: Pick<EvidencePlan, 'spot'> },
  target: ActingAccount,
  instanceId: string,
): string[] {
  const region = ['--region', target.region];
  const lines = restoreHeader(target);
  for (const n of plan.interfaces) {
    if (n.previousGroups.length === 0) lines.push(commentLine(`the groups of ${n.networkInterfaceId} before the isolation are not recorded: choose them yourself`));
    else lines.push(commandLine(['aws', 'ec2', 'modify-network-interface-attribute', ...region, '--network-interface-id', n.networkInterfaceId, '--groups', ...n.previousGroups]));
  }
  // A Spot Instance was never protected (plan.ts EvidencePlan.spot).
  if (!plan.evidence?.spot) lines.push(commandLine(['aws', 'ec2', 'modify-instance-attribute', ...region, '--instance-id', instanceId, '--no-disable-api-termination']));
  lines.push(commandLine(['aws', 'ec2', 'delete-tags', ...region, '--resources', instanceId, '--tags', ...plan.recordedTagKeys.map((key) => `Key=${key}`)]));
  if (plan.detachedFrom) {
    lines.push(commentLine('the instance was detached from its Auto Scaling group (recorded on the instance); to put it back:'));
    lines.push(commandLine(['aws', 'autoscaling', 'attach-instances', ...region, '--instance-ids', instanceId, '--auto-scaling-group-name', plan.detachedFrom]));
  }
  return lines;
}

/** The isolate handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createIsolateHandler(dependencies: RemediationDependencies): LambdaHandler {
  // Isolation detaches instances from their Auto Scaling groups: without the clients, fail at init, not mid-isolation.
  if (!dependencies.autoScalingClient) throw new Error('the isolate handler needs Auto Scaling clients (autoScalingClient)');
  return findingHandler(dependencies, isolate(dependencies), parseActionableFinding);
}
