/**
 * The isolate-instance plan, pure: from what EC2 and Auto Scaling say now about an instance to
 * the steps that cut it off the network at once while keeping it, and its disks, as evidence.
 *
 * Connection tracking: changing security groups does not end connections that are already
 * tracked; they keep flowing until they time out (EC2 User Guide, "Amazon EC2 security group
 * connection tracking", https://docs.aws.amazon.com/AWSEC2/latest/UserGuide/security-group-connection-tracking.html).
 * The same page says TCP and UDP flows are not tracked when the rules allow all traffic from and
 * to 0.0.0.0/0 (and ::/0) in both directions, and that untracked flows stop as soon as the rule
 * that allows them goes. The containment AWS's incident-response guidance describes for EC2
 * follows from that: first move the interfaces to a group whose rules make the flows untracked,
 * then to an isolation group without rules. ICMP and automatically tracked connections stay
 * tracked (same page: flows through a NAT gateway, a load balancer, a transit gateway, a VPC
 * endpoint and a few more are always tracked), so they outlive the moves: the alert says so and
 * names the addresses a network ACL entry would have to deny to end them at once. The untracked
 * group is open for the seconds between the two moves: the documented price of ending the
 * attacker's existing sessions.
 */
import type { Instance, IpPermission, SecurityGroup, Tag } from '@aws-sdk/client-ec2';
import { createHash } from 'node:crypto';
import { IsolationRole, PREVIOUS_GROUPS_TAG_PREFIX, TAG_KEYS, previousGroupsTag } from '../../core/tags';
import type { Executed, GroupRef, Step } from '../shared/steps';

export const ISOLATION_ROLE_TAG = TAG_KEYS.isolationRole;
export const ISOLATION_GROUP_NAME = 'guardduty-response-isolation';
export const UNTRACKED_GROUP_NAME = 'guardduty-response-untracked';
export const ISOLATED_AT_TAG = TAG_KEYS.isolatedAt;
export const FINDING_TAG = TAG_KEYS.finding;
export const AUTO_SCALING_GROUP_TAG = TAG_KEYS.autoScalingGroup;
/** One tag per interface (tag values hold 256 characters; an interface holds up to 5 groups). */
export { PREVIOUS_GROUPS_TAG_PREFIX };

/** Every flow in both directions, IPv4 and IPv6: what makes connections untracked. */
export const ALL_TRAFFIC: readonly IpPermission[] = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];

export interface IsolationInput {
  readonly instance: Instance;
  /** Security groups of the instance's VPC that carry ISOLATION_ROLE_TAG (found by tag). */
  readonly vpcGroups: readonly SecurityGroup[];
  /** The Auto Scaling group the instance belongs to, if any. */
  readonly autoScalingGroupName?: string;
  /** Its lifecycle state in that group (DescribeAutoScalingInstances), e.g. InService, Terminating:Wait. */
  readonly autoScalingState?: string;
  /** Whether termination protection is on now (DescribeInstanceAttribute). */
  readonly terminationProtected: boolean;
  /** Volumes that already have an evidence snapshot of this instance (tagged evidence-of, not failed). */
  readonly snapshotted: readonly string[];
  readonly exclusionTag: string;
  readonly snapshots: boolean;
  readonly findingId: string;
  readonly now: string;
}

export interface GroupSetup {
  /** Undefined when the group must be created. */
  readonly existingId?: string;
  readonly name: string;
  /** The name to create it under when `name` is held by a group that is not the stack's (fallbackGroupName). */
  readonly fallbackName: string;
  /** Rules to remove (isolation group) so that the group allows nothing. */
  readonly revokeIngress: readonly IpPermission[];
  readonly revokeEgress: readonly IpPermission[];
  /** Rules to add (untracked group) so that every flow is untracked. */
  readonly authorizeIngress: readonly IpPermission[];
  readonly authorizeEgress: readonly IpPermission[];
}

/** One interface of the instance: where it is now and where it was before any isolation. */
export interface InterfacePlan {
  readonly networkInterfaceId: string;
  /**
   * Its groups before the isolation: the instance's record when there is one (written before the
   * first move, never overwritten), else its groups now unless one of them is this stack's own
   * (a run stopped between the moves): then empty, not known.
   */
  readonly previousGroups: readonly string[];
  /** Whether the plan writes the record (no record yet, and the groups now are the instance's own). */
  readonly record: boolean;
  /** How far an earlier run got: not moved, in the untracked group (resume at the second move), isolated. */
  readonly stage: 'start' | 'untracked' | 'isolated';
}

/**
 * The evidence still to keep, decided from what EC2 says now: a step that failed on an earlier
 * delivery (or never ran, the invocation having stopped) is still pending, and the next delivery
 * finishes it; one that is done is never repeated.
 */
export interface EvidencePlan {
  readonly protect: boolean;
  /**
   * A Spot Instance: EC2 refuses termination protection for it ("You can't enable termination
   * protection for Spot Instances", EC2 User Guide, "Change instance termination protection"), and
   * can reclaim it at two minutes' notice. Asking would fail every delivery; the snapshots are the
   * evidence that outlives it.
   */
  readonly spot: boolean;
  /** The group to detach the instance from (it is in a state Auto Scaling detaches). */
  readonly autoScalingGroupName?: string;
  /** The group it cannot be detached from now, and its state there (detachable). */
  readonly notDetachable?: { readonly group: string; readonly state: string };
  readonly volumes: readonly string[];
  readonly snapshotTags: readonly Tag[];
}

/**
 * Whether Auto Scaling detaches an instance in this lifecycle state: "You can detach an instance
 * only when it's either in an InService or Standby state", or in a warm pool when the desired
 * capacity is kept, as isolation keeps it (Amazon EC2 Auto Scaling User Guide, "Detach or attach
 * instances"). An unknown state is tried.
 */
export const detachable = (state: string | undefined): boolean => state === undefined || state === 'InService' || state === 'Standby' || state.startsWith('Warmed:');

/** The group is terminating the instance: no detach, no termination protection (Auto Scaling ignores it) will keep it. */
export const terminating = (state: string): boolean => state.startsWith('Terminating');

export const evidencePending = (evidence: EvidencePlan): boolean => evidence.protect || evidence.autoScalingGroupName !== undefined || evidence.volumes.length > 0;

export type IsolationPlan =
  | { readonly status: 'terminated' | 'excluded' }
  /**
   * Interfaces in more than one VPC (a multi-VPC attachment): a security group belongs to one VPC
   * and can only be given to interfaces of that VPC, and the isolation groups are made in the
   * instance's VPC. Moving the others would fail after the first moves; refused before any change.
   */
  | { readonly status: 'other-vpc'; readonly vpcId: string; readonly elsewhere: readonly string[] }
  | {
      readonly status: 'already-isolated';
      readonly isolatedAt: string;
      readonly interfaces: readonly InterfacePlan[];
      readonly recordedTagKeys: readonly string[];
      /** The Auto Scaling group it was detached from (recorded on the instance, no longer a member): the way back. */
      readonly detachedFrom?: string;
      readonly evidence: EvidencePlan;
    }
  | {
      readonly status: 'isolate';
      readonly vpcId: string;
      /**
       * The instance's private addresses: flows EC2 always tracks (through a NAT gateway, a load
       * balancer, a transit gateway, a VPC endpoint) survive the moves, and a network ACL entry
       * denying these addresses is what ends them at once; the alert says so.
       */
      readonly privateAddresses: readonly string[];
      readonly interfaces: readonly InterfacePlan[];
      readonly untracked: GroupSetup;
      readonly isolation: GroupSetup;
      /** Written first, before any move: the way back must exist before the change. */
      readonly instanceTags: readonly Tag[];
      /** Every tag key of this stack on the instance once the plan ran (for the restore block). */
      readonly recordedTagKeys: readonly string[];
      readonly evidence: EvidencePlan;
    };

/** The characters tag values may hold in every AWS service ("Tag restrictions": letters, numbers, spaces, + - = . _ : / @), at most 256. */
const SAFE_TAG_VALUE = /^[\p{L}\p{Z}\p{N}_.:/=+\-@]{0,256}$/u;

const tagOf = (tags: readonly Tag[] | undefined, key: string) => (tags ?? []).find((t) => t.Key === key)?.Value;

export function planIsolation(input: IsolationInput): IsolationPlan {
  const { instance } = input;
  if (instance.State?.Name === 'terminated' || instance.State?.Name === 'shutting-down') return { status: 'terminated' };
  if (tagOf(instance.Tags, input.exclusionTag) !== undefined) return { status: 'excluded' };
  const vpcId = instance.VpcId ?? instance.NetworkInterfaces?.[0]?.VpcId ?? 'unknown';
  const elsewhere = (instance.NetworkInterfaces ?? []).filter((n) => n.VpcId !== undefined && n.VpcId !== vpcId).map((n) => `${n.NetworkInterfaceId ?? 'unknown'} (${n.VpcId})`);
  if (elsewhere.length > 0) return { status: 'other-vpc', vpcId, elsewhere };
  const isolationGroup = input.vpcGroups.find((g) => tagOf(g.Tags, ISOLATION_ROLE_TAG) === 'isolation');
  const untrackedGroup = input.vpcGroups.find((g) => tagOf(g.Tags, ISOLATION_ROLE_TAG) === 'untracked');
  // Groups tagged as this stack's own are never anyone's "previous" groups: restoring into the
  // untracked group would put the instance on the Internet, every port open.
  const own = new Set(input.vpcGroups.filter((g) => tagOf(g.Tags, ISOLATION_ROLE_TAG) !== undefined).map((g) => g.GroupId));
  const only = (groups: readonly string[], id: string | undefined) => id !== undefined && groups.length === 1 && groups[0] === id;
  const interfaces = (instance.NetworkInterfaces ?? []).map((n): InterfacePlan => {
    const networkInterfaceId = n.NetworkInterfaceId ?? 'unknown';
    const now = (n.Groups ?? []).map((g) => g.GroupId ?? 'unknown');
    const recorded = tagOf(instance.Tags, previousGroupsTag(networkInterfaceId));
    const inOwn = now.some((id) => own.has(id));
    return {
      networkInterfaceId,
      previousGroups: recorded !== undefined ? recorded.split(',').filter((g) => g !== '') : inOwn ? [] : now,
      record: recorded === undefined && !inOwn,
      stage: only(now, isolationGroup?.GroupId) ? 'isolated' : only(now, untrackedGroup?.GroupId) ? 'untracked' : 'start',
    };
  });
  const isolatedAt = tagOf(instance.Tags, ISOLATED_AT_TAG);
  // The group it is in, recorded with the way back (never overwritten, as the previous groups):
  // once detached, nothing in AWS remembers it. Only a name in the tag characters every AWS
  // service accepts: a group name may hold ; $ ( ) ` and quotes, and a refused tag would stop the
  // record, and with it the isolation.
  const recordedGroup = tagOf(instance.Tags, AUTO_SCALING_GROUP_TAG);
  const recordsGroup = input.autoScalingGroupName !== undefined && recordedGroup === undefined && SAFE_TAG_VALUE.test(input.autoScalingGroupName);
  const recordedTagKeys = [
    ...new Set([
      ...(instance.Tags ?? []).map((t) => t.Key ?? '').filter((k) => k.startsWith(PREVIOUS_GROUPS_TAG_PREFIX)),
      ...interfaces.filter((n) => n.record).map((n) => previousGroupsTag(n.networkInterfaceId)),
      ISOLATED_AT_TAG,
      FINDING_TAG,
      ...(recordsGroup || recordedGroup !== undefined ? [AUTO_SCALING_GROUP_TAG] : []),
    ]),
  ];
  const evidence: EvidencePlan = {
    protect: !input.terminationProtected && instance.InstanceLifecycle !== 'spot',
    spot: instance.InstanceLifecycle === 'spot',
    ...(input.autoScalingGroupName !== undefined &&
      (detachable(input.autoScalingState)
        ? { autoScalingGroupName: input.autoScalingGroupName }
        : { notDetachable: { group: input.autoScalingGroupName, state: input.autoScalingState! } })),
    volumes: input.snapshots ? (instance.BlockDeviceMappings ?? []).map((m) => m.Ebs?.VolumeId).filter((v): v is string => v !== undefined && !input.snapshotted.includes(v)) : [],
    snapshotTags: [
      { Key: FINDING_TAG, Value: input.findingId },
      { Key: TAG_KEYS.evidenceOf, Value: instance.InstanceId ?? 'unknown' },
    ],
  };
  if (isolatedAt && isolationGroup && interfaces.every((n) => n.stage === 'isolated')) {
    return {
      status: 'already-isolated',
      isolatedAt,
      interfaces,
      recordedTagKeys,
      evidence,
      ...(input.autoScalingGroupName === undefined && recordedGroup !== undefined && { detachedFrom: recordedGroup }),
    };
  }
  const hasAll = (rules: readonly IpPermission[] | undefined) =>
    (rules ?? []).some((r) => r.IpProtocol === '-1' && (r.IpRanges ?? []).some((x) => x.CidrIp === '0.0.0.0/0') && (r.Ipv6Ranges ?? []).some((x) => x.CidrIpv6 === '::/0'));
  return {
    status: 'isolate',
    vpcId,
    privateAddresses: [
      ...new Set(
        (instance.NetworkInterfaces ?? [])
          .flatMap((n) => [n.PrivateIpAddress, ...(n.PrivateIpAddresses ?? []).map((a) => a.PrivateIpAddress), ...(n.Ipv6Addresses ?? []).map((a) => a.Ipv6Address)])
          .filter((a): a is string => a !== undefined),
      ),
    ],
    interfaces,
    untracked: {
      existingId: untrackedGroup?.GroupId,
      name: UNTRACKED_GROUP_NAME,
      fallbackName: fallbackGroupName(UNTRACKED_GROUP_NAME, input.findingId),
      revokeIngress: [],
      revokeEgress: [],
      // A new group already has the default all-IPv4 egress rule; the shell adds only what is missing after creating it.
      authorizeIngress: hasAll(untrackedGroup?.IpPermissions) ? [] : ALL_TRAFFIC,
      authorizeEgress: hasAll(untrackedGroup?.IpPermissionsEgress) ? [] : ALL_TRAFFIC,
    },
    isolation: {
      existingId: isolationGroup?.GroupId,
      name: ISOLATION_GROUP_NAME,
      fallbackName: fallbackGroupName(ISOLATION_GROUP_NAME, input.findingId),
      // An existing isolation group must allow nothing: whatever someone added is removed.
      revokeIngress: isolationGroup?.IpPermissions ?? [],
      revokeEgress: isolationGroup?.IpPermissionsEgress ?? [],
      authorizeIngress: [],
      authorizeEgress: [],
    },
    instanceTags: [
      // Never overwritten: a record that exists is the only true way back.
      ...interfaces.filter((n) => n.record).map((n) => ({ Key: previousGroupsTag(n.networkInterfaceId), Value: n.previousGroups.join(',') })),
      { Key: ISOLATED_AT_TAG, Value: isolatedAt ?? input.now },
      { Key: FINDING_TAG, Value: input.findingId },
      ...(recordsGroup ? [{ Key: AUTO_SCALING_GROUP_TAG, Value: input.autoScalingGroupName! }] : []),
    ],
    recordedTagKeys,
    evidence,
  };
}

/**
 * The name a group is created under when its own name is taken in the VPC by a group without the
 * stack's role tag: not ours, so never used, and never changed (EC2 allows one group of a name per
 * VPC). Anyone who may create groups there, the compromised instance's own role perhaps, could
 * take the name to block every isolation; the suffix comes from the finding id, which nobody knows
 * before GuardDuty reports the finding, and is the same for every delivery of that finding.
 */
export function fallbackGroupName(name: string, findingId: string): string {
  return `${name}-${createHash('sha256').update(findingId).digest('hex').slice(0, 8)}`;
}

/** The group a setup stands for: the one found, or the one a step of this run creates. */
const refOf = (setup: GroupSetup, role: IsolationRole): GroupRef => (setup.existingId ? { id: setup.existingId } : { created: role });

/** Setting up one of the stack's groups: create it if needed, then make its rules what the role needs. */
function groupSetupSteps(setup: GroupSetup, role: IsolationRole, vpcId: string): Step[] {
  const group = refOf(setup, role);
  const steps: Step[] = [];
  if (!setup.existingId) {
    steps.push({
      kind: 'create-group',
      role,
      name: setup.name,
      fallbackName: setup.fallbackName,
      vpcId,
      description: role === 'isolation' ? 'guardduty-response: isolated instances, no traffic in or out' : 'guardduty-response: untracked flows, used for seconds while isolating',
      tags: [{ Key: ISOLATION_ROLE_TAG, Value: role }],
    });
    // A new group allows all outbound IPv4: the isolation group must allow nothing.
    if (role === 'isolation') steps.push({ kind: 'revoke-egress', group, label: 'the default egress rule', permissions: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] });
  }
  if (setup.revokeIngress.length > 0) steps.push({ kind: 'revoke-ingress', group, label: 'its inbound rules', permissions: setup.revokeIngress });
  if (setup.revokeEgress.length > 0) steps.push({ kind: 'revoke-egress', group, label: 'its outbound rules', permissions: setup.revokeEgress });
  if (setup.authorizeIngress.length > 0) steps.push({ kind: 'authorize-ingress', group, label: 'all inbound traffic (untracked)', permissions: setup.authorizeIngress });
  if (setup.authorizeEgress.length > 0) {
    // A new group already allows all outbound IPv4; only IPv6 is missing then.
    const permissions: IpPermission[] = setup.existingId ? [...setup.authorizeEgress] : [{ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }];
    steps.push({ kind: 'authorize-egress', group, label: 'all outbound traffic (untracked)', permissions });
  }
  return steps;
}

type Isolate = Extract<IsolationPlan, { status: 'isolate' }>;

/**
 * The isolation, in order (stopping at the first failure): the way back recorded first, the
 * groups set up, then the interfaces one at a time, each through the untracked group to the
 * isolation group, each move pair preceded by a check that the invocation has the time for it
 * (and for a move back). One at a time, an interface spends one call in the untracked group,
 * open to everything, whatever the instance's interface count, and an instance with more
 * interfaces than one invocation can move at its worst (busy EKS nodes carry 8-15) is isolated
 * over deliveries: what one moved stays isolated, the next resumes with the rest. Interfaces an
 * earlier run left in the untracked group go first: they are the open ones.
 */
export function isolationSteps(plan: Isolate, instanceId: string, moveReserveMs: number): Step[] {
  const untracked = refOf(plan.untracked, 'untracked');
  const isolation = refOf(plan.isolation, 'isolation');
  const pending = [...plan.interfaces.filter((n) => n.stage === 'untracked'), ...plan.interfaces.filter((n) => n.stage === 'start')];
  return [
    { kind: 'record', instanceId, tags: plan.instanceTags, undoTagKeys: plan.recordedTagKeys },
    ...groupSetupSteps(plan.untracked, 'untracked', plan.vpcId),
    ...groupSetupSteps(plan.isolation, 'isolation', plan.vpcId),
    ...pending.flatMap((n): Step[] => [
      // Never start a move without the time to finish it (and to move back): a timeout between
      // the moves would leave the interface in the untracked group, open to everything.
      { kind: 'time-check', neededMs: moveReserveMs },
      ...(n.stage === 'start' ? [{ kind: 'move-untracked', interfaceId: n.networkInterfaceId, to: [untracked], previousGroups: n.previousGroups } as const] : []),
      { kind: 'move-isolation', interfaceId: n.networkInterfaceId, to: [isolation], previousGroups: n.previousGroups },
    ]),
  ];
}

/** Whether the run made this move of this interface. */
const moved = (executed: readonly Executed[], kind: 'move-untracked' | 'move-isolation', interfaceId: string) =>
  executed.some((e) => e.status === 'done' && e.step.kind === kind && e.step.interfaceId === interfaceId);

/** The interfaces isolated once the steps ran: those isolated before, and those this run moved. */
export const isolatedInterfaces = (plan: Isolate, executed: readonly Executed[]): InterfacePlan[] =>
  plan.interfaces.filter((n) => n.stage === 'isolated' || moved(executed, 'move-isolation', n.networkInterfaceId));

/**
 * After a failure: every interface the run leaves in the untracked group (moved there now, or by
 * an earlier run, and not moved on) goes back to its groups, when its way back is known. Only
 * those: an interface already isolated stays isolated, and the next delivery resumes the rest.
 */
export function rollbackSteps(plan: Isolate, executed: readonly Executed[]): Step[] {
  return plan.interfaces
    .filter((n) => (n.stage === 'untracked' || moved(executed, 'move-untracked', n.networkInterfaceId)) && !moved(executed, 'move-isolation', n.networkInterfaceId))
    .filter((n) => n.previousGroups.length > 0)
    .map((n) => ({ kind: 'move-back', interfaceId: n.networkInterfaceId, to: n.previousGroups.map((id) => ({ id })), previousGroups: n.previousGroups }));
}

/** The evidence still pending, one step each (each runs on its own: one failing stops no other). */
export function evidenceSteps(evidence: EvidencePlan, instanceId: string): Step[] {
  return [
    ...(evidence.protect ? [{ kind: 'protect', instanceId } as const] : []),
    ...(evidence.autoScalingGroupName ? [{ kind: 'detach', instanceId, autoScalingGroupName: evidence.autoScalingGroupName } as const] : []),
    ...evidence.volumes.map((volumeId) => ({ kind: 'snapshot', instanceId, volumeId, tags: evidence.snapshotTags }) as const),
  ];
}
