/**
 * CDK context flags -> one validated, typed, readonly config. Read once, in `bin/`.
 * Every bad value throws a ConfigError that names the flag, the value and what is accepted.
 */
import { PLAYBOOKS, PLAYBOOK_IDS, PlaybookId, isPlaybookId } from './catalog';
import { MAX_SEVERITY, SEVERITY_FLOOR, SEVERITY_LABELS } from './severity';

export const PLAYBOOK_FLAG_PREFIX = 'playbook:';

/** Every non-playbook flag this app reads, with its default as written in cdk.json or `-c`. */
export const FLAG_DEFAULTS = {
  alertEmails: '',
  alertPhoneNumbers: '',
  minSeverity: 'LOW',
  smsMinSeverity: 'HIGH',
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
