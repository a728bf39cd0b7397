/**
 * Remediations as data. A plan returns typed steps (what to call, with what); one executor runs
 * any list of them (one dry-run rule, stop at the first failure, a record of what ran); the words
 * of the alert ("Changes") and the commands that undo it ("To undo") are pure functions of the
 * executed steps, each step's inverse written once, here. No control flow reads prose.
 */
import { DetachInstancesCommand, type AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  CreateSnapshotCommand,
  CreateTagsCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  ModifyInstanceAttributeCommand,
  ModifyNetworkInterfaceAttributeCommand,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type Tag,
} from '@aws-sdk/client-ec2';
import type { IsolationRole } from '../../core/tags';
import { MOVE_RESERVE_MS } from '../../core/timing';
import { asciiJson, commandLine, commentLine } from './restore-commands';
import { clean, quoted, token } from './text';

/** A security group: one that exists, or one an earlier step of the same run creates. */
export type GroupRef = { readonly id: string } | { readonly created: IsolationRole };

type RuleStep<K> = {
  readonly kind: K;
  readonly group: GroupRef;
  /** What the step is about, for the words ("all inbound traffic (untracked)", "tcp 22 from 0.0.0.0/0"). */
  readonly label: string;
  readonly permissions: readonly IpPermission[];
};

export type Step =
  /** Tags on the instance written before any move: the way back (previous groups) and when. */
  | { readonly kind: 'record'; readonly instanceId: string; readonly tags: readonly Tag[]; readonly undoTagKeys: readonly string[] }
  | {
      readonly kind: 'create-group';
      readonly role: IsolationRole;
      readonly name: string;
      /** Used when `name` is held by a group without the role tag (isolate/plan.ts fallbackGroupName). */
      readonly fallbackName: string;
      readonly vpcId: string;
      readonly description: string;
      /** The first is the role tag: a group of the same name that carries it is a concurrent delivery's. */
      readonly tags: readonly Tag[];
    }
  | (RuleStep<'authorize-ingress'> & { readonly ruleTags?: readonly Tag[] })
  | RuleStep<'authorize-egress'>
  | (RuleStep<'revoke-ingress'> & { readonly restorePermissions?: readonly IpPermission[] })
  | RuleStep<'revoke-egress'>
  /** Fails when the invocation has less than this left: no move is started that could not be finished. */
  | { readonly kind: 'time-check'; readonly neededMs: number }
  | { readonly kind: 'move-untracked' | 'move-isolation' | 'move-back'; readonly interfaceId: string; readonly to: readonly GroupRef[]; readonly previousGroups: readonly string[] }
  | { readonly kind: 'protect'; readonly instanceId: string }
  | { readonly kind: 'detach'; readonly instanceId: string; readonly autoScalingGroupName: string }
  | { readonly kind: 'snapshot'; readonly instanceId: string; readonly volumeId: string; readonly tags: readonly Tag[] }
  | { readonly kind: 'tag'; readonly resourceId: string; readonly tags: readonly Tag[] };

export type StepStatus = 'done' | 'would' | 'failed';

export interface Executed {
  readonly step: Step;
  readonly status: StepStatus;
  readonly error?: string;
  /** What the step did differently from its plan, said after it (a group created under its fallback name). */
  readonly note?: string;
}

export interface ExecutionContext {
  readonly ec2: EC2Client;
  readonly autoScaling: () => AutoScalingClient;
  readonly dryRun: boolean;
  readonly remainingMs: () => number;
  /** Ids of groups created in this run (or found), by role: filled by create-group steps. */
  readonly groups: Map<IsolationRole, string>;
}

/** Stands for a group id a dry run cannot know (the group would be created). */
const WOULD_BE_CREATED = 'sg-(would be created)';

/** The errors that mean "this would have succeeded" in a dry run. */
const isDryRunOk = (error: unknown) => (error as { name?: string }).name === 'DryRunOperation';

export function errorText(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

/**
 * EC2's answers when another delivery changed the same group first: the group exists already, a
 * rule to add is there already, a rule to remove is gone. EC2 then changes nothing of that call
 * (Amazon EC2 API Reference, RevokeSecurityGroupIngress: "no rules are revoked"), so the delivery
 * may read the world again and plan from what is there now.
 */
const CONFLICTS = ['InvalidGroup.Duplicate', 'InvalidPermission.Duplicate', 'InvalidPermission.NotFound'];

/** Whether a run stopped on a conflict with a concurrent delivery (see CONFLICTS). */
export const lostRace = (executed: readonly Executed[]): boolean => executed.some((e) => e.status === 'failed' && CONFLICTS.some((code) => e.error?.startsWith(`${code}:`)));

/** How often a delivery that lost a race reads the world again before it fails (and Lambda retries it). */
export const RACE_ROUNDS = 3;

/** A pause before reading again: EC2 is eventually consistent, and lists a new group or rule within moments. */
export const racePause = (round: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, 250 * round));

/**
 * Runs the steps in order and stops at the first failure (a revoke must not run when the
 * authorize that keeps the rest of a rule failed; a second move must not run after a failed
 * first). In a dry run every EC2 call carries DryRun: true, and DryRunOperation means it would
 * have succeeded; a call on a group the run would create cannot be tried, only reported; Auto
 * Scaling has no dry run, so a detach is reported, not made.
 */
export async function executeSteps(steps: readonly Step[], context: ExecutionContext): Promise<Executed[]> {
  const executed: Executed[] = [];
  for (const step of steps) {
    try {
      const ran = await runPatiently(step, context);
      executed.push({ step, status: context.dryRun || !ran ? 'would' : 'done', ...(typeof ran === 'object' && { note: ran.note }) });
    } catch (error) {
      if (context.dryRun && isDryRunOk(error)) {
        executed.push({ step, status: 'would' });
        continue;
      }
      executed.push({ step, status: 'failed', error: errorText(error) });
      break;
    }
  }
  return executed;
}

/**
 * EC2 is eventually consistent: a call naming a security group created moments ago can be
 * answered InvalidGroup.NotFound, the example AWS gives ("If you successfully run the
 * CreateSecurityGroup command and then immediately run another command using the security group
 * ID [...]", https://docs.aws.amazon.com/ec2/latest/devguide/eventual-consistency.html). AWS
 * advises exponential backoff starting at a couple of seconds: a step on a group this run created
 * is tried again after each of these pauses while the invocation has the time. Failing instead
 * would alert REMEDIATION FAILED and leave the instance on the network until Lambda's retry, a
 * minute or more later. A group that existed before is never waited for: NotFound means it is gone.
 */
export const PROPAGATION_PAUSES_MS = [1_000, 2_000, 4_000, 8_000] as const;

/**
 * A throttled call changed nothing: EC2 refuses it before acting, per action's token bucket, and
 * advises retrying with exponential backoff (Amazon EC2 Developer Guide, "Request throttling for
 * the Amazon EC2 API"). The SDK's attempts (core/timing.ts) bound one call; a step still
 * throttled after them is tried again after each of these pauses while the invocation has the
 * time: its 15 minutes, not one call's attempts, are the budget. Measured by bench/burst.ts: with
 * the SDK's attempts alone (5, then 6), a burst of 200 deliveries failed one delivery in about
 * one run of seven, a client starved by the others while EC2's bucket stayed empty.
 * The codes: EC2's, Auto Scaling's (AWS query APIs' common "Throttling") and the JSON protocols'.
 */
export const THROTTLING_PAUSES_MS = [5_000, 10_000, 20_000, 40_000] as const;
const THROTTLED = ['RequestLimitExceeded', 'Throttling', 'ThrottlingException'];

/**
 * What a pause must leave of the invocation: the time an isolation keeps for moving an interface
 * and moving it back (a pause during a move must not leave it in the untracked group at a timeout).
 */
const PAUSE_RESERVE_MS = MOVE_RESERVE_MS;

const namesCreatedGroup = (step: Step): boolean =>
  ('group' in step ? [step.group] : 'to' in step ? step.to : []).some((ref) => 'created' in ref);

/** The pause before trying a failed step again (the `retry`th time), if its error is one that time cures. */
function pauseAfter(step: Step, error: unknown, retry: number): number | undefined {
  const name = (error as { name?: string }).name ?? '';
  if (name === 'InvalidGroup.NotFound' && namesCreatedGroup(step)) return PROPAGATION_PAUSES_MS[retry];
  if (THROTTLED.includes(name)) return THROTTLING_PAUSES_MS[retry];
  return undefined;
}

async function runPatiently(step: Step, context: ExecutionContext): Promise<Ran> {
  for (let retry = 0; ; retry++) {
    try {
      return await run(step, context);
    } catch (error) {
      const pause = pauseAfter(step, error, retry);
      if (pause === undefined || context.remainingMs() < pause + PAUSE_RESERVE_MS) throw error;
      await new Promise((resolve) => setTimeout(resolve, pause));
    }
  }
}

/**
 * A revoke of rules the group does not have (any more) is answered two ways (Amazon EC2 API
 * Reference, RevokeSecurityGroupIngress and RevokeSecurityGroupEgress): in a non-default VPC,
 * InvalidPermission.NotFound and nothing revoked; in a default VPC, success, with the rules it did
 * not revoke listed as UnknownIpPermissions. Both mean the group is not as it was read, so both are
 * the same conflict (CONFLICTS): the delivery reads the group again, as AWS recommends ("describe
 * the security group to verify that the rules were removed"), instead of reporting as revoked a
 * rule that another delivery, or someone else, changed first.
 */
function revokedAll(answer: { readonly UnknownIpPermissions?: readonly IpPermission[] } | undefined): void {
  const unknown = answer?.UnknownIpPermissions ?? [];
  if (unknown.length === 0) return;
  throw Object.assign(new Error(`EC2 did not revoke ${unknown.length} of the rules: the group no longer has them (UnknownIpPermissions, the answer of a default VPC)`), {
    name: 'InvalidPermission.NotFound',
  });
}

/** A step's call was made (true), could not even be tried in a dry run (false), or was made with a note. */
type Ran = boolean | { readonly note: string };

/**
 * Creates the stack's group. EC2 allows one group of a name per VPC: InvalidGroup.Duplicate from a
 * group that carries the role tag means a concurrent delivery created it first (CONFLICTS: the
 * delivery reads the VPC again and uses it); from one without the tag, the name is someone else's,
 * and the group is created under its fallback name instead.
 */
async function createGroup(step: Extract<Step, { kind: 'create-group' }>, context: ExecutionContext): Promise<Ran> {
  const { ec2, dryRun: DryRun, groups } = context;
  const create = async (name: string) => {
    const created = await ec2.send(
      new CreateSecurityGroupCommand({ GroupName: name, VpcId: step.vpcId, Description: step.description, TagSpecifications: [{ ResourceType: 'security-group', Tags: [...step.tags] }], DryRun }),
    );
    if (created.GroupId) groups.set(step.role, created.GroupId);
  };
  try {
    await create(step.name);
    return true;
  } catch (error) {
    if ((error as { name?: string }).name !== 'InvalidGroup.Duplicate') throw error;
    const { SecurityGroups: holders = [] } = await ec2.send(new DescribeSecurityGroupsCommand({ Filters: [{ Name: 'vpc-id', Values: [step.vpcId] }, { Name: 'group-name', Values: [step.name] }] }));
    const roleTag = step.tags[0]?.Key;
    if (holders.length === 0 || holders.some((g) => (g.Tags ?? []).some((t) => t.Key === roleTag))) throw error;
    const note = `the name ${step.name} is held by ${holders.map((g) => token(g.GroupId, 40) ?? 'a group').join(', ')}, which has no ${roleTag} tag: not this stack's group, so neither used nor changed; ${DryRun ? 'it would be created' : 'created'} as ${step.fallbackName}`;
    try {
      await create(step.fallbackName);
    } catch (fallbackError) {
      // A dry run's DryRunOperation: the step would succeed, and executeSteps reports it as "would".
      if (!(DryRun && isDryRunOk(fallbackError))) throw fallbackError;
    }
    return { note };
  }
}

/** Makes the call of one step; false when, in a dry run, it could not even be tried. */
async function run(step: Step, context: ExecutionContext): Promise<Ran> {
  const { ec2, dryRun: DryRun, groups } = context;
  const known = (ref: GroupRef) => ('id' in ref ? ref.id : groups.get(ref.created));
  const id = (ref: GroupRef) => known(ref) ?? WOULD_BE_CREATED;
  const tryable = (...refs: GroupRef[]) => !DryRun || refs.every((ref) => known(ref) !== undefined);
  switch (step.kind) {
    case 'record':
      await ec2.send(new CreateTagsCommand({ Resources: [step.instanceId], Tags: [...step.tags], DryRun }));
      return true;
    case 'tag':
      await ec2.send(new CreateTagsCommand({ Resources: [step.resourceId], Tags: [...step.tags], DryRun }));
      return true;
    case 'create-group':
      return createGroup(step, context);
    case 'authorize-ingress':
      if (!tryable(step.group)) return false;
      await ec2.send(
        new AuthorizeSecurityGroupIngressCommand({
          GroupId: id(step.group),
          IpPermissions: [...step.permissions],
          ...(step.ruleTags && { TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [...step.ruleTags] }] }),
          DryRun,
        }),
      );
      return true;
    case 'authorize-egress':
      if (!tryable(step.group)) return false;
      await ec2.send(new AuthorizeSecurityGroupEgressCommand({ GroupId: id(step.group), IpPermissions: [...step.permissions], DryRun }));
      return true;
    case 'revoke-ingress':
      if (!tryable(step.group)) return false;
      revokedAll(await ec2.send(new RevokeSecurityGroupIngressCommand({ GroupId: id(step.group), IpPermissions: [...step.permissions], DryRun })));
      return true;
    case 'revoke-egress':
      if (!tryable(step.group)) return false;
      revokedAll(await ec2.send(new RevokeSecurityGroupEgressCommand({ GroupId: id(step.group), IpPermissions: [...step.permissions], DryRun })));
      return true;
    case 'time-check':
      if (context.remainingMs() < step.neededMs) {
        throw Object.assign(new Error(`only ${context.remainingMs()} ms left of the invocation, ${step.neededMs} ms needed to finish the moves safely; the next delivery resumes here`), { name: 'NotEnoughTime' });
      }
      return true;
    case 'move-untracked':
    case 'move-isolation':
    case 'move-back':
      if (!tryable(...step.to)) return false;
      await ec2.send(new ModifyNetworkInterfaceAttributeCommand({ NetworkInterfaceId: step.interfaceId, Groups: step.to.map(id), DryRun }));
      return true;
    case 'protect':
      await ec2.send(new ModifyInstanceAttributeCommand({ InstanceId: step.instanceId, DisableApiTermination: { Value: true }, DryRun }));
      return true;
    case 'detach':
      if (DryRun) return false;
      await context.autoScaling().send(new DetachInstancesCommand({ InstanceIds: [step.instanceId], AutoScalingGroupName: step.autoScalingGroupName, ShouldDecrementDesiredCapacity: false }));
      return true;
    case 'snapshot':
      await ec2.send(
        new CreateSnapshotCommand({ VolumeId: step.volumeId, Description: `guardduty-response evidence of ${step.instanceId}`, TagSpecifications: [{ ResourceType: 'snapshot', Tags: [...step.tags] }], DryRun }),
      );
      return true;
  }
}

const groupText = (ref: GroupRef) => ('id' in ref ? ref.id : `the ${ref.created} group`);

/** What a step does, in words (names cleaned: they come from the account). */
export function describeStep(step: Step): string {
  switch (step.kind) {
    case 'record':
      return 'record the previous groups on the instance';
    case 'tag':
      return `tag ${step.tags.map((t) => t.Key).join(', ')}`;
    case 'create-group':
      return `create the ${step.role} group ${step.name} in ${token(step.vpcId, 40)}`;
    case 'authorize-ingress':
    case 'authorize-egress':
      return `allow ${step.label}`;
    case 'revoke-ingress':
    case 'revoke-egress':
      return `${step.kind === 'revoke-ingress' ? 'revoke' : 'remove'} ${step.label}`;
    case 'time-check':
      return 'check there is time left to finish the moves';
    case 'move-untracked':
      return `move ${step.interfaceId} to the untracked group`;
    case 'move-isolation':
      return `move ${step.interfaceId} to the isolation group`;
    case 'move-back':
      return `put ${step.interfaceId} back in ${step.to.map(groupText).join(', ')}`;
    case 'protect':
      return 'turn on termination protection';
    case 'detach':
      return `detach from Auto Scaling group ${quoted(step.autoScalingGroupName, 255)} (desired capacity kept, so the group replaces it and never terminates the evidence)`;
    case 'snapshot':
      return `snapshot ${step.volumeId}`;
  }
}

/** The code-like name an error text starts with (`InvalidGroup.NotFound: ...`), never its message. */
const errorName = (error: string): string | undefined => /^[A-Za-z][\w.]*(?=: )/.exec(error)?.[0];

/**
 * The failed steps with their error names, for the invocation's error: the function's log and the
 * dead-letter queue's ErrorMessage then say why as well as what (the alert has the whole text).
 */
export function failedStepsText(executed: readonly Executed[]): string {
  return executed
    .filter((e) => e.status === 'failed')
    .map((e) => {
      const name = e.error && errorName(e.error);
      return name ? `${describeStep(e.step)} (${name})` : describeStep(e.step);
    })
    .join('; ');
}

/** One line of the Changes list for an executed step. */
export function changeLine(executed: Executed): string {
  const prefix = executed.status === 'failed' ? 'FAILED to ' : executed.status === 'would' ? 'would have: ' : '';
  const name = executed.error && errorName(executed.error);
  const remedy = name && QUOTA_REMEDIES[name];
  return `${prefix}${describeStep(executed.step)}${executed.error ? `: ${clean(executed.error, 300)}` : ''}${remedy ? ` (${remedy})` : ''}${executed.note ? ` (${clean(executed.note, 400)})` : ''}`;
}

/**
 * What to do about refusals that no retry changes: the quotas behind EC2's limit codes (Amazon VPC
 * quotas, https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html). revoke-ssh
 * adds the rules that keep what a wider world rule allowed before it revokes that rule, so a group
 * at its quota refuses the first step and nothing on it changes.
 */
const QUOTA_REMEDIES: Readonly<Record<string, string>> = {
  RulesPerSecurityGroupLimitExceeded:
    'the group is at its quota of rules, "Inbound or outbound rules per security group": 60 by default, counted apart for IPv4 and IPv6, a prefix list counting as its maximum entries. Remove rules or raise the quota; the next delivery of the finding tries again',
  SecurityGroupLimitExceeded:
    'the Region is at its quota of security groups, "VPC security groups per Region": 2,500 by default. Delete unused groups or raise the quota; the next delivery of the finding tries again',
};

/**
 * The lines that undo one done step (commands, each argument quoted; or a comment when it cannot
 * be undone by a command); none for steps that need no undoing (the stack's own groups, evidence).
 */
export function inverseOf(step: Step, region: string): string[] {
  const at = ['--region', region];
  switch (step.kind) {
    case 'record':
      return [commandLine(['aws', 'ec2', 'delete-tags', ...at, '--resources', step.instanceId, '--tags', ...step.undoTagKeys.map((key) => `Key=${key}`)])];
    case 'tag':
      return [commandLine(['aws', 'ec2', 'delete-tags', ...at, '--resources', step.resourceId, '--tags', ...step.tags.map((t) => `Key=${t.Key}`)])];
    case 'authorize-ingress':
      return 'id' in step.group ? [commandLine(['aws', 'ec2', 'revoke-security-group-ingress', ...at, '--group-id', step.group.id, '--ip-permissions', asciiJson(step.permissions)])] : [];
    case 'revoke-ingress':
      return 'id' in step.group ? [commandLine(['aws', 'ec2', 'authorize-security-group-ingress', ...at, '--group-id', step.group.id, '--ip-permissions', asciiJson(step.restorePermissions ?? step.permissions)])] : [];
    case 'move-untracked':
    case 'move-isolation':
      return step.previousGroups.length > 0
        ? [commandLine(['aws', 'ec2', 'modify-network-interface-attribute', ...at, '--network-interface-id', step.interfaceId, '--groups', ...step.previousGroups])]
        : [commentLine(`the groups of ${step.interfaceId} before the isolation are not recorded: choose them yourself`)];
    case 'protect':
      return [commandLine(['aws', 'ec2', 'modify-instance-attribute', ...at, '--instance-id', step.instanceId, '--no-disable-api-termination'])];
    case 'detach':
      return [
        commentLine('the instance was detached from its Auto Scaling group; to put it back:'),
        commandLine(['aws', 'autoscaling', 'attach-instances', ...at, '--instance-ids', step.instanceId, '--auto-scaling-group-name', step.autoScalingGroupName]),
      ];
    default:
      // The stack's own isolation groups and their rules, the time check, a move back, evidence snapshots.
      return [];
  }
}

/** The commands that undo the done steps, newest first, each once. */
export function undoLines(executed: readonly Executed[], region: string): string[] {
  const lines = [...executed]
    .reverse()
    .filter((e) => e.status === 'done')
    .flatMap((e) => inverseOf(e.step, region));
  // Both moves of an interface undo to the same command: once is enough.
  return lines.filter((line, i) => lines.indexOf(line) === i);
}
