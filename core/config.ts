/**
 * CDK context flags -> one validated, typed, readonly config. Read once, in `bin/`.
 * Every bad value throws a ConfigError that names the flag, the value and what is accepted.
 */
import { PLAYBOOKS, PLAYBOOK_IDS, PlaybookId, REMEDIATION_HANDLERS, isPlaybookId } from './catalog';
import { ACCOUNT_ID } from './aws-names';
import { WRITTEN_TAG_KEY_PATTERNS } from './tags';
import { parseCidr } from './ip';
import { MAX_SEVERITY, SEVERITY_FLOOR, SEVERITY_LABELS } from './severity';
import { REMEDIATION_CONCURRENCY } from './timing';


export const PLAYBOOK_FLAG_PREFIX = 'playbook:';

/** Every non-playbook flag this app reads, with its default as written in cdk.json or `-c`. */
export const FLAG_DEFAULTS = {
  alertEmails: '',
  alertPhoneNumbers: '',
  minSeverity: 'LOW',
  smsMinSeverity: 'HIGH',
  exclusionTag: 'guardduty-response:exclude',
  dryRun: 'false',
  memberRoleName: 'GuardDutyResponseMember',
  trustedSshCidrs: '',
  securityAccountId: '',
  organizationId: '',
  isolateMinSeverity: 'HIGH',
  isolateSnapshots: 'true',
  realertHours: '24',
  smsMonthlyBudgetUsd: '',
  stormThreshold: '20',
  stormWindowMinutes: '15',
  remediationConcurrency: String(REMEDIATION_CONCURRENCY),
  slackWorkspaceId: '',
  slackChannelId: '',
  teamsTenantId: '',
  teamsTeamId: '',
  teamsChannelId: '',
  regions: '',
} as const;
export type FlagName = keyof typeof FLAG_DEFAULTS;

export interface ResponseConfig {
  /** Whether each playbook is on, for every playbook of the catalog. */
  readonly playbooks: Readonly<Record<PlaybookId, boolean>>;
  readonly alertEmails: readonly string[];
  /** E.164 numbers. */
  readonly alertPhoneNumbers: readonly string[];
  /** Findings scored below this never alert. */
  readonly minSeverity: number;
  /** SMS subscriptions only receive alerts at or above this score. */
  readonly smsMinSeverity: number;
  readonly remediation: RemediationConfig;
  /** Hours of a finding's own clock between two "still active" reminders; 0: never remind. */
  readonly realertHours: number;
  /** The account's monthly SMS spend limit (USD): an alarm at 80% of it. */
  readonly smsMonthlyBudgetUsd?: number;
  /** New findings of one type per account and Region in a window that alert one by one (0: no storm control). */
  readonly stormThreshold: number;
  readonly stormWindowMinutes: number;
  /** Reserved concurrency of each remediation function (0: none, the account's unreserved pool). */
  readonly remediationConcurrency: number;
  /** The security account that member-account roles trust (the member stack needs it; the main stack does not). */
  readonly securityAccountId?: string;
  /** The AWS Organizations id: remediation roles may assume member roles only in accounts of this organization. */
  readonly organizationId?: string;
  /** Chat channels (Amazon Q Developer in chat applications) subscribed to the alert topic. */
  readonly chat: ChatConfig;
  /**
   * Regions whose GuardDuty findings and API calls are forwarded to the home region (the main
   * stack's), as given: the home region may be listed or not (infra/app.ts resolves it).
   */
  readonly regions: readonly string[];
}

/** Ids of chat channels; a workspace or team must first be authorised once in the console. */
export interface ChatConfig {
  readonly slack?: { readonly workspaceId: string; readonly channelId: string };
  readonly teams?: { readonly tenantId: string; readonly teamId: string; readonly channelId: string };
}

/** What every remediation playbook obeys. */
export interface RemediationConfig {
  /** A resource (instance, security group) with this tag key is never changed. */
  readonly exclusionTag: string;
  /** Every mutating EC2 call is made with DryRun: true; alerts say "would have". */
  readonly dryRun: boolean;
  /** The prefix of the roles assumed in member accounts, one per remediation handler (deployed there by infra/member-role-stack.ts). */
  readonly memberRoleName: string;
  /** CIDR blocks allowed to reach SSH once it is closed to the world. */
  readonly trustedSshCidrs: readonly string[];
  /** isolate-instance claims findings from this score up. */
  readonly isolateMinSeverity: number;
  /** isolate-instance snapshots every attached EBS volume. */
  readonly isolateSnapshots: boolean;
}

export class ConfigError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }
}

/** Pragmatic address syntax: one @, no spaces or commas, a dot in the domain. SNS confirms the rest. */
const EMAIL = /^[^\s@,;<>"]+@[^\s@,;<>"]+\.[^\s@,;<>".]+$/;
/** ITU-T E.164: '+', country code not starting with 0, at most 15 digits. */
const E164 = /^\+[1-9]\d{1,14}$/;

/** EC2 tag keys: up to 128 Unicode letters, digits, spaces and _ . : / = + - @; `aws:` is reserved. */
const TAG_KEY = /^(?!aws:)[\p{L}\p{Z}\p{N}_.:/=+\-@]{1,128}$/u;
/**
 * The member role name prefix: each remediation handler's member role is `<prefix>-<handler>`
 * (catalog memberRoleNameOf), and IAM role names are 1-64 of [\w+=,.@-].
 */
const LONGEST_HANDLER = Math.max(...REMEDIATION_HANDLERS.map((h) => h.length));
const ROLE_NAME_PREFIX = new RegExp(`^[\\w+=,.@-]{1,${64 - 1 - LONGEST_HANDLER}}$`);
/**
 * Chat channel ids, as the AWS::Chatbot::SlackChannelConfiguration and
 * AWS::Chatbot::MicrosoftTeamsChannelConfiguration resources accept them (CloudFormation
 * template reference): a Slack workspace `T0...` and channel `C0...`; Teams team and tenant
 * UUIDs and the URL-encoded channel id (`19%3a...%40thread.tacv2`).
 */
const SLACK_WORKSPACE_ID = /^[0-9A-Z]{1,255}$/;
const SLACK_CHANNEL_ID = /^[A-Za-z0-9]{1,255}$/;
const UUID = /^[0-9A-Fa-f]{8}(?:-[0-9A-Fa-f]{4}){3}-[0-9A-Fa-f]{12}$/;
const TEAMS_CHANNEL_ID = /^(?=.{1,255}$)[a-zA-Z0-9-_=+/.,]*%3[aA][a-zA-Z0-9-_=+/.,]*%40[a-zA-Z0-9-_=+/.,]*$/;
/** AWS Organizations ids: `o-` and 10 to 32 lowercase letters or digits (Organizations API Reference, Organization). */
const ORGANIZATION_ID = /^o-[a-z0-9]{10,32}$/;

/**
 * @param context every context value the app sees (`app.node.getAllContext()`); keys other than
 *   `playbook:*` and the flags above (CDK feature flags, ...) are ignored.
 */
export function loadConfig(context: Readonly<Record<string, unknown>>): ResponseConfig {
  const playbooks = Object.fromEntries(PLAYBOOKS.map((p) => [p.id, p.enabledByDefault])) as Record<PlaybookId, boolean>;
  for (const [key, value] of Object.entries(context)) {
    if (!key.startsWith(PLAYBOOK_FLAG_PREFIX)) continue;
    const id = key.slice(PLAYBOOK_FLAG_PREFIX.length);
    if (!isPlaybookId(id)) {
      throw new ConfigError(`context flag '${key}': unknown playbook '${id}'. Valid playbooks: ${PLAYBOOK_IDS.join(', ')}`);
    }
    playbooks[id] = parseBoolean(key, value);
  }
  const flag = (name: FlagName): unknown => context[name] ?? FLAG_DEFAULTS[name];
  return {
    playbooks,
    alertEmails: parseList('alertEmails', flag('alertEmails'), EMAIL, 'an email address such as secops@example.com'),
    alertPhoneNumbers: parseList('alertPhoneNumbers', flag('alertPhoneNumbers'), E164, 'an E.164 phone number such as +14155550100'),
    minSeverity: parseSeverity('minSeverity', flag('minSeverity')),
    smsMinSeverity: parseSeverity('smsMinSeverity', flag('smsMinSeverity')),
    realertHours: parseHours('realertHours', flag('realertHours')),
    stormThreshold: parseWhole('stormThreshold', flag('stormThreshold'), 0, 10_000, 'a whole number from 0 (no storm control) to 10000'),
    stormWindowMinutes: parseWhole('stormWindowMinutes', flag('stormWindowMinutes'), 1, 1440, 'a whole number of minutes from 1 to 1440'),
    remediationConcurrency: parseWhole('remediationConcurrency', flag('remediationConcurrency'), 0, 1000, 'a whole number from 0 (no reserved concurrency) to 1000'),
    ...(flag('smsMonthlyBudgetUsd') !== '' && { smsMonthlyBudgetUsd: parseUsd('smsMonthlyBudgetUsd', flag('smsMonthlyBudgetUsd')) }),
    remediation: {
      exclusionTag: parseExclusionTag(flag('exclusionTag')),
      dryRun: parseBoolean('dryRun', flag('dryRun')),
      memberRoleName: parseString(
        'memberRoleName',
        flag('memberRoleName'),
        ROLE_NAME_PREFIX,
        `an IAM role name prefix of 1 to ${64 - 1 - LONGEST_HANDLER} letters, digits and + = , . @ _ - (each remediation's member role is <prefix>-<handler>, at most 64 characters)`,
      ),
      trustedSshCidrs: parseCidrList('trustedSshCidrs', flag('trustedSshCidrs')),
      isolateMinSeverity: parseSeverity('isolateMinSeverity', flag('isolateMinSeverity')),
      isolateSnapshots: parseBoolean('isolateSnapshots', flag('isolateSnapshots')),
    },
    ...(flag('securityAccountId') !== '' && {
      securityAccountId: parseString('securityAccountId', flag('securityAccountId'), ACCOUNT_ID, 'a 12-digit AWS account id'),
    }),
    ...(flag('organizationId') !== '' && {
      organizationId: parseString('organizationId', flag('organizationId'), ORGANIZATION_ID, "an AWS Organizations id: 'o-' and 10 to 32 lowercase letters or digits"),
    }),
    chat: parseChat(flag),
    regions: parseRegions(flag('regions')),
  };
}

/** Region syntax here; whether the CDK knows each Region (and its partition) is checked where the stacks are built (app.ts). */
function parseRegions(value: unknown): string[] {
  const regions = parseList('regions', value, /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/, 'a Region name such as eu-west-1');
  const listed = typeof value === 'string' ? value.split(',').map((r) => r.trim()).filter(Boolean) : (value as string[]).map((r) => String(r).trim());
  const twice = listed.find((r, i) => listed.indexOf(r) !== i);
  if (twice) throw new ConfigError(`context flag 'regions': '${twice}' is listed twice`);
  return regions;
}

/** A channel is configured by all of its ids or none: one id alone is a typo, not a choice. */
function parseChat(flag: (name: FlagName) => unknown): ChatConfig {
  const group = <K extends FlagName>(platform: string, ids: readonly (readonly [K, RegExp, string])[]): Record<K, string> | undefined => {
    const given = ids.filter(([name]) => flag(name) !== '');
    if (given.length === 0) return undefined;
    if (given.length < ids.length) {
      const missing = ids.filter(([name]) => flag(name) === '').map(([name]) => name);
      throw new ConfigError(`context flags ${ids.map(([name]) => `'${name}'`).join(', ')} configure a ${platform} channel together: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} missing`);
    }
    return Object.fromEntries(ids.map(([name, syntax, expected]) => [name, parseString(name, flag(name), syntax, expected)])) as Record<K, string>;
  };
  const slack = group('Slack', [
    ['slackWorkspaceId', SLACK_WORKSPACE_ID, 'a Slack workspace id such as T0123ABCD (upper-case letters and digits)'],
    ['slackChannelId', SLACK_CHANNEL_ID, 'a Slack channel id such as C0123ABCD (letters and digits)'],
  ] as const);
  const teams = group('Microsoft Teams', [
    ['teamsTenantId', UUID, 'a Microsoft Teams tenant id (a UUID)'],
    ['teamsTeamId', UUID, 'a Microsoft Teams team id (a UUID)'],
    ['teamsChannelId', TEAMS_CHANNEL_ID, 'a URL-encoded Microsoft Teams channel id such as 19%3aabc123%40thread.tacv2'],
  ] as const);
  return {
    ...(slack && { slack: { workspaceId: slack.slackWorkspaceId, channelId: slack.slackChannelId } }),
    ...(teams && { teams: { tenantId: teams.teamsTenantId, teamId: teams.teamsTeamId, channelId: teams.teamsChannelId } }),
  };
}

export function enabledPlaybookIds(config: ResponseConfig): PlaybookId[] {
  return PLAYBOOK_IDS.filter((id) => config.playbooks[id]);
}

function describe(value: unknown): string {
  return typeof value === 'string' ? `'${value}'` : JSON.stringify(value) ?? String(value);
}

function parseBoolean(flag: string, value: unknown): boolean {
  // `-c` always gives strings; cdk.json gives real booleans.
  if (value === true || value === 'true') return true;
  if (value === false || value === 'false') return false;
  throw new ConfigError(`context flag '${flag}': ${describe(value)} is not a boolean. Valid values: true, false`);
}

function parseList(flag: FlagName, value: unknown, syntax: RegExp, expected: string): string[] {
  let items: unknown[];
  if (typeof value === 'string') items = value.split(',');
  else if (Array.isArray(value)) items = value;
  else throw new ConfigError(`context flag '${flag}': ${describe(value)} is neither a comma-separated string nor a list`);
  const result: string[] = [];
  for (const item of items) {
    if (typeof item !== 'string') throw new ConfigError(`context flag '${flag}': ${describe(item)} is not ${expected}`);
    const trimmed = item.trim();
    if (trimmed === '') continue;
    if (!syntax.test(trimmed)) throw new ConfigError(`context flag '${flag}': ${describe(trimmed)} is not ${expected}`);
    if (!result.includes(trimmed)) result.push(trimmed);
  }
  return result;
}

/**
 * A tag key this stack writes could be written by its own roles, which would let a remediation
 * exempt a resource: refuse such keys (the IAM grants allow exactly WRITTEN_TAG_KEY_PATTERNS).
 */
function parseExclusionTag(value: unknown): string {
  const key = parseString('exclusionTag', value, TAG_KEY, 'a tag key of 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with aws:');
  const written = WRITTEN_TAG_KEY_PATTERNS.find((pattern) => new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`).test(key));
  if (written) throw new ConfigError(`context flag 'exclusionTag': '${key}' is a tag key guardduty-response writes itself (${written}); choose another key, such as the default ${FLAG_DEFAULTS.exclusionTag}`);
  return key;
}

function parseString(flag: FlagName, value: unknown, syntax: RegExp, expected: string): string {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !syntax.test(text)) throw new ConfigError(`context flag '${flag}': ${describe(value)} is not ${expected}`);
  return text;
}

/** Network-aligned IPv4 or IPv6 blocks; the whole Internet is refused, since trusting it would undo the remediation. */
function parseCidrList(flag: FlagName, value: unknown): string[] {
  const expected = 'a CIDR block such as 203.0.113.0/24 or 2001:db8::/32';
  const cidrs = parseList(flag, value, /^[0-9a-fA-F.:]+\/\d{1,3}$/, expected);
  for (const text of cidrs) {
    const cidr = parseCidr(text);
    if (!cidr) throw new ConfigError(`context flag '${flag}': '${text}' is not ${expected}`);
    if (!cidr.canonical) throw new ConfigError(`context flag '${flag}': '${text}' has bits set after the /${cidr.maskBits} prefix; write the network address`);
    if (cidr.maskBits === 0) throw new ConfigError(`context flag '${flag}': '${text}' is the whole Internet; trusted CIDRs must be narrower`);
  }
  return cidrs;
}

/** A positive amount of US dollars (SNS's monthly SMS spend limit is set in whole dollars, but cents are harmless). */
function parseUsd(flag: FlagName, value: unknown): number {
  const usd = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,7}(\.\d{1,2})?$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isFinite(usd) || usd <= 0) throw new ConfigError(`context flag '${flag}': ${describe(value)} is not an amount of US dollars. Valid values: a positive number such as 50 or 12.50`);
  return usd;
}

function parseWhole(flag: FlagName, value: unknown, min: number, max: number, expected: string): number {
  const number = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,6}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(number) || number < min || number > max) throw new ConfigError(`context flag '${flag}': ${describe(value)} is not ${expected}`);
  return number;
}

/** Whole hours from 0 (off) to a year. */
function parseHours(flag: FlagName, value: unknown): number {
  const hours = typeof value === 'number' ? value : typeof value === 'string' && /^\d{1,4}$/.test(value.trim()) ? Number(value) : NaN;
  if (!Number.isInteger(hours) || hours < 0 || hours > 8760) throw new ConfigError(`context flag '${flag}': ${describe(value)} is not a number of hours. Valid values: a whole number from 0 (no reminders) to 8760`);
  return hours;
}

function parseSeverity(flag: FlagName, value: unknown): number {
  const valid = `Valid values: ${SEVERITY_LABELS.join(', ')} or a number from 0 to ${MAX_SEVERITY}`;
  if (typeof value === 'string') {
    const label = value.trim().toUpperCase();
    if (label in SEVERITY_FLOOR) return SEVERITY_FLOOR[label as keyof typeof SEVERITY_FLOOR];
  }
  const score = typeof value === 'number' ? value : typeof value === 'string' && value.trim() !== '' ? Number(value) : NaN;
  if (!Number.isFinite(score) || score < 0 || score > MAX_SEVERITY) {
    throw new ConfigError(`context flag '${flag}': ${describe(value)} is not a severity. ${valid}`);
  }
  return score;
}
