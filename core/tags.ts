/**
 * Every tag key guardduty-response writes or reads on AWS resources, in one place: the plans
 * write them, the catalog's IAM grants allow exactly these keys (and no other), and the tests
 * check that every tag a handler writes is allowed by its grant.
 */
export const TAG_KEYS = {
  /** The default exclusion tag (flag `exclusionTag`): a resource carrying it is never changed. Read, never written. */
  exclude: 'guardduty-response:exclude',
  /** On this stack's own security groups, `isolation` or `untracked`. Written only when the group is created. */
  isolationRole: 'guardduty-response:isolation',
  /** On an isolated instance: when it was isolated. */
  isolatedAt: 'guardduty-response:isolated-at',
  /** On an isolated instance: the Auto Scaling group it was in, to print the way back into it again later. */
  autoScalingGroup: 'guardduty-response:auto-scaling-group',
  /** On what a remediation changed or created: the finding id that caused it. */
  finding: 'guardduty-response:finding',
  /** On a security group revoke-ssh changed: what was done and when. */
  remediation: 'guardduty-response:remediation',
  /** On an evidence snapshot: the instance it was taken from. */
  evidenceOf: 'guardduty-response:evidence-of',
  /** On a security group revoke-ssh changed: the rules it revoked, to print their restore again later. */
  revoked: 'guardduty-response:revoked',
} as const;

/** On an isolated instance, one tag per network interface: its security groups before the isolation. */
export const PREVIOUS_GROUPS_TAG_PREFIX = 'guardduty-response:previous-groups:';

/** The previous-groups tag key of one interface. */
export const previousGroupsTag = (networkInterfaceId: string) => `${PREVIOUS_GROUPS_TAG_PREFIX}${networkInterfaceId}`;

/** The values of TAG_KEYS.isolationRole. */
export const ISOLATION_ROLES = ['isolation', 'untracked'] as const;
export type IsolationRole = (typeof ISOLATION_ROLES)[number];

/** Every key (or `*` pattern, as IAM's StringLike reads it) this stack may ever write. */
export const WRITTEN_TAG_KEY_PATTERNS: readonly string[] = [
  TAG_KEYS.isolationRole,
  TAG_KEYS.isolatedAt,
  TAG_KEYS.finding,
  TAG_KEYS.remediation,
  TAG_KEYS.evidenceOf,
  TAG_KEYS.revoked,
  `${PREVIOUS_GROUPS_TAG_PREFIX}eni-*`,
];
