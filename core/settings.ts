/**
 * The settings contract between the stack and the remediation handlers: which environment
 * variable holds each setting, how the stack writes it and how the handler reads it, in one
 * codec, so the two sides cannot drift. The catalog says which settings each handler reads
 * (HANDLERS[h].settings); a function gets exactly those.
 */
import { HANDLER_ENV } from './contract';

export interface RemediationSettingValues {
  readonly dryRun: boolean;
  readonly exclusionTag: string;
  /** The member role this handler assumes (catalog memberRoleNameOf). */
  readonly memberRoleName: string;
  readonly trustedSshCidrs: readonly string[];
  /** The account the stack runs in: its own findings are remediated with the function's own role. */
  readonly securityAccountId: string;
  readonly isolateSnapshots: boolean;
}

export type SettingName = keyof RemediationSettingValues;

interface Codec<T> {
  readonly env: (typeof HANDLER_ENV)[keyof typeof HANDLER_ENV];
  readonly encode: (value: T) => string;
  /** Reads the variable; throws naming it when it is missing or malformed (a deployment bug). */
  readonly decode: (text: string | undefined) => T;
}

class SettingError extends Error {
  constructor(env: string, text: string | undefined, expected: string) {
    super(`environment variable ${env} is ${text === undefined ? 'not set' : `'${text.slice(0, 80)}'`}, not ${expected}; deploy the function through the guardduty-response stack`);
    this.name = 'SettingError';
  }
}

const bool = (env: Codec<boolean>['env']): Codec<boolean> => ({
  env,
  encode: (value) => String(value),
  decode: (text) => {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new SettingError(env, text, 'true or false');
  },
});

const text = (env: Codec<string>['env']): Codec<string> => ({
  env,
  encode: (value) => value,
  decode: (value) => {
    if (value) return value;
    throw new SettingError(env, value, 'a non-empty string');
  },
});

/** A comma-separated list; empty is an empty list (the stack writes '' for none). */
const list = (env: Codec<readonly string[]>['env']): Codec<readonly string[]> => ({
  env,
  encode: (values) => values.join(','),
  decode: (value) => {
    if (value === undefined) throw new SettingError(env, value, 'a comma-separated list');
    return value.split(',').filter((item) => item !== '');
  },
});

export const SETTING_CODECS: { readonly [K in SettingName]: Codec<RemediationSettingValues[K]> } = {
  dryRun: bool(HANDLER_ENV.dryRun),
  exclusionTag: text(HANDLER_ENV.exclusionTag),
  memberRoleName: text(HANDLER_ENV.memberRoleName),
  trustedSshCidrs: list(HANDLER_ENV.trustedSshCidrs),
  securityAccountId: text(HANDLER_ENV.securityAccountId),
  isolateSnapshots: bool(HANDLER_ENV.isolateSnapshots),
};

/** What a setting is when its handler does not read it: nothing that would act. */
const UNREAD: RemediationSettingValues = { dryRun: true, exclusionTag: '', memberRoleName: '', trustedSshCidrs: [], securityAccountId: '', isolateSnapshots: false };

/** The environment variables of a handler's settings, exactly those it reads. */
export function encodeSettings(names: readonly SettingName[], values: RemediationSettingValues): Record<string, string> {
  return Object.fromEntries(names.map((name) => [SETTING_CODECS[name].env, (SETTING_CODECS[name].encode as (v: unknown) => string)(values[name])]));
}

/** The settings a handler reads, from its environment; the others it never reads are neutral. */
export function decodeSettings(names: readonly SettingName[], env: Readonly<Record<string, string | undefined>>): RemediationSettingValues {
  const read = Object.fromEntries(names.map((name) => [name, SETTING_CODECS[name].decode(env[SETTING_CODECS[name].env])]));
  return { ...UNREAD, ...read };
}
