import { GUARDDUTY_WRITE_OPERATION_NAMES } from './guardduty-operations';
import type { SettingName } from './settings';
import { PREVIOUS_GROUPS_TAG_PREFIX, TAG_KEYS } from './tags';

/**
 * The playbook catalog: the one list of what guardduty-response responds to.
 *
 * EventBridge patterns, Lambda functions, IAM grants, the accepted `playbook:<id>` context flags,
 * the README's playbook table and the simulator's routing are all derived from this table.
 * Pure data and types: no aws-cdk-lib import, so Lambda bundles and the simulator can read it.
 */

/**
 * How specific a playbook's claim is. A finding is alerted by exactly one enabled playbook:
 * the `specific` one that claims it; else the `response` one (a remediation over whole families
 * of types, such as isolation); else the `family` one; else the `fallback`.
 */
export const TIERS = ['specific', 'response', 'family', 'fallback'] as const;
export type Tier = (typeof TIERS)[number];

/**
 * One IAM grant of a remediation handler, scoped as tightly as the Service Authorization Reference
 * (SAR, "Actions, resources, and condition keys for Amazon EC2" and "... Amazon EC2 Auto Scaling")
 * lets IAM check it. The function's role and the handler's member role get exactly these.
 */
export interface Ec2Permission {
  readonly actions: readonly string[];
  /** `*` where the action supports no resource-level permission, else the resource types of the ARNs (any region, own account). */
  readonly resources: '*' | readonly ResourceKind[];
  /** aws:TagKeys: only these keys (IAM StringLike patterns) may be written. */
  readonly tagKeys?: readonly string[];
  /** ec2:CreateAction: tags may be written only by this creating action (tag on create), never on an existing resource. */
  readonly createAction?: string;
  /** aws:ResourceTag/<key> must be present: only resources carrying this tag may be changed. */
  readonly resourceTag?: string;
  /** aws:RequestTag/<key> must be present: the request must write this tag on what it creates. */
  readonly requestTag?: string;
  /**
   * Resource kinds the action only refers to and does not change (the groups an interface is put
   * in, the VPC a group is created in, the volume a snapshot is taken of). The Deny on excluded
   * resources does not cover them: putting an interface back into its own group that carries the
   * exclusion tag must never be refused, or a failed isolation would leave it in the untracked group.
   */
  readonly referencedOnly?: readonly ResourceKind[];
  /** Why this grant (and what IAM cannot narrow further): shown in the README and kept beside each cdk-nag acknowledgement. */
  readonly why: string;
}

/** The ARN resource types grants are scoped to (EC2 ones, and the Auto Scaling group). */
export type ResourceKind = 'security-group' | 'security-group-rule' | 'instance' | 'network-interface' | 'subnet' | 'volume' | 'snapshot' | 'vpc' | 'autoScalingGroup';

/**
 * The ARN of every resource of a kind in `account`, any region, written from the SAR's resource
 * types table. Snapshot ARNs carry no account (`arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}`).
 */
export function arnPatternOf(kind: ResourceKind, partition: string, account: string): string {
  if (kind === 'autoScalingGroup') return `arn:${partition}:autoscaling:*:${account}:autoScalingGroup:*:autoScalingGroupName/*`;
  if (kind === 'snapshot') return `arn:${partition}:ec2:*::snapshot/*`;
  return `arn:${partition}:ec2:*:${account}:${kind}/*`;
}

/** Read-only actions: everything else a handler calls changes something, and is denied on excluded resources. */
export function isMutating(action: string): boolean {
  return !/^[a-z0-9-]+:(Describe|List|Get)/.test(action);
}

interface HandlerSpec {
  /** The settings the handler reads (core/settings.ts): its function gets exactly these. */
  readonly settings?: readonly SettingName[];
  /** Takes a lock per instance in the finding-state table while it changes the instance (lambdas/shared/instance-lock.ts). */
  readonly locksInstances?: boolean;
  /** Set for remediation handlers: what they call in EC2 (their role, and the member role, get exactly this). */
  readonly ec2Permissions?: readonly Ec2Permission[];
}

/** Handlers are the code under `lambdas/<handler>/index.ts`; several playbooks may share one. */
export const HANDLERS = {
  notify: {
  },
  tamper: {
  },
  digest: {
  },
  'revoke-ssh': {
    settings: ['dryRun', 'exclusionTag', 'memberRoleName', 'trustedSshCidrs', 'securityAccountId'],
    ec2Permissions: [
      {
        actions: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeNetworkInterfaces', 'ec2:GetManagedPrefixListEntries'],
        resources: '*',
        why: 'reads the instance, its security groups, the interfaces sharing them and the entries of prefix lists its SSH rules name (any list, AWS-managed ones too); EC2 Describe actions support no resource-level permissions',
      },
      {
        actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:RevokeSecurityGroupIngress'],
        resources: ['security-group'],
        why: 'replaces and revokes ingress rules, on security groups only (any group: the instance\'s groups are not ours)',
      },
      {
        actions: ['ec2:AuthorizeSecurityGroupIngress'],
        resources: ['security-group-rule'],
        requestTag: TAG_KEYS.finding,
        why: `every rule it adds carries ${TAG_KEYS.finding} (aws:RequestTag on security-group-rule; IAM enforces it only when the request has TagSpecifications, which ours always has)`,
      },
      {
        actions: ['ec2:CreateTags'],
        resources: ['security-group-rule'],
        tagKeys: [TAG_KEYS.finding],
        createAction: 'AuthorizeSecurityGroupIngress',
        why: 'tags the rules it adds, when it adds them (ec2:CreateAction)',
      },
      {
        actions: ['ec2:CreateTags'],
        resources: ['security-group'],
        tagKeys: [TAG_KEYS.remediation, TAG_KEYS.finding, TAG_KEYS.revoked],
        why: `tags the changed security groups with ${TAG_KEYS.remediation}, ${TAG_KEYS.finding} and ${TAG_KEYS.revoked} (the rules it revoked) only (aws:TagKeys)`,
      },
    ],
  },
  isolate: {
    locksInstances: true,
    settings: ['dryRun', 'exclusionTag', 'memberRoleName', 'isolateSnapshots', 'securityAccountId'],
    ec2Permissions: [
      {
        actions: ['ec2:DescribeInstances', 'ec2:DescribeSecurityGroups', 'ec2:DescribeInstanceAttribute', 'ec2:DescribeSnapshots', 'autoscaling:DescribeAutoScalingInstances'],
        resources: '*',
        why: 'reads the instance, the isolation groups of its VPC, its Auto Scaling group and the evidence already kept (termination protection, snapshots); Describe actions support no resource-level permissions',
      },
      {
        actions: ['ec2:CreateSecurityGroup'],
        resources: ['vpc'],
        referencedOnly: ['vpc'],
        why: 'creates the isolation and untracked groups of a VPC the first time, in any VPC',
      },
      {
        actions: ['ec2:CreateSecurityGroup'],
        resources: ['security-group'],
        requestTag: TAG_KEYS.isolationRole,
        why: `only groups tagged ${TAG_KEYS.isolationRole} when created (aws:RequestTag)`,
      },
      {
        actions: ['ec2:CreateTags'],
        resources: ['security-group'],
        tagKeys: [TAG_KEYS.isolationRole],
        createAction: 'CreateSecurityGroup',
        why: `writes ${TAG_KEYS.isolationRole} only when it creates the group (ec2:CreateAction), so no existing group can be made one the next grant may change`,
      },
      {
        actions: ['ec2:AuthorizeSecurityGroupIngress', 'ec2:AuthorizeSecurityGroupEgress', 'ec2:RevokeSecurityGroupIngress', 'ec2:RevokeSecurityGroupEgress'],
        resources: ['security-group'],
        resourceTag: TAG_KEYS.isolationRole,
        why: `sets the rules of this stack's own isolation and untracked groups only (aws:ResourceTag/${TAG_KEYS.isolationRole})`,
      },
      {
        actions: ['ec2:ModifyNetworkInterfaceAttribute'],
        resources: ['network-interface', 'security-group', 'instance', 'subnet'],
        referencedOnly: ['security-group', 'subnet'],
        why: 'moves the interfaces to the untracked, then the isolation group (and back, when the second move fails); IAM cannot limit the groups, because the way back is to the instance\'s own groups',
      },
      {
        actions: ['ec2:ModifyInstanceAttribute'],
        resources: ['instance'],
        why: 'turns termination protection on; the SAR lists ec2:Attribute for this action but AWS documents no value for disableApiTermination, so IAM is not asked to narrow it (a wrong value would refuse the call)',
      },
      {
        actions: ['ec2:CreateSnapshot'],
        resources: ['volume'],
        referencedOnly: ['volume'],
        why: 'snapshots the volumes as evidence (the instance is checked for the exclusion tag; a volume is only read)',
      },
      {
        actions: ['ec2:CreateSnapshot'],
        resources: ['snapshot'],
        requestTag: TAG_KEYS.finding,
        why: `only snapshots tagged ${TAG_KEYS.finding} when created (aws:RequestTag)`,
      },
      {
        actions: ['ec2:CreateTags'],
        resources: ['snapshot'],
        tagKeys: [TAG_KEYS.finding, TAG_KEYS.evidenceOf],
        createAction: 'CreateSnapshot',
        why: 'tags the evidence snapshots when it creates them (ec2:CreateAction)',
      },
      {
        actions: ['ec2:CreateTags'],
        resources: ['instance'],
        tagKeys: [`${PREVIOUS_GROUPS_TAG_PREFIX}eni-*`, TAG_KEYS.isolatedAt, TAG_KEYS.finding, TAG_KEYS.autoScalingGroup],
        why: 'records the previous groups of each interface, the time, the finding and the Auto Scaling group on the instance, with these keys only',
      },
      {
        actions: ['autoscaling:DetachInstances'],
        resources: ['autoScalingGroup'],
        why: 'detaches the instance from its Auto Scaling group (without decrementing the desired capacity)',
      },
    ],
  },
} as const satisfies Readonly<Record<string, HandlerSpec>>;
export type HandlerName = keyof typeof HANDLERS;
/** Every handler, each a folder `lambdas/<name>/` with an `index.ts` entry. */
export const HANDLER_NAMES = Object.keys(HANDLERS) as HandlerName[];

/**
 * What every remediation function's own role may read in GuardDuty, to act only on findings
 * GuardDuty confirms (lambdas/shared/verify.ts). Security account only: member roles get nothing
 * of it. Neither action supports resource-level permissions (SAR, Amazon GuardDuty).
 */
export const VERIFY_FINDING_PERMISSION: Ec2Permission = {
  actions: ['guardduty:ListDetectors', 'guardduty:GetFindings'],
  resources: '*',
  why: 'reads the finding back from GuardDuty before any change (acts only on what GuardDuty confirms); these GuardDuty actions support no resource-level permissions',
};

/** Handlers that change AWS resources, and so have member roles. */
export const REMEDIATION_HANDLERS = (Object.keys(HANDLERS) as HandlerName[]).filter((h) => ((HANDLERS[h] as HandlerSpec).ec2Permissions ?? []).length > 0);

/**
 * The member role a remediation handler assumes in member accounts: one per handler, so that each
 * function can do there exactly what its handler does and nothing of the other's.
 */
export function memberRoleNameOf(prefix: string, handler: HandlerName): string {
  return `${prefix}-${handler}`;
}

/** The IAM path of a remediation handler's function roles: its member role trusts exactly the roles under it. */
export function remediationRolePathOf(handler: HandlerName): string {
  return `/guardduty-response/remediation/${handler}/`;
}

export function settingsOf(handler: HandlerName): readonly SettingName[] {
  return (HANDLERS[handler] as HandlerSpec).settings ?? [];
}

export function locksInstances(handler: HandlerName): boolean {
  return (HANDLERS[handler] as HandlerSpec).locksInstances === true;
}

export function ec2PermissionsOf(handler: HandlerName): readonly Ec2Permission[] {
  const spec: HandlerSpec = HANDLERS[handler];
  return spec.ec2Permissions ?? [];
}

interface PlaybookCommon {
  /** kebab-case; also the context flag `playbook:<id>`, the rule description prefix and the function name suffix. */
  readonly id: string;
  readonly title: string;
  /** One sentence for the README: what it claims and what it does. */
  readonly summary: string;
  readonly handler: HandlerName;
  readonly enabledByDefault: boolean;
}

/** A playbook for GuardDuty findings ("GuardDuty Finding" events). */
export interface FindingPlaybook extends PlaybookCommon {
  readonly trigger: 'finding';
  readonly tier: Tier;
  /**
   * GuardDuty finding types claimed, as EventBridge wildcard patterns over `detail.type`
   * (`*` = any run of characters; no other special character occurs in type names).
   * Empty for the fallback, which claims whatever no enabled playbook claims.
   */
  readonly findingTypes: readonly string[];
  /**
   * A further condition on the finding, as an EventBridge match on one field of `detail`:
   * the field's path and the values that claim it (any element, for arrays).
   */
  readonly where?: { readonly path: readonly string[]; readonly values: readonly (string | number)[]; readonly text: string };
  /** The remediation setting that gives the lowest severity this playbook claims (below it, the finding goes on to lower tiers). */
  readonly severityFloor?: 'isolateMinSeverity';
}

/** A playbook for API calls recorded by CloudTrail ("AWS API Call via CloudTrail" events). */
export interface ApiCallPlaybook extends PlaybookCommon {
  readonly trigger: 'api-call';
  /** The EventBridge `source` and CloudTrail `eventSource` of the calls. */
  readonly source: string;
  readonly eventSource: string;
  /** CloudTrail eventNames matched, exactly. */
  readonly eventNames: readonly string[];
}

export type Playbook = FindingPlaybook | ApiCallPlaybook;

/** The threat purposes that make up "S3 findings" (the `:S3/` types other than attack sequences and malware scans). */
const S3_FINDING_PURPOSES = ['Discovery', 'Exfiltration', 'Impact', 'PenTest', 'Policy', 'Stealth', 'UnauthorizedAccess'] as const;

export const PLAYBOOKS = [
  {
    id: 'iam-cloudtrail-logging-disabled',
    title: 'CloudTrail logging disabled',
    summary: 'Alerts when a principal turns CloudTrail logging off (a classic first step to hide activity).',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Stealth:IAMUser/CloudTrailLoggingDisabled'],
  },
  {
    id: 'iam-password-policy-change',
    title: 'Account password policy weakened',
    summary: 'Alerts when the account password policy is weakened.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Stealth:IAMUser/PasswordPolicyChange'],
  },
  {
    id: 's3-iam-malicious-ip-caller',
    title: 'S3 or IAM API called from a malicious IP address',
    summary: 'Alerts on every S3 and IAMUser MaliciousIPCaller type, including the `.Custom` (your threat list) variants.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['*:S3/MaliciousIPCaller*', '*:IAMUser/MaliciousIPCaller*'],
  },
  {
    id: 'iam-findings',
    title: 'IAM credential findings',
    summary: 'Alerts on every IAMUser finding type not claimed by a more specific enabled playbook.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'family',
    findingTypes: ['*:IAMUser/*'],
  },
  {
    id: 'ec2-metadata-dns-rebind',
    title: 'EC2 instance metadata DNS rebinding',
    summary: 'Alerts when an instance resolves a domain that points at the instance metadata service.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['UnauthorizedAccess:EC2/MetadataDNSRebind'],
  },
  {
    id: 'ec2-traffic-unusual',
    title: 'EC2 unusual traffic volume',
    summary: 'Alerts when an instance sends an unusually large volume of traffic to a remote host.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Behavior:EC2/TrafficVolumeUnusual'],
  },
  {
    id: 'ec2-spambot',
    title: 'EC2 instance sending spam',
    summary: 'Alerts when an instance talks SMTP in a way that suggests it sends spam.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Backdoor:EC2/Spambot'],
  },
  {
    id: 'ec2-network-port-unusual',
    title: 'EC2 unusual network port',
    summary: 'Alerts when an instance talks to a remote port it has not used before.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Behavior:EC2/NetworkPortUnusual'],
  },
  {
    id: 'ec2-port-scan',
    title: 'EC2 instance port scanning',
    summary: 'Alerts when an instance probes ports on many hosts.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Recon:EC2/Portscan'],
  },
  {
    id: 'ec2-malicious-ip-caller',
    title: 'EC2 instance talks to an address on your threat list',
    summary: 'Alerts when an instance talks to an address on a custom threat list.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['UnauthorizedAccess:EC2/MaliciousIPCaller.Custom'],
  },
  {
    id: 'revoke-ssh-ingress',
    title: 'Close SSH open to the world on a probed instance',
    summary: 'When a known malicious host probes port 22 of an instance, closes TCP 22 to the world on its security groups (and allows trustedSshCidrs).',
    handler: 'revoke-ssh',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['Recon:EC2/PortProbeUnprotectedPort'],
    where: { path: ['service', 'action', 'portProbeAction', 'portProbeDetails', 'localPortDetails', 'port'], values: [22], text: 'a probed local port is 22' },
  },
  {
    id: 'revoke-ssh-ingress-bruteforce',
    title: 'Close SSH open to the world on an instance under SSH brute force',
    summary: 'When an instance is the TARGET of SSH brute force, closes TCP 22 to the world on its security groups (off by default: brute force is common noise on any open SSH).',
    handler: 'revoke-ssh',
    enabledByDefault: false,
    trigger: 'finding',
    tier: 'specific',
    findingTypes: ['UnauthorizedAccess:EC2/SSHBruteForce'],
    where: { path: ['service', 'resourceRole'], values: ['TARGET'], text: 'the instance is the TARGET' },
  },
  {
    id: 'isolate-instance',
    title: 'Isolate a compromised EC2 instance and keep the evidence',
    summary:
      'When an instance talks to command and control, mines crypto or runs a trojan (at or above isolateMinSeverity), isolates it from the network, keeps it running and protected, and snapshots its volumes (off by default: it is disruptive).',
    handler: 'isolate',
    enabledByDefault: false,
    trigger: 'finding',
    tier: 'response',
    findingTypes: ['Backdoor:EC2/*', 'CryptoCurrency:EC2/*', 'Trojan:EC2/*', 'Backdoor:Runtime/*', 'CryptoCurrency:Runtime/*', 'Execution:Runtime/*'],
    where: { path: ['resource', 'resourceType'], values: ['Instance'], text: 'the resource is an EC2 instance' },
    severityFloor: 'isolateMinSeverity',
  },
  {
    id: 's3-findings',
    title: 'S3 findings',
    summary: `Alerts on every S3 finding type of the ${S3_FINDING_PURPOSES.join(', ')} purposes not claimed by a more specific enabled playbook.`,
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'family',
    findingTypes: S3_FINDING_PURPOSES.map((purpose) => `${purpose}:S3/*`),
  },
  {
    id: 'all-other-findings',
    title: 'All other findings',
    summary: 'Alerts on every finding no enabled playbook claims, including types GuardDuty adds after this release.',
    handler: 'notify',
    enabledByDefault: true,
    trigger: 'finding',
    tier: 'fallback',
    findingTypes: [],
  },
  {
    id: 'guardduty-config-change',
    title: 'GuardDuty configuration changed',
    summary:
      'Alerts on every state-changing GuardDuty API call recorded by CloudTrail (detector disabled or deleted, trusted IP lists, archive filters, members, exports...), failed attempts included, with a severity decided from the request.',
    handler: 'tamper',
    enabledByDefault: true,
    trigger: 'api-call',
    source: 'aws.guardduty',
    eventSource: 'guardduty.amazonaws.com',
    eventNames: GUARDDUTY_WRITE_OPERATION_NAMES,
  },
] as const satisfies readonly Playbook[];

export type PlaybookId = (typeof PLAYBOOKS)[number]['id'];

export const PLAYBOOK_IDS: readonly PlaybookId[] = PLAYBOOKS.map((p) => p.id);

type CatalogEntry = (typeof PLAYBOOKS)[number];
/** Remediation playbooks: those whose handler changes AWS resources. */
export function isRemediation(playbook: Pick<Playbook, 'handler'>): boolean {
  return ec2PermissionsOf(playbook.handler).length > 0;
}

export const FINDING_PLAYBOOKS = PLAYBOOKS.filter((p): p is Extract<CatalogEntry, { trigger: 'finding' }> => p.trigger === 'finding');
export const API_CALL_PLAYBOOKS = PLAYBOOKS.filter((p): p is Extract<CatalogEntry, { trigger: 'api-call' }> => p.trigger === 'api-call');

export function playbookById(id: PlaybookId): Playbook {
  const playbook = PLAYBOOKS.find((p) => p.id === id);
  if (!playbook) throw new Error(`unknown playbook '${id}'`);
  return playbook;
}

export function isPlaybookId(id: string): id is PlaybookId {
  return (PLAYBOOK_IDS as readonly string[]).includes(id);
}
