/**
 * The offline EC2 world of the simulator: the state that EC2 calls see, loaded from what the AWS
 * CLI prints (`aws ec2 describe-instances`, `describe-security-groups`, `describe-volumes`), and
 * changed by the mutating calls, so a second event in the same run sees what the first one did.
 *
 * It answers with EC2's own error codes (InvalidGroup.NotFound, InvalidPermission.Duplicate,
 * DryRunOperation...) and refuses, naming it, any operation or filter it does not model.
 */
import type { AutoScalingInstanceDetails } from '@aws-sdk/client-auto-scaling';
import type { Filter, Instance, IpPermission, NetworkInterface, PrefixListEntry, SecurityGroup, Snapshot, Tag, TagSpecification, Volume } from '@aws-sdk/client-ec2';
import { EC2ServiceException } from '@aws-sdk/client-ec2';
import { normalizeProtocol } from '../core/ip';

export class WorldFileError extends Error {
  constructor(file: string, problem: string) {
    super(`world file ${file}: ${problem}`);
    this.name = 'WorldFileError';
  }
}

/** An error as EC2 would return it: the SDK's exception class, `name` = EC2's error code. */
export function ec2Error(code: string, message: string): EC2ServiceException {
  return new EC2ServiceException({ name: code, $fault: 'client', message, $metadata: { httpStatusCode: 400 } });
}

type Input = Readonly<Record<string, unknown>>;
type Output = Record<string, unknown>;

interface State {
  instances: Instance[];
  securityGroups: SecurityGroup[];
  volumes: Volume[];
  autoScalingInstances: AutoScalingInstanceDetails[];
  snapshots: Snapshot[];
  /** Managed prefix lists by id: their entries (GetManagedPrefixListEntries) and MaxEntries (describe-managed-prefix-lists). */
  prefixLists: Record<string, { entries: PrefixListEntry[]; maxEntries?: number }>;
  /** Instance attributes DescribeInstances does not show (termination protection). */
  attributes: Record<string, Record<string, unknown>>;
  /** For ids of created resources: deterministic, so simulations repeat. */
  created: number;
}

export class Ec2World {
  private state: State;

  private constructor(state: State) {
    this.state = state;
  }

  static empty(): Ec2World {
    return new Ec2World({ instances: [], securityGroups: [], volumes: [], autoScalingInstances: [], snapshots: [], prefixLists: {}, attributes: {}, created: 0 });
  }

  /** Merges CLI outputs; a later resource with the same id replaces an earlier one. */
  static fromDocuments(documents: readonly { readonly file: string; readonly json: unknown }[]): Ec2World {
    const world = Ec2World.empty();
    for (const { file, json } of documents) {
      if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new WorldFileError(file, 'is not a JSON object');
      const doc = json as Record<string, unknown>;
      const known = ['Reservations', 'SecurityGroups', 'Volumes', 'AutoScalingInstances', 'PrefixLists'].filter((key) => key in doc);
      if (known.length === 0) {
        throw new WorldFileError(
          file,
          `has none of Reservations (describe-instances), SecurityGroups (describe-security-groups), Volumes (describe-volumes), AutoScalingInstances (autoscaling describe-auto-scaling-instances), PrefixLists (describe-managed-prefix-lists, each with its Entries); keys: ${Object.keys(doc).join(', ') || 'none'}`,
        );
      }
      const list = (key: string): Record<string, unknown>[] => {
        const value = doc[key] ?? [];
        if (!Array.isArray(value) || value.some((v) => typeof v !== 'object' || v === null)) throw new WorldFileError(file, `${key} is not a list of objects`);
        return value as Record<string, unknown>[];
      };
      const requireId = (key: string, idKey: string) => (item: Record<string, unknown>, i: number) => {
        if (typeof item[idKey] !== 'string') throw new WorldFileError(file, `${key}[${i}] has no ${idKey}`);
      };
      for (const [i, reservation] of list('Reservations').entries()) {
        const instances = reservation.Instances ?? [];
        if (!Array.isArray(instances)) throw new WorldFileError(file, `Reservations[${i}].Instances is not a list`);
        instances.forEach(requireId(`Reservations[${i}].Instances`, 'InstanceId'));
        world.upsert('instances', 'InstanceId', instances as Instance[]);
      }
      const groups = list('SecurityGroups');
      groups.forEach(requireId('SecurityGroups', 'GroupId'));
      world.upsert('securityGroups', 'GroupId', groups as SecurityGroup[]);
      const volumes = list('Volumes');
      volumes.forEach(requireId('Volumes', 'VolumeId'));
      world.upsert('volumes', 'VolumeId', volumes as Volume[]);
      const memberships = list('AutoScalingInstances');
      memberships.forEach(requireId('AutoScalingInstances', 'InstanceId'));
      for (const membership of memberships) {
        try {
          checkAutoScalingGroupName(String(membership.AutoScalingGroupName ?? ''));
        } catch (error) {
          throw new WorldFileError(file, `AutoScalingInstances: ${(error as Error).message}`);
        }
      }
      world.upsert('autoScalingInstances', 'InstanceId', memberships as unknown as AutoScalingInstanceDetails[]);
      for (const [i, prefixList] of list('PrefixLists').entries()) {
        requireId('PrefixLists', 'PrefixListId')(prefixList, i);
        // describe-managed-prefix-lists does not print entries: without them a list would read as
        // empty, and a world SSH entry as absent.
        const entries = prefixList.Entries;
        if (!Array.isArray(entries) || entries.some((e) => typeof e !== 'object' || e === null || typeof (e as PrefixListEntry).Cidr !== 'string')) {
          throw new WorldFileError(file, `PrefixLists[${i}] has no Entries list of {"Cidr": ...} (add what get-managed-prefix-list-entries prints for ${String(prefixList.PrefixListId)})`);
        }
        world.state.prefixLists[prefixList.PrefixListId as string] = {
          entries: structuredClone(entries as PrefixListEntry[]),
          ...(typeof prefixList.MaxEntries === 'number' && { maxEntries: prefixList.MaxEntries }),
        };
      }
    }
    return world;
  }

  /** Answers one Auto Scaling call, like `call` for EC2. */
  callAutoScaling(operation: string, input: Input): Output {
    const handler = AUTO_SCALING_OPERATIONS[operation];
    if (!handler) throw autoScalingError('UnsupportedOperation', `the offline world does not answer autoscaling:${operation} (it answers ${Object.keys(AUTO_SCALING_OPERATIONS).join(', ')})`);
    const next = structuredClone(this.state);
    const output = handler(next, input);
    this.state = next;
    return structuredClone(output);
  }

  /**
   * Answers one EC2 call. The output is a copy: callers cannot change the world behind its back.
   * With `DryRun: true` the call is tried on a scratch copy and ends, as in EC2, with
   * DryRunOperation when it would have succeeded.
   */
  call(operation: string, input: Input): Output {
    const handler = OPERATIONS[operation];
    if (!handler) {
      throw ec2Error('UnsupportedOperation', `the offline world does not answer ec2:${operation} (it answers ${Object.keys(OPERATIONS).join(', ')})`);
    }
    if (input.DryRun === true) {
      handler(structuredClone(this.state), input);
      throw ec2Error('DryRunOperation', 'Request would have succeeded, but DryRun flag is set.');
    }
    // Operations apply to a copy that replaces the state only on success: a failed call changes nothing.
    const next = structuredClone(this.state);
    const output = handler(next, input);
    this.state = next;
    return structuredClone(output);
  }

  private upsert<K extends 'instances' | 'securityGroups' | 'volumes' | 'autoScalingInstances'>(kind: K, idKey: string, items: readonly State[K][number][]): void {
    const list = this.state[kind] as Record<string, unknown>[];
    for (const item of items as unknown as Record<string, unknown>[]) {
      const index = list.findIndex((existing) => existing[idKey] === item[idKey]);
      if (index >= 0) list[index] = structuredClone(item);
      else list.push(structuredClone(item));
    }
  }
}

// ---------------------------------------------------------------------------------------------
// Operations

type Operation = (state: State, input: Input) => Output;

const OPERATIONS: Readonly<Record<string, Operation>> = {
  GetManagedPrefixListEntries: (state, input) => {
    const id = String(input.PrefixListId);
    const list = state.prefixLists[id];
    // No handler meets this: a rule cannot name a list that does not exist (DeleteManagedPrefixList:
    // "You must first remove all references to the prefix list in your resources").
    if (!list) throw ec2Error('InvalidPrefixListID.NotFound', `The prefix list ID '${id}' does not exist`);
    return page(list.entries, input, 'Entries', [1, 100]);
  },
  DescribeInstances: (state, input) => {
    const instances = select(state.instances, 'InstanceId', stringList(input.InstanceIds), 'InvalidInstanceID.NotFound', 'instance ID');
    const matching = applyFilters(instances, input.Filters, INSTANCE_FILTERS, 'DescribeInstances');
    // One reservation per instance is enough for every reader: callers flatten Reservations.
    return { Reservations: matching.map((instance) => ({ Instances: [instance] })) };
  },

  DescribeSecurityGroups: (state, input) => {
    const groups = select(state.securityGroups, 'GroupId', stringList(input.GroupIds), 'InvalidGroup.NotFound', 'security group');
    return page(applyFilters(groups, input.Filters, SECURITY_GROUP_FILTERS, 'DescribeSecurityGroups'), input, 'SecurityGroups');
  },

  DescribeVolumes: (state, input) => {
    const volumes = select(state.volumes, 'VolumeId', stringList(input.VolumeIds), 'InvalidVolume.NotFound', 'volume');
    return { Volumes: applyFilters(volumes, input.Filters, VOLUME_FILTERS, 'DescribeVolumes') };
  },

  DescribeNetworkInterfaces: (state, input) => {
    const interfaces = select(networkInterfacesOf(state), 'NetworkInterfaceId', stringList(input.NetworkInterfaceIds), 'InvalidNetworkInterfaceID.NotFound', 'network interface');
    return page(applyFilters(interfaces, input.Filters, NETWORK_INTERFACE_FILTERS, 'DescribeNetworkInterfaces'), input, 'NetworkInterfaces');
  },

  AuthorizeSecurityGroupIngress: (state, input) => changeRules(state, input, 'IpPermissions', 'add'),
  RevokeSecurityGroupIngress: (state, input) => changeRules(state, input, 'IpPermissions', 'remove'),
  AuthorizeSecurityGroupEgress: (state, input) => changeRules(state, input, 'IpPermissionsEgress', 'add'),
  RevokeSecurityGroupEgress: (state, input) => changeRules(state, input, 'IpPermissionsEgress', 'remove'),

  CreateTags: (state, input) => {
    const tags = (input.Tags as Tag[] | undefined) ?? [];
    for (const id of stringList(input.Resources) ?? []) {
      const resource = taggable(state, id);
      const kept = (resource.Tags ?? []).filter((t) => !tags.some((n) => n.Key === t.Key));
      resource.Tags = [...kept, ...tags.map((t) => ({ Key: t.Key, Value: t.Value ?? '' }))];
    }
    return {};
  },

  DeleteTags: (state, input) => {
    const tags = (input.Tags as Tag[] | undefined) ?? [];
    for (const id of stringList(input.Resources) ?? []) {
      const resource = taggable(state, id);
      // As in EC2: a tag given with a value is deleted only when the value matches.
      resource.Tags = (resource.Tags ?? []).filter((t) => !tags.some((d) => d.Key === t.Key && (d.Value === undefined || d.Value === t.Value)));
    }
    return {};
  },

  CreateSecurityGroup: (state, input) => {
    const vpcId = String(input.VpcId ?? '');
    const name = String(input.GroupName ?? '');
    if (!name) throw ec2Error('MissingParameter', 'GroupName is required');
    if (state.securityGroups.some((g) => g.VpcId === vpcId && g.GroupName === name)) {
      throw ec2Error('InvalidGroup.Duplicate', `The security group '${name}' already exists for VPC '${vpcId}'`);
    }
    const groupId = `sg-${offlineId(state)}`;
    // As EC2 does: a new group allows all outbound IPv4 traffic and no inbound traffic.
    state.securityGroups.push({
      GroupId: groupId,
      GroupName: name,
      Description: String(input.Description ?? ''),
      VpcId: vpcId,
      IpPermissions: [],
      IpPermissionsEgress: [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], PrefixListIds: [], UserIdGroupPairs: [] }],
      Tags: tagsFor('security-group', input.TagSpecifications),
    });
    return { GroupId: groupId };
  },

  ModifyInstanceAttribute: (state, input) => {
    const id = String(input.InstanceId ?? '');
    if (!state.instances.some((i) => i.InstanceId === id)) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    const attribute = Object.keys(input).find((k) => !['InstanceId', 'DryRun'].includes(k));
    if (attribute !== 'DisableApiTermination') throw ec2Error('UnsupportedOperation', 'the offline world models ModifyInstanceAttribute with DisableApiTermination only');
    (state.attributes[id] ??= {})[attribute] = (input[attribute] as { Value?: unknown } | undefined)?.Value;
    return {};
  },

  DescribeInstanceAttribute: (state, input) => {
    const id = String(input.InstanceId ?? '');
    if (!state.instances.some((i) => i.InstanceId === id)) throw ec2Error('InvalidInstanceID.NotFound', `The instance ID '${id}' does not exist`);
    if (input.Attribute !== 'disableApiTermination') throw ec2Error('UnsupportedOperation', 'the offline world models DescribeInstanceAttribute with disableApiTermination only');
    return { InstanceId: id, DisableApiTermination: { Value: state.attributes[id]?.DisableApiTermination === true } };
  },

  CreateSnapshot: (state, input) => {
    const volumeId = String(input.VolumeId ?? '');
    if (!state.volumes.some((v) => v.VolumeId === volumeId)) throw ec2Error('InvalidVolume.NotFound', `The volume '${volumeId}' does not exist.`);
    const snapshot: Snapshot = { SnapshotId: `snap-${offlineId(state)}`, VolumeId: volumeId, State: 'pending', Description: String(input.Description ?? ''), Tags: tagsFor('snapshot', input.TagSpecifications) };
    state.snapshots.push(snapshot);
    return { ...snapshot };
  },

  DescribeSnapshots: (state, input) => {
    const snapshots = select(state.snapshots, 'SnapshotId', stringList(input.SnapshotIds), 'InvalidSnapshot.NotFound', 'snapshot');
    return page(applyFilters(snapshots, input.Filters, { 'volume-id': (s) => [s.VolumeId] }, 'DescribeSnapshots'), input, 'Snapshots');
  },

  ModifyNetworkInterfaceAttribute: (state, input) => {
    const id = String(input.NetworkInterfaceId);
    const owner = state.instances.find((i) => (i.NetworkInterfaces ?? []).some((n) => n.NetworkInterfaceId === id));
    if (!owner) throw ec2Error('InvalidNetworkInterfaceID.NotFound', `The networkInterface ID '${id}' does not exist`);
    const groupIds = stringList(input.Groups);
    if (!groupIds) throw ec2Error('UnsupportedOperation', 'the offline world models ModifyNetworkInterfaceAttribute with Groups only');
    const groups = groupIds.map((groupId) => {
      const group = state.securityGroups.find((g) => g.GroupId === groupId);
      if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
      return { GroupId: groupId, GroupName: group.GroupName };
    });
    for (const networkInterface of owner.NetworkInterfaces ?? []) {
      if (networkInterface.NetworkInterfaceId === id) networkInterface.Groups = groups;
    }
    // The instance's SecurityGroups are those of all its interfaces, as DescribeInstances reports them.
    const all = (owner.NetworkInterfaces ?? []).flatMap((n) => n.Groups ?? []);
    owner.SecurityGroups = all.filter((g, i) => all.findIndex((o) => o.GroupId === g.GroupId) === i);
    return {};
  },
};

const AUTO_SCALING_OPERATIONS: Readonly<Record<string, Operation>> = {
  DescribeAutoScalingInstances: (state, input) => {
    const ids = stringList(input.InstanceIds);
    return { AutoScalingInstances: state.autoScalingInstances.filter((m) => !ids || ids.includes(String(m.InstanceId))) };
  },
  DetachInstances: (state, input) => {
    const group = String(input.AutoScalingGroupName ?? '');
    checkAutoScalingGroupName(group);
    for (const id of stringList(input.InstanceIds) ?? []) {
      const index = state.autoScalingInstances.findIndex((m) => m.InstanceId === id && m.AutoScalingGroupName === group);
      if (index < 0) throw autoScalingError('ValidationError', `The instance ${id} is not part of Auto Scaling group ${group}.`);
      // Amazon EC2 Auto Scaling User Guide, "Detach or attach instances": only InService or Standby
      // instances, or warm-pool ones when the desired capacity is kept. (A world file without the
      // state: detached.)
      const lifecycle = state.autoScalingInstances[index].LifecycleState;
      const allowed = lifecycle === undefined || lifecycle === 'InService' || lifecycle === 'Standby' || (lifecycle.startsWith('Warmed:') && input.ShouldDecrementDesiredCapacity === false);
      if (!allowed) {
        throw autoScalingError('ValidationError', `The instance ${id} is not in InService or Standby (${String(lifecycle)}).`);
      }
      state.autoScalingInstances.splice(index, 1);
    }
    return { Activities: [] };
  },
};

/**
 * Auto Scaling group names: 1-255 printable ASCII characters (33-126) without ':', which separates
 * the parts of the group's ARN. Quotes, `;`, `$( )` and backticks are allowed, and the restore
 * commands quote them; names with spaces, control characters or unicode are refused here, so the
 * simulator never shows a detach Lambda could not make.
 */
function checkAutoScalingGroupName(name: string): void {
  if (!/^[\x21-\x39\x3b-\x7e]{1,255}$/.test(name)) throw autoScalingError('ValidationError', `1 validation error detected: Value '${name.slice(0, 80)}' at 'autoScalingGroupName' failed to satisfy constraint`);
}

function autoScalingError(code: string, message: string): Error {
  return Object.assign(new Error(message), { name: code, $fault: 'client' });
}

/** 17 hex digits, as EC2 ids have, counting up. */
function offlineId(state: State): string {
  state.created += 1;
  return `0ff11e${state.created.toString(16).padStart(11, '0')}`;
}

function tagsFor(resourceType: string, specifications: unknown): Tag[] {
  return ((specifications as TagSpecification[] | undefined) ?? []).filter((s) => s.ResourceType === resourceType).flatMap((s) => s.Tags ?? []);
}

// ---------------------------------------------------------------------------------------------
// Security group rules

type RuleList = 'IpPermissions' | 'IpPermissionsEgress';

/** The sources a permission can have, each with the field that identifies it. */
const SOURCES = [
  ['IpRanges', 'CidrIp'],
  ['Ipv6Ranges', 'CidrIpv6'],
  ['UserIdGroupPairs', 'GroupId'],
  ['PrefixListIds', 'PrefixListId'],
] as const;

function changeRules(state: State, input: Input, list: RuleList, change: 'add' | 'remove'): Output {
  const groupId = String(input.GroupId ?? '');
  const group = state.securityGroups.find((g) => g.GroupId === groupId);
  if (!group) throw ec2Error('InvalidGroup.NotFound', `The security group '${groupId}' does not exist`);
  if (input.SecurityGroupRuleIds !== undefined || input.CidrIp !== undefined) {
    throw ec2Error('UnsupportedOperation', 'the offline world models security group rule changes given as IpPermissions only');
  }
  const requested = (input.IpPermissions as IpPermission[] | undefined) ?? [];
  if (requested.length === 0) throw ec2Error('MissingParameter', 'IpPermissions is required');
  const rules = (group[list] ??= []);
  for (const permission of requested) {
    const key = ruleKey(permission);
    let target = rules.find((r) => ruleKey(r) === key);
    for (const [field, idField] of SOURCES) {
      for (const source of (permission[field] ?? []) as Record<string, unknown>[]) {
        const existing = ((target?.[field] ?? []) as Record<string, unknown>[]).findIndex((s) => s[idField] === source[idField]);
        const description = `peer: ${String(source[idField])}, ${key.replace(/\|/g, ', ')}`;
        if (change === 'add') {
          if (existing >= 0) throw ec2Error('InvalidPermission.Duplicate', `the specified rule "${description}" already exists`);
          target ??= pushRule(rules, permission);
          ((target[field] ??= []) as Record<string, unknown>[]).push({ ...source });
        } else {
          if (existing < 0 || !target) throw ec2Error('InvalidPermission.NotFound', `The specified rule "${description}" does not exist in this security group.`);
          (target[field] as Record<string, unknown>[]).splice(existing, 1);
        }
      }
    }
  }
  group[list] = rules.filter((r) => SOURCES.some(([field]) => (r[field] ?? []).length > 0));
  if (change === 'add') checkRuleQuota(state, group[list], list);
  return { Return: true };
}

/**
 * Amazon VPC quotas, "Inbound or outbound rules per security group": 60 by default, enforced apart
 * for inbound and outbound rules and apart for IPv4 and IPv6; a rule that references a security
 * group counts once for each family, and one that references a prefix list counts as the list's
 * maximum entries (https://docs.aws.amazon.com/vpc/latest/userguide/amazon-vpc-limits.html). The
 * world applies the default: it cannot know an account's raised quota.
 */
const RULES_PER_SECURITY_GROUP = 60;

function checkRuleQuota(state: State, rules: readonly IpPermission[], list: RuleList): void {
  const count = (field: 'IpRanges' | 'Ipv6Ranges') =>
    rules.reduce(
      (total, rule) =>
        total +
        (rule[field] ?? []).length +
        (rule.UserIdGroupPairs ?? []).length +
        (rule.PrefixListIds ?? []).reduce((weight, { PrefixListId }) => weight + prefixListWeight(state, PrefixListId), 0),
      0,
    );
  for (const [field, family] of [['IpRanges', 'IPv4'], ['Ipv6Ranges', 'IPv6']] as const) {
    if (count(field) > RULES_PER_SECURITY_GROUP) {
      throw ec2Error('RulesPerSecurityGroupLimitExceeded', `The maximum number of rules per security group has been reached (${RULES_PER_SECURITY_GROUP} ${list === 'IpPermissions' ? 'inbound' : 'outbound'} ${family} rules).`);
    }
  }
}

/** What a prefix-list reference counts for: the list's maximum entries, else its entries, else 1 (a list the world does not know). */
function prefixListWeight(state: State, id: string | undefined): number {
  const list = id === undefined ? undefined : state.prefixLists[id];
  return list ? (list.maxEntries ?? Math.max(1, list.entries.length)) : 1;
}

function pushRule(rules: IpPermission[], permission: IpPermission): IpPermission {
  const protocol = normalizeProtocol(permission.IpProtocol);
  const rule: IpPermission = { IpProtocol: protocol, IpRanges: [], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] };
  if (protocol !== '-1') Object.assign(rule, { FromPort: permission.FromPort, ToPort: permission.ToPort });
  rules.push(rule);
  return rule;
}


/** Protocol and port range: what makes two permissions the same rule. All traffic has no ports. */
function ruleKey(permission: IpPermission): string {
  const protocol = normalizeProtocol(permission.IpProtocol);
  return protocol === '-1' ? '-1' : `${protocol}|${permission.FromPort ?? ''}|${permission.ToPort ?? ''}`;
}

// ---------------------------------------------------------------------------------------------
// Lookup and filters

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.map(String) : undefined;
}

/** Resources by id, in the order asked; an unknown id fails the whole call, as in EC2. */
function select<T>(items: T[], idKey: keyof T, ids: string[] | undefined, notFound: string, noun: string): T[] {
  if (!ids || ids.length === 0) return items;
  return ids.map((id) => {
    const item = items.find((i) => i[idKey] === id);
    if (!item) throw ec2Error(notFound, `The ${noun} '${id}' does not exist`);
    return item;
  });
}

function taggable(state: State, id: string): { Tags?: Tag[] } {
  const resource =
    state.instances.find((i) => i.InstanceId === id) ??
    state.securityGroups.find((g) => g.GroupId === id) ??
    state.volumes.find((v) => v.VolumeId === id) ??
    state.snapshots.find((s) => s.SnapshotId === id);
  if (resource) return resource;
  const [code, noun] = id.startsWith('sg-') ? ['InvalidGroup.NotFound', 'security group'] : id.startsWith('vol-') ? ['InvalidVolume.NotFound', 'volume'] : ['InvalidID', 'resource'];
  throw ec2Error(code, `The ${noun} '${id}' does not exist`);
}

/** Each supported filter name gives the values of a resource that the filter's values are matched against. */
type FilterFields<T> = Readonly<Record<string, (item: T) => readonly (string | undefined)[]>>;

/** Instances, groups and volumes call them Tags; network interfaces, TagSet. */
const tagsOf = (item: { Tags?: Tag[]; TagSet?: Tag[] }): Tag[] => item.Tags ?? item.TagSet ?? [];

const INSTANCE_FILTERS: FilterFields<Instance> = {
  'instance-id': (i) => [i.InstanceId],
  'instance-state-name': (i) => [i.State?.Name],
  'vpc-id': (i) => [i.VpcId],
  'subnet-id': (i) => [i.SubnetId],
  'instance.group-id': (i) => (i.SecurityGroups ?? []).map((g) => g.GroupId),
  'network-interface.group-id': (i) => (i.NetworkInterfaces ?? []).flatMap((n) => (n.Groups ?? []).map((g) => g.GroupId)),
  'network-interface.network-interface-id': (i) => (i.NetworkInterfaces ?? []).map((n) => n.NetworkInterfaceId),
};

const SECURITY_GROUP_FILTERS: FilterFields<SecurityGroup> = {
  'group-id': (g) => [g.GroupId],
  'group-name': (g) => [g.GroupName],
  'vpc-id': (g) => [g.VpcId],
};

const VOLUME_FILTERS: FilterFields<Volume> = {
  'volume-id': (v) => [v.VolumeId],
  'attachment.instance-id': (v) => (v.Attachments ?? []).map((a) => a.InstanceId),
};

const NETWORK_INTERFACE_FILTERS: FilterFields<NetworkInterface> = {
  'network-interface-id': (n) => [n.NetworkInterfaceId],
  'group-id': (n) => (n.Groups ?? []).map((g) => g.GroupId),
  'vpc-id': (n) => [n.VpcId],
  'attachment.instance-id': (n) => [n.Attachment?.InstanceId],
};

/**
 * One page of a call's items, as EC2 pages them: without MaxResults, every item; with it, at most
 * that many and a NextToken while more remain (here the next item's index, an opaque string to the
 * caller). The describe calls take MaxResults from 5 to 1,000, GetManagedPrefixListEntries from 1
 * to 100 (Amazon EC2 API Reference).
 */
function page<K extends string, T>(items: T[], input: Record<string, unknown>, key: K, [min, max] = [5, 1000]): Record<K, T[]> & { NextToken?: string } {
  const start = typeof input.NextToken === 'string' ? Number(input.NextToken) : 0;
  // EC2's generic code for a value it rejects; the offline world accepts only the tokens it gave.
  if (!Number.isInteger(start) || start < 0 || start > items.length) throw ec2Error('InvalidParameterValue', `NextToken '${String(input.NextToken)}' was not given by this world`);
  if (input.MaxResults !== undefined && !(Number.isInteger(input.MaxResults) && (input.MaxResults as number) >= min && (input.MaxResults as number) <= max)) {
    throw ec2Error('InvalidParameterValue', `MaxResults must be between ${min} and ${max}, not ${String(input.MaxResults)}`);
  }
  const size = typeof input.MaxResults === 'number' ? input.MaxResults : items.length;
  const end = Math.min(items.length, start + size);
  return { [key]: items.slice(start, end), ...(end < items.length && { NextToken: String(end) }) } as Record<K, T[]> & { NextToken?: string };
}

/** Network interfaces as DescribeNetworkInterfaces reports them, derived from the instances that hold them. */
function networkInterfacesOf(state: State): NetworkInterface[] {
  return state.instances.flatMap((instance) =>
    (instance.NetworkInterfaces ?? []).map((n) => ({
      NetworkInterfaceId: n.NetworkInterfaceId,
      Groups: n.Groups,
      VpcId: n.VpcId,
      SubnetId: n.SubnetId,
      PrivateIpAddress: n.PrivateIpAddress,
      Status: n.Status,
      Attachment: { InstanceId: instance.InstanceId, DeviceIndex: n.Attachment?.DeviceIndex, Status: n.Attachment?.Status },
    })),
  );
}

/** EC2 filter semantics: filters AND together, values of one filter OR; `*` and `?` are wildcards; tag:<key> and tag-key on every kind. */
function applyFilters<T extends { Tags?: Tag[] } | { TagSet?: Tag[] }>(items: T[], filters: unknown, fields: FilterFields<T>, operation: string): T[] {
  const list = (filters as Filter[] | undefined) ?? [];
  const predicates = list.map((filter) => {
    const name = String(filter.Name);
    const patterns = (filter.Values ?? []).map(wildcardToRegExp);
    let values: (item: T) => readonly (string | undefined)[];
    if (name.startsWith('tag:')) values = (item) => tagsOf(item).filter((t) => t.Key === name.slice(4)).map((t) => t.Value);
    else if (name === 'tag-key') values = (item) => tagsOf(item).map((t) => t.Key);
    else if (fields[name]) values = fields[name];
    else throw ec2Error('InvalidParameterValue', `the offline world does not support the filter '${name}' for ${operation} (it supports ${[...Object.keys(fields), 'tag:<key>', 'tag-key'].join(', ')})`);
    return (item: T) => values(item).some((v) => v !== undefined && patterns.some((p) => p.test(v)));
  });
  return items.filter((item) => predicates.every((matches) => matches(item)));
}

function wildcardToRegExp(value: string): RegExp {
  const escaped = value.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${escaped}$`);
}
