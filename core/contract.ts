/**
 * What the stack and the handlers agree on: environment variable names and SNS message attribute
 * names. Pure data, imported by both sides so a rename cannot break one of them silently.
 */
export const HANDLER_ENV = {
  topicArn: 'ALERT_TOPIC_ARN',
  playbookId: 'PLAYBOOK_ID',
  /** Comma-separated role ARNs of the stack's functions (API-call playbooks only). */
  ownRoleArns: 'OWN_ROLE_ARNS',
  /** Family and fallback playbooks: JSON list of claims they leave to a specific playbook (core/routing.ts). */
  deferredClaims: 'DEFERRED_CLAIMS',
  /** Remediation playbooks only. */
  dryRun: 'DRY_RUN',
  exclusionTag: 'EXCLUSION_TAG',
  memberRoleName: 'MEMBER_ROLE_NAME',
  trustedSshCidrs: 'TRUSTED_SSH_CIDRS',
  isolateSnapshots: 'ISOLATE_SNAPSHOTS',
  /** The account the stack is deployed in: calls for its own findings use the function's own role. */
  securityAccountId: 'SECURITY_ACCOUNT_ID',
  /** Finding playbooks: the finding-state table, and the hours between reminders (0: none). */
  stateTable: 'STATE_TABLE',
  realertHours: 'REALERT_HOURS',
  /** Finding playbooks: storm control (0: off) and its window. */
  stormThreshold: 'STORM_THRESHOLD',
  stormWindowMinutes: 'STORM_WINDOW_MINUTES',
} as const;

/** Message attributes on every alert; SMS subscriptions filter on `severityScore`. */
export const ALERT_ATTRIBUTES = {
  severityLabel: 'severity',
  severityScore: 'severity_score',
  findingType: 'finding_type',
  playbookId: 'playbook',
  account: 'account',
  region: 'region',
  /** `all`, or `email-only` (reminders, sample findings): the SMS filter policy requires `all`. */
  channel: 'channel',
} as const;

/** The values of the `channel` attribute. */
export const ALERT_CHANNELS = { all: 'all', emailOnly: 'email-only' } as const;

/** The EventBridge envelope of a GuardDuty finding. */
export const FINDING_SOURCE = 'aws.guardduty';
export const FINDING_DETAIL_TYPE = 'GuardDuty Finding';

/** The EventBridge envelope of a call recorded by CloudTrail (management events). */
export const API_CALL_DETAIL_TYPE = 'AWS API Call via CloudTrail';

/** The storm digest's function and rule id (not a playbook: it runs on a schedule, for every finding playbook). */
export const STORM_DIGEST_ID = 'storm-digest';
