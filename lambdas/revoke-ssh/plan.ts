/**
 * The revoke-ssh-ingress plan, pure: from what EC2 says now about an instance's security groups
 * to the exact rule changes that make TCP 22 unreachable from the world while changing nothing
 * else. Every shape of rule is handled here and unit-tested; the shell only executes.
 *
 * - A world rule (0.0.0.0/0 or ::/0) that covers TCP 22 is revoked: TCP rules whose range holds
 *   22, and all-traffic rules (protocol -1).
 * - A wider rule is first replaced by rules that keep what it allowed except TCP 22: TCP below
 *   and above 22, and for all traffic also all UDP and all ICMP (ICMPv6 for ::/0). Other IP
 *   protocols of an all-traffic rule (GRE, ESP...) are not kept: a security group cannot say
 *   "all but TCP 22" in fewer than 250 rules; the alert says so.
 * - Rules from narrower CIDRs, other security groups or prefix lists are never touched. Those that
 *   still let the finding's probing address reach TCP 22, and prefix lists that hold the world
 *   (or that could not be read), are named in `stillOpen`: an alert never reads as an all-clear.
 * - Replacements and trusted CIDRs are authorized before the revoke, so that no allowed traffic
 *   other than SSH from the world is cut, even for a moment.
 */
import type { Instance, IpPermission, SecurityGroup, Tag } from '@aws-sdk/client-ec2';
import { cidrHolds, normalizeProtocol, parseCidr } from '../../core/ip';
import { TAG_KEYS } from '../../core/tags';
import type { Step } from '../shared/steps';

export const WORLD_V4 = '0.0.0.0/0';
export const WORLD_V6 = '::/0';
export const SSH_PORT = 22;

/** Tags this stack writes on what it changes: what was done, when, for which finding (core/tags.ts lists every key). */
export const REMEDIATION_TAG = TAG_KEYS.remediation;
export const FINDING_TAG = TAG_KEYS.finding;
export const REVOKED_TAG = TAG_KEYS.revoked;

/**
 * The revoked rules as one tag value (EC2 tag values hold 256 characters): `tcp:22-22:0.0.0.0/0`
 * per rule, space-separated, without descriptions (which do not fit; the alert that made the
 * change printed them). A value that would not fit keeps the rules that do and ends with `+`.
 */
export function encodeRevoked(permissions: readonly IpPermission[]): string {
  const words = permissions.map((p) => `${normalizeProtocol(p.IpProtocol)}:${p.FromPort ?? -1}-${p.ToPort ?? -1}:${p.IpRanges?.[0]?.CidrIp ?? p.Ipv6Ranges?.[0]?.CidrIpv6 ?? ''}`);
  let value = '';
  for (const word of words) {
    const next = value ? `${value} ${word}` : word;
    if (next.length > 254) return `${value} +`;
    value = next;
  }
  return value;
}

/** The rules of a REVOKED_TAG value (words it cannot read are left out: the tag may have been edited). */
export function decodeRevoked(value: string | undefined): IpPermission[] | undefined {
  if (value === undefined) return undefined;
  return value.split(' ').flatMap((word) => {
    const match = /^(-1|tcp|udp|icmp|icmpv6):(-?\d{1,5})-(-?\d{1,5}):([0-9a-fA-F.:]+\/\d{1,3})$/.exec(word);
    if (!match) return [];
    const [, protocol, from, to, cidr] = match;
    const ports = protocol === '-1' ? {} : { FromPort: Number(from), ToPort: Number(to) };
    return [{ IpProtocol: protocol, ...ports, ...(cidr.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: cidr }] } : { IpRanges: [{ CidrIp: cidr }] }) }];
  });
}

export interface SshPlanInput {
  readonly instance: Instance;
  /** The instance's security groups as DescribeSecurityGroups returns them now. */
  readonly groups: readonly SecurityGroup[];
  /** For each group id, every network interface that uses it (any instance). */
  readonly interfacesByGroup: Readonly<Record<string, readonly { readonly networkInterfaceId: string; readonly instanceId?: string }[]>>;
  readonly exclusionTag: string;
  readonly trustedSshCidrs: readonly string[];
  /** The addresses the finding says probed the instance (untrusted: only tested against rules). */
  readonly probingAddresses: readonly string[];
  /**
   * The CIDRs of each prefix list that an SSH rule of the groups names (sshPrefixLists), as
   * GetManagedPrefixListEntries gave them, or why they could not be read. A list missing here
   * counts as not read.
   */
  readonly prefixListEntries: Readonly<Record<string, PrefixListEntries>>;
  readonly findingId: string;
  /** ISO time of the remediation, for the tag. */
  readonly now: string;
}

export type PrefixListEntries = readonly string[] | { readonly unreadable: string };

export interface RuleChange {
  /** One permission with exactly one source, as sent to EC2. */
  readonly permission: IpPermission;
  /** `tcp 0-65535 from 0.0.0.0/0`. */
  readonly text: string;
  /** Why it is authorized: the rule it keeps part of, or "trusted SSH". */
  readonly reason?: string;
  /** For a revoked rule: the rule exactly as it was, description included, to put it back. */
  readonly restore?: IpPermission;
}

export interface GroupPlan {
  readonly groupId: string;
  readonly groupName?: string;
  /** `change`: world SSH found and not excluded; `excluded`: world SSH found on a group with the exclusion tag; `clean`: no world SSH. */
  readonly status: 'change' | 'excluded' | 'clean';
  /** Authorized first: parts of wider rules that stay allowed, then trusted SSH sources. */
  readonly authorize: readonly RuleChange[];
  readonly revoke: readonly RuleChange[];
  readonly tags: readonly Tag[];
  /** Network interfaces of other instances (or unattached) that use this group too. */
  readonly sharedWith: readonly string[];
  /** Set when the group carries this finding's tag: this stack already fixed it. */
  readonly remediatedAt?: string;
  /** When already fixed: the rules that were revoked, as recorded on the group (REVOKED_TAG), to restore them. */
  readonly recordedRevoked?: readonly IpPermission[];
  /** Other IP protocols an all-traffic world rule allowed, which the replacement does not keep. */
  readonly droppedProtocols: boolean;
  /**
   * Rules left as they are that can still let a probing address or the world reach TCP 22: a
   * narrower CIDR that holds the address (`tcp 22 from 0.0.0.0/1 (holds 203.0.113.9)`), a prefix
   * list with the world or the address among its entries, or one whose entries could not be read.
   * Said, so an alert never reads as an all-clear while SSH may still be open.
   */
  readonly stillOpen: readonly string[];
}

export interface SshPlan {
  /** Set when the instance carries the exclusion tag: nothing is changed at all. */
  readonly instanceExcluded: boolean;
  readonly groups: readonly GroupPlan[];
}


const hasTag = (tags: readonly Tag[] | undefined, key: string) => (tags ?? []).some((t) => t.Key === key);

export function planSshRevocation(input: SshPlanInput): SshPlan {
  const instanceExcluded = hasTag(input.instance.Tags, input.exclusionTag);
  const ownInterfaces = new Set((input.instance.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId));
  const groups = input.groups.map((group): GroupPlan => {
    const groupId = group.GroupId ?? 'unknown';
    const revoke: RuleChange[] = [];
    const authorize: RuleChange[] = [];
    let droppedProtocols = false;
    const existing = group.IpPermissions ?? [];
    for (const permission of existing) {
      if (!coversSsh(permission)) continue;
      for (const source of worldSources(permission)) {
        revoke.push(change(permission, source));
        for (const kept of keptParts(permission, source)) {
          if (!isAllowed(existing, kept) && !authorize.some((a) => sameRule(a.permission, kept))) {
            authorize.push({ permission: kept, text: ruleText(kept), reason: `kept from ${ruleText({ ...permission, ...source })}` });
          }
        }
        if (normalizeProtocol(permission.IpProtocol) === '-1') droppedProtocols = true;
      }
    }
    const open = revoke.length > 0;
    if (open) {
      for (const cidr of input.trustedSshCidrs) {
        const trusted = sshFrom(cidr);
        if (!isAllowed(existing, trusted) && !authorize.some((a) => sameRule(a.permission, trusted))) {
          authorize.push({ permission: trusted, text: ruleText(trusted), reason: 'trusted SSH source (trustedSshCidrs)' });
        }
      }
    }
    const excluded = hasTag(group.Tags, input.exclusionTag);
    const status = !open ? 'clean' : excluded ? 'excluded' : 'change';
    const previous = (group.Tags ?? []).find((t) => t.Key === FINDING_TAG)?.Value === input.findingId;
    return {
      groupId,
      groupName: group.GroupName,
      status,
      authorize: status === 'change' ? authorize : [],
      revoke: status === 'change' ? revoke : [],
      tags:
        status === 'change'
          ? [
              { Key: REMEDIATION_TAG, Value: `revoke-ssh-ingress closed TCP 22 from the world at ${input.now}` },
              { Key: FINDING_TAG, Value: input.findingId },
              { Key: REVOKED_TAG, Value: encodeRevoked(revoke.map((r) => r.permission)) },
            ]
          : [],
      sharedWith: (input.interfacesByGroup[groupId] ?? [])
        .filter((n) => !ownInterfaces.has(n.networkInterfaceId))
        .map((n) => (n.instanceId ? `${n.networkInterfaceId} (${n.instanceId})` : n.networkInterfaceId)),
      remediatedAt: status === 'clean' && previous ? (group.Tags ?? []).find((t) => t.Key === REMEDIATION_TAG)?.Value : undefined,
      recordedRevoked: status === 'clean' && previous ? decodeRevoked((group.Tags ?? []).find((t) => t.Key === REVOKED_TAG)?.Value) : undefined,
      droppedProtocols: status === 'change' && droppedProtocols,
      stillOpen: [...narrowerSshFrom(existing, input.probingAddresses), ...prefixListSshFrom(existing, input.probingAddresses, input.prefixListEntries)],
    };
  });
  return { instanceExcluded, groups };
}

/** The rules other than world rules that let one of `addresses` reach TCP 22, as `tcp 22 from 0.0.0.0/1 (holds 203.0.113.9)`. */
function narrowerSshFrom(permissions: readonly IpPermission[], addresses: readonly string[]): string[] {
  const found: string[] = [];
  for (const permission of permissions.filter(coversSsh)) {
    const sources = [...(permission.IpRanges ?? []).map((r) => r.CidrIp), ...(permission.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)];
    for (const source of sources) {
      if (source === undefined || source === WORLD_V4 || source === WORLD_V6) continue;
      const held = heldBy(source, addresses);
      const single = source.includes(':') ? { IpRanges: [], Ipv6Ranges: [{ CidrIpv6: source }] } : { IpRanges: [{ CidrIp: source }], Ipv6Ranges: [] };
      if (held.length > 0) found.push(`${ruleText({ ...permission, ...single })} (holds ${held.join(', ')})`);
    }
  }
  return found;
}

/** The addresses that the CIDR `source` holds (none when it is not a CIDR). */
function heldBy(source: string, addresses: readonly string[]): string[] {
  const cidr = parseCidr(source);
  return cidr ? addresses.filter((address) => cidrHolds(cidr, address)) : [];
}

/** The prefix lists that rules covering TCP 22 name, in the groups: the lists whose entries the plan needs. */
export function sshPrefixLists(groups: readonly SecurityGroup[]): string[] {
  const ids = groups.flatMap((g) => (g.IpPermissions ?? []).filter(coversSsh).flatMap((p) => (p.PrefixListIds ?? []).map((l) => l.PrefixListId)));
  return [...new Set(ids.filter((id): id is string => id !== undefined))];
}

/**
 * The prefix-list rules covering TCP 22 whose list holds the world or a probing address, or could
 * not be read. A list holding 0.0.0.0/0 is world SSH, but it is not revoked here: a prefix list
 * is shared (other rules and groups name it) and revoking the rule would cut every other entry.
 */
function prefixListSshFrom(permissions: readonly IpPermission[], addresses: readonly string[], entriesOf: Readonly<Record<string, PrefixListEntries>>): string[] {
  const found: string[] = [];
  for (const permission of permissions.filter(coversSsh)) {
    for (const { PrefixListId: id } of permission.PrefixListIds ?? []) {
      if (id === undefined) continue;
      const rule = ruleText({ ...permission, IpRanges: [], Ipv6Ranges: [], PrefixListIds: [{ PrefixListId: id }] });
      const entries = entriesOf[id] ?? { unreadable: 'not read' };
      if ('unreadable' in entries) {
        found.push(`${rule} (its entries could not be read: ${entries.unreadable}; it may hold the world)`);
        continue;
      }
      const world = entries.find((cidr) => cidr === WORLD_V4 || cidr === WORLD_V6);
      if (world) {
        found.push(`${rule} (its entry ${world} is the whole world)`);
        continue;
      }
      for (const entry of entries) {
        const held = heldBy(entry, addresses);
        if (held.length > 0) found.push(`${rule} (its entry ${entry} holds ${held.join(', ')})`);
      }
    }
  }
  return found;
}

/** TCP whose port range holds 22, or all traffic. */
function coversSsh(permission: IpPermission): boolean {
  const protocol = normalizeProtocol(permission.IpProtocol);
  if (protocol === '-1') return true;
  return protocol === 'tcp' && (permission.FromPort ?? 0) <= SSH_PORT && SSH_PORT <= (permission.ToPort ?? 65535);
}

type Source = Pick<IpPermission, 'IpRanges' | 'Ipv6Ranges'>;

/** The world sources of a permission, one per element: the sources EC2 revokes one by one. */
function worldSources(permission: IpPermission): Source[] {
  return [
    ...(permission.IpRanges ?? []).filter((r) => r.CidrIp === WORLD_V4).map((r) => ({ IpRanges: [{ CidrIp: r.CidrIp, ...(r.Description && { Description: r.Description }) }] })),
    ...(permission.Ipv6Ranges ?? []).filter((r) => r.CidrIpv6 === WORLD_V6).map((r) => ({ Ipv6Ranges: [{ CidrIpv6: r.CidrIpv6, ...(r.Description && { Description: r.Description }) }] })),
  ];
}

/** The permission to revoke: protocol and ports exactly as EC2 reported them, one source, no description (EC2 matches without it). */
function change(permission: IpPermission, source: Source): RuleChange {
  const revoked: IpPermission = {
    IpProtocol: permission.IpProtocol,
    ...(normalizeProtocol(permission.IpProtocol) !== '-1' && { FromPort: permission.FromPort, ToPort: permission.ToPort }),
    ...(source.IpRanges && { IpRanges: source.IpRanges.map((r) => ({ CidrIp: r.CidrIp })) }),
    ...(source.Ipv6Ranges && { Ipv6Ranges: source.Ipv6Ranges.map((r) => ({ CidrIpv6: r.CidrIpv6 })) }),
  };
  const restore: IpPermission = { ...revoked, ...(source.IpRanges && { IpRanges: source.IpRanges }), ...(source.Ipv6Ranges && { Ipv6Ranges: source.Ipv6Ranges }) };
  return { permission: revoked, text: ruleText(revoked), restore };
}

/** What a world rule allowed besides TCP 22 from that source, as permissions to authorize. */
function keptParts(permission: IpPermission, source: Source): IpPermission[] {
  const protocol = normalizeProtocol(permission.IpProtocol);
  const description = (source.IpRanges?.[0] ?? source.Ipv6Ranges?.[0])?.Description;
  const from = (extra: Omit<IpPermission, 'IpRanges' | 'Ipv6Ranges'>): IpPermission => {
    const note = description ?? 'guardduty-response: kept when world SSH was closed';
    return {
      ...extra,
      ...(source.IpRanges && { IpRanges: [{ CidrIp: WORLD_V4, Description: note }] }),
      ...(source.Ipv6Ranges && { Ipv6Ranges: [{ CidrIpv6: WORLD_V6, Description: note }] }),
    };
  };
  const tcpAround = (low: number, high: number): IpPermission[] => [
    ...(low < SSH_PORT ? [from({ IpProtocol: 'tcp', FromPort: low, ToPort: SSH_PORT - 1 })] : []),
    ...(high > SSH_PORT ? [from({ IpProtocol: 'tcp', FromPort: SSH_PORT + 1, ToPort: high })] : []),
  ];
  if (protocol === 'tcp') return tcpAround(permission.FromPort ?? 0, permission.ToPort ?? 65535);
  // All traffic: TCP around 22, all UDP, all ICMP of the address family.
  return [
    ...tcpAround(0, 65535),
    from({ IpProtocol: 'udp', FromPort: 0, ToPort: 65535 }),
    from({ IpProtocol: source.IpRanges ? 'icmp' : 'icmpv6', FromPort: -1, ToPort: -1 }),
  ];
}

function sshFrom(cidr: string): IpPermission {
  const description = 'guardduty-response: trusted SSH source';
  return {
    IpProtocol: 'tcp',
    FromPort: SSH_PORT,
    ToPort: SSH_PORT,
    ...(cidr.includes(':') ? { Ipv6Ranges: [{ CidrIpv6: cidr, Description: description }] } : { IpRanges: [{ CidrIp: cidr, Description: description }] }),
  };
}

/** The one source of a single-source permission. */
function sourceOf(permission: IpPermission): string {
  return permission.IpRanges?.[0]?.CidrIp ?? permission.Ipv6Ranges?.[0]?.CidrIpv6 ?? permission.PrefixListIds?.[0]?.PrefixListId ?? 'unknown source';
}

function portsOf(permission: IpPermission): string {
  const protocol = normalizeProtocol(permission.IpProtocol);
  if (protocol === '-1') return '';
  if (permission.FromPort === -1 || permission.FromPort === undefined) return '';
  return permission.FromPort === permission.ToPort ? ` ${permission.FromPort}` : ` ${permission.FromPort}-${permission.ToPort}`;
}

/** `tcp 0-65535 from 0.0.0.0/0`, `all traffic from ::/0`, `icmp from 0.0.0.0/0`. */
export function ruleText(permission: IpPermission): string {
  const protocol = normalizeProtocol(permission.IpProtocol);
  return `${protocol === '-1' ? 'all traffic' : protocol}${portsOf(permission)} from ${sourceOf(permission)}`;
}

function sameRule(a: IpPermission, b: IpPermission): boolean {
  return normalizeProtocol(a.IpProtocol) === normalizeProtocol(b.IpProtocol) && portsOf(a) === portsOf(b) && sourceOf(a) === sourceOf(b);
}

/** Whether the group already has exactly this rule (authorizing it again would fail as a duplicate). */
function isAllowed(existing: readonly IpPermission[], wanted: IpPermission): boolean {
  const source = sourceOf(wanted);
  return existing.some(
    (p) =>
      normalizeProtocol(p.IpProtocol) === normalizeProtocol(wanted.IpProtocol) &&
      portsOf(p) === portsOf(wanted) &&
      [...(p.IpRanges ?? []).map((r) => r.CidrIp), ...(p.Ipv6Ranges ?? []).map((r) => r.CidrIpv6)].includes(source),
  );
}

/**
 * A changed group's steps, in order (stopping at the first failure): the parts of wider rules that
 * stay allowed and the trusted sources first (each new rule tagged with the finding), then the
 * revoke, then the group's tags. No allowed traffic but SSH from the world is cut, even for a moment.
 */
export function groupSteps(group: GroupPlan): Step[] {
  const ref = { id: group.groupId };
  return [
    ...(group.authorize.length > 0
      ? [{ kind: 'authorize-ingress', group: ref, label: group.authorize.map((a) => a.text).join(', '), permissions: group.authorize.map((a) => a.permission), ruleTags: group.tags.filter((t) => t.Key === FINDING_TAG) } as const]
      : []),
    { kind: 'revoke-ingress', group: ref, label: group.revoke.map((r) => r.text).join(', '), permissions: group.revoke.map((r) => r.permission), restorePermissions: group.revoke.map((r) => r.restore ?? r.permission) },
    { kind: 'tag', resourceId: group.groupId, tags: group.tags },
  ];
}
