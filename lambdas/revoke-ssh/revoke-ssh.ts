/**
 * revoke-ssh-ingress: read the instance's security groups as they are now, plan (plan.ts), make
 * the changes group by group, and always end in one alert that says what was found and what was
 * done, would have been done, or why not, with the commands that undo it.
 */
import { DescribeNetworkInterfacesCommand, DescribeSecurityGroupsCommand, GetManagedPrefixListEntriesCommand, type Instance, type SecurityGroup } from '@aws-sdk/client-ec2';
import { Outcome, formatFindingAlert } from '../shared/alert';
import { listOf, remoteEnds } from '../shared/describe';
import { type Finding, parseActionableFinding } from '../shared/finding';
import { asArray, asString, at } from '../shared/json';
import { PREFIX_LIST_PAGE_SIZE, allPages } from '../shared/pages';
import { RemediationDependencies, RemediationError, ActingAccount, errorText, findInstance, restoreBlock, unverifiedSummary } from '../shared/remediation';
import { type FindingResponder, type HandlerResult, type LambdaHandler, RETRIED_THEN_KEPT, findingHandler } from '../shared/handler-shell';
import { asciiJson, commandLine, commentLine } from '../shared/restore-commands';
import { Executed, ExecutionContext, RACE_ROUNDS, changeLine, executeSteps, failedStepsText, lostRace, racePause, undoLines } from '../shared/steps';
import { clean, quoted, token } from '../shared/text';
import { FINDING_TAG, GroupPlan, type PrefixListEntries, REMEDIATION_TAG, REVOKED_TAG, SshPlan, groupSteps, planSshRevocation, sshPrefixLists } from './plan';

export function revokeSsh(dependencies: RemediationDependencies): FindingResponder {
  const { playbookId, settings } = dependencies;
  return async (finding, invocation) => {
    const report = (outcome: Omit<Outcome, 'playbookId'>) => formatFindingAlert(finding, { playbookId, ...outcome });
    const instanceId = asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId'));
    const findingGroups = asArray(at(finding.detail, 'resource', 'instanceDetails', 'networkInterfaces'))
      .flatMap((n) => asArray(at(n, 'securityGroups')).map((g) => clean(at(g, 'groupId'), 40)))
      .filter((g, i, all): g is string => g !== undefined && all.indexOf(g) === i);

    if (finding.sample) {
      // No tag: the subject already starts with [SAMPLE].
      return report({
        summary: `Sample finding: nothing was changed. For a real finding, this playbook would close TCP 22 to 0.0.0.0/0 and ::/0 on the security groups of ${token(instanceId, 40) ?? 'the instance'}${findingGroups.length > 0 ? ` (${findingGroups.join(', ')})` : ''}, keeping every other rule.`,
      });
    }
    const lookup = await findInstance(dependencies, finding);
    if (lookup.kind === 'unverified') return report({ tag: 'NOT VERIFIED', summary: clean(unverifiedSummary(lookup.reason), 600)! });
    if (lookup.kind === 'failed') return { alert: report({ tag: 'REMEDIATION FAILED', summary: `Nothing was changed: ${lookup.failure.message}.` }), failure: lookup.failure };
    if (lookup.kind === 'gone') return report({ tag: 'NOTHING TO DO', summary: `Instance ${token(lookup.instanceId, 40)} no longer exists; nothing to do.` });
    const { target, instance } = lookup;
    if (instance.State?.Name === 'terminated') {
      return report({ tag: 'NOTHING TO DO', summary: `Instance ${token(instanceId, 40)} is terminated; nothing to do.` });
    }

    let plan: SshPlan;
    try {
      plan = await observeAndPlan(target, instance, finding, dependencies);
    } catch (error) {
      const failure = new RemediationError(`reading the security groups failed: ${errorText(error)}`, { cause: error });
      return { alert: report({ tag: 'REMEDIATION FAILED', summary: `Nothing was changed: ${failure.message}.` }), failure };
    }
    const open = plan.groups.filter((g) => g.status !== 'clean');
    if (plan.instanceExcluded) {
      return report({
        tag: 'EXCLUDED',
        summary: `Nothing was changed: instance ${token(instanceId, 40)} carries the exclusion tag '${settings.exclusionTag}'.${open.length > 0 ? ` TCP 22 stays open to the world on ${open.map(groupLabel).join(', ')}.` : ''}`,
        details: open.map((g) => `${groupLabel(g)}: would have closed ${[...new Set(g.revoke.map((r) => r.text))].join('; ') || 'world SSH'} (not done: the instance is excluded)`),
      });
    }
    const stillOpen = stillOpenLines(plan.groups);
    if (open.length === 0) {
      const fixed = plan.groups.filter((g) => g.remediatedAt);
      // The groups' own record still gives the way back, even if the first alert was lost.
      const commands = fixed.flatMap((g) => recordedRestoreCommands(g, target));
      return report(
        fixed.length > 0
          ? {
              tag: 'ALREADY REMEDIATED',
              summary: `Already remediated: no rule of the security groups of ${token(instanceId, 40)} names the whole world for TCP 22 (${fixed.map((g) => `${groupLabel(g)}: ${clean(g.remediatedAt, 120)}`).join('; ')}). Nothing was changed.${stillOpen.length > 0 ? STILL_OPEN_NOTE : ''}`,
              details: stillOpen,
              restore:
                commands.length > 0
                  ? restoreBlock(target, [commentLine('from the rules recorded on the groups (descriptions are in the first alert)'), ...commands])
                  : undefined,
            }
          : stillOpen.length > 0
            ? {
                tag: 'SSH STILL OPEN',
                summary: `No rule of the security groups of ${token(instanceId, 40)} names the whole world for TCP 22, but rules below can still let the address that probed it, or the world, reach it. This playbook closes rules that name 0.0.0.0/0 or ::/0 only: nothing was changed.`,
                details: stillOpen,
              }
            : { tag: 'NOTHING TO DO', summary: `No security group of ${token(instanceId, 40)} lets the world reach TCP 22 now; nothing was changed (the exposure may have been closed since the finding).` },
      );
    }

    // One group failing does not stop the others; each group's own steps stop at its first failure.
    // A burst of findings about instances that share a group changes it from several deliveries
    // at once: a delivery that lost the race (steps.ts lostRace) reads the group again and plans
    // from what is there now, and one that finds it closed says so.
    const results = new Map<GroupPlan, Executed[]>();
    const closedMeanwhile: GroupPlan[] = [];
    const context: ExecutionContext = { ec2: target.ec2, autoScaling: target.autoScaling, dryRun: settings.dryRun, remainingMs: invocation.remainingMs, groups: new Map() };
    const groups = [...plan.groups];
    for (const [index, planned] of groups.entries()) {
      if (planned.status !== 'change') continue;
      let group = planned;
      let steps = await executeSteps(groupSteps(group), context);
      for (let round = 1; round < RACE_ROUNDS && lostRace(steps); round++) {
        await racePause(round);
        const now = await observeAndPlan(target, instance, finding, dependencies).then(
          (again) => again.groups.find((g) => g.groupId === planned.groupId),
          () => undefined,
        );
        if (now?.status === 'clean') closedMeanwhile.push(now);
        if (now?.status !== 'change') break;
        groups[index] = group = now;
        steps = await executeSteps(groupSteps(group), context);
      }
      if (!closedMeanwhile.some((g) => g.groupId === planned.groupId)) results.set(group, steps);
    }
    return conclude(finding, target, { ...plan, groups }, results, closedMeanwhile, dependencies, report);
  };
}

async function observeAndPlan(target: ActingAccount, instance: Instance, finding: Finding, dependencies: RemediationDependencies): Promise<SshPlan> {
  const groupIds = [...new Set((instance.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId!)).concat((instance.SecurityGroups ?? []).map((g) => g.GroupId!)))].filter(Boolean);
  let groups: SecurityGroup[] = [];
  const interfacesByGroup: Record<string, { networkInterfaceId: string; instanceId?: string }[]> = {};
  if (groupIds.length > 0) {
    groups = (await target.ec2.send(new DescribeSecurityGroupsCommand({ GroupIds: groupIds }))).SecurityGroups ?? [];
    const interfaces = await allPages('NetworkInterfaces', (page) => target.ec2.send(new DescribeNetworkInterfacesCommand({ Filters: [{ Name: 'group-id', Values: groupIds }], ...page })));
    for (const networkInterface of interfaces) {
      for (const group of networkInterface.Groups ?? []) {
        (interfacesByGroup[group.GroupId!] ??= []).push({ networkInterfaceId: networkInterface.NetworkInterfaceId!, instanceId: networkInterface.Attachment?.InstanceId });
      }
    }
  }
  return planSshRevocation({
    instance,
    groups,
    interfacesByGroup,
    prefixListEntries: await prefixListEntries(target, sshPrefixLists(groups), dependencies),
    exclusionTag: dependencies.settings.exclusionTag,
    trustedSshCidrs: dependencies.settings.trustedSshCidrs,
    probingAddresses: probingAddresses(finding),
    findingId: finding.id,
    now: dependencies.now().toISOString(),
  });
}

/**
 * The CIDRs of each prefix list, read in the finding's account (an AWS-managed list too). A list
 * that cannot be read (a member stack from before this read, an SCP) is reported, never fatal:
 * the world rules are closed all the same, and the alert says the list may hold the world.
 */
async function prefixListEntries(target: ActingAccount, ids: readonly string[], { logger }: RemediationDependencies): Promise<Record<string, PrefixListEntries>> {
  const read = async (id: string): Promise<PrefixListEntries> => {
    try {
      const entries = await allPages('Entries', (page) => target.ec2.send(new GetManagedPrefixListEntriesCommand({ PrefixListId: id, ...page })), PREFIX_LIST_PAGE_SIZE);
      return entries.flatMap((entry) => (entry.Cidr === undefined ? [] : [entry.Cidr]));
    } catch (error) {
      logger.warn('prefix list entries not read', { prefixListId: id, error: errorText(error) });
      // The error code only: the alert line stays short enough to keep its "may hold the world".
      return { unreadable: error instanceof Error ? error.name : 'unknown error' };
    }
  };
  return Object.fromEntries(await Promise.all(ids.map(async (id) => [id, await read(id)] as const)));
}

function conclude(
  finding: Finding,
  target: ActingAccount,
  plan: SshPlan,
  results: ReadonlyMap<GroupPlan, Executed[]>,
  closedMeanwhile: readonly GroupPlan[],
  dependencies: RemediationDependencies,
  report: (outcome: Omit<Outcome, 'playbookId'>) => ReturnType<typeof formatFindingAlert>,
): HandlerResult {
  const { dryRun } = dependencies.settings;
  const failed = [...results].filter(([, steps]) => steps.some((s) => s.status === 'failed')).map(([g]) => g);
  const succeeded = [...results].filter(([g]) => !failed.includes(g)).map(([g]) => g);
  const details: string[] = [];
  const commands: string[] = [];
  for (const group of plan.groups) {
    const steps = results.get(group);
    if (group.status === 'excluded') {
      details.push(`${groupLabel(group)}: left as it is: it carries the exclusion tag '${dependencies.settings.exclusionTag}' (TCP 22 stays open to the world there)`);
      continue;
    }
    if (!steps) continue;
    const verb = dryRun ? 'would have ' : '';
    const done = steps.filter((s) => s.status !== 'failed');
    const revokedNow = done.some((e) => e.step.kind === 'revoke-ingress');
    const authorizedNow = done.some((e) => e.step.kind === 'authorize-ingress');
    for (const revoked of group.revoke) details.push(`${groupLabel(group)}: ${revokedNow ? `${verb}revoked` : 'NOT revoked'} ${revoked.text}`);
    for (const allowed of group.authorize) details.push(`${groupLabel(group)}: ${authorizedNow ? `${verb}allowed` : 'NOT allowed'} ${allowed.text} (${allowed.reason})`);
    if (group.droppedProtocols && revokedNow) details.push(`${groupLabel(group)}: IP protocols other than TCP, UDP and ICMP that the all-traffic rule allowed from the world ${dryRun ? 'would no longer be' : 'are no longer'} allowed`);
    // A fleet's group can be on thousands of interfaces: a few are named, the rest counted (an SNS message holds 256 KB).
    if (group.sharedWith.length > 0) {
      const forAll = !revokedNow ? 'still open to the world for all of them' : dryRun ? 'would be fixed for all of them: it is open to the world for each' : 'fixed for all of them: it was open to the world for each';
      details.push(`${groupLabel(group)}: also used by ${listOf(group.sharedWith.map((s) => clean(s, 80)))} (${forAll})`);
    }
    for (const failed of steps.filter((e) => e.status === 'failed')) details.push(`${groupLabel(group)}: ${changeLine(failed)}`);
    if (!dryRun) commands.push(...undoLines(steps, target.region));
  }
  for (const group of closedMeanwhile) {
    details.push(`${groupLabel(group)}: closed at the same moment by another delivery, whose alert has the way back`);
  }
  const stillOpen = stillOpenLines(plan.groups);
  details.push(...stillOpen);
  const note = stillOpen.length > 0 ? STILL_OPEN_NOTE : '';
  // In a member account the commands need that account's credentials: say so above them.
  const restore = restoreBlock(target, commands);
  const changed = succeeded.map(groupLabel).join(', ');
  const where = `on ${token(asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId')), 40)}`;
  if (failed.length > 0) {
    const failure = new RemediationError(`${failed.length} of ${results.size} security group(s) could not be changed: ${failed.map((g) => `${g.groupId}: ${failedStepsText(results.get(g) ?? [])}`).join('; ')}`);
    return {
      alert: report({
        tag: 'REMEDIATION FAILED',
        summary: `${succeeded.length > 0 ? `${dryRun ? 'Would have closed' : 'Closed'} TCP 22 to the world on ${changed}; ` : ''}FAILED on ${failed.map(groupLabel).join(', ')} ${where}. Check the changes below. ${RETRIED_THEN_KEPT}${note}`,
        details,
        restore,
      }),
      failure,
    };
  }
  if (results.size === 0) {
    return report({
      tag: 'ALREADY REMEDIATED',
      summary: `Another delivery closed TCP 22 to the world on ${closedMeanwhile.map(groupLabel).join(', ')} ${where} at the same moment; this one changed nothing.${note}`,
      details,
    });
  }
  return report({
    tag: dryRun ? 'DRY RUN' : 'SSH CLOSED',
    // A dry run changes nothing: the finding state decides whether it is told again.
    changed: !dryRun,
    summary: dryRun
      ? `Dry run: nothing was changed. Would have closed TCP 22 to the world on ${changed} ${where}, keeping every other rule (EC2 confirmed each call would be allowed).${note}`
      : `Closed TCP 22 to the world on ${changed} ${where}, keeping every other rule.${note}`,
    details,
    restore,
  });
}

/** The restore of a group fixed earlier, from the rules recorded on it (REVOKED_TAG). */
function recordedRestoreCommands(group: GroupPlan, target: ActingAccount): string[] {
  if (!group.recordedRevoked || group.recordedRevoked.length === 0) return [];
  return [
    commandLine(['aws', 'ec2', 'authorize-security-group-ingress', '--region', target.region, '--group-id', group.groupId, '--ip-permissions', asciiJson(group.recordedRevoked)]),
    commandLine(['aws', 'ec2', 'delete-tags', '--region', target.region, '--resources', group.groupId, '--tags', `Key=${REMEDIATION_TAG}`, `Key=${FINDING_TAG}`, `Key=${REVOKED_TAG}`]),
  ];
}

/** Appended to a summary whenever a rule left as it is can still let SSH in (GroupPlan.stillOpen): no alert then reads as an all-clear. */
const STILL_OPEN_NOTE = ' Rules left as they are can still let the address that probed it, or the world, reach TCP 22 (below).';

function stillOpenLines(groups: readonly GroupPlan[]): string[] {
  return groups.flatMap((g) =>
    g.stillOpen.length > 0 ? [`${groupLabel(g)}: TCP 22 can still be reached through ${listOf(g.stillOpen.map((rule) => clean(rule, 160)))} (left as it is: not a rule that names the world)`] : [],
  );
}

/**
 * The remote addresses the finding names: each probe's of a port probe, the connection's of a
 * brute force. Untrusted: they are only tested against the groups' rules (plan.ts), and only
 * addresses that parse are ever shown.
 */
function probingAddresses(finding: Finding): string[] {
  const addresses = remoteEnds(finding.detail).flatMap((remote) => [asString(remote.ipAddressV4), asString(remote.ipAddressV6)]);
  return [...new Set(addresses.filter((address): address is string => address !== undefined))].slice(0, 50);
}

function groupLabel(group: GroupPlan): string {
  const name = quoted(group.groupName, 60);
  return name ? `${group.groupId} (${name})` : group.groupId;
}

/** The revoke-ssh handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createRevokeSshHandler(dependencies: RemediationDependencies): LambdaHandler {
  return findingHandler(dependencies, revokeSsh(dependencies), parseActionableFinding);
}
