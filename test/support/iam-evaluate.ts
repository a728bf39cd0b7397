/**
 * A small IAM policy evaluator for tests: does this (resolved) policy allow, deny, or not decide
 * a request? It implements what our policies use, with IAM's documented semantics (IAM User
 * Guide, "Policy evaluation logic" and "IAM JSON policy elements: Condition operators"):
 * - an explicit Deny wins over any Allow; nothing matching means an implicit deny;
 * - Action and Resource match with `*` and `?` wildcards (actions case-insensitively);
 * - a condition key missing from the request makes a condition false, except for negated
 *   operators (StringNotEquals, ArnNotLike, ...), which are then true; `...IfExists` is true
 *   when the key is missing; ForAllValues is true on a missing key, ForAnyValue false;
 * - `Null: {key: 'true'}` matches when the key is missing.
 * Unknown operators throw, so a policy using something new cannot pass by accident.
 */

export type ContextValue = string | readonly string[] | boolean;

export interface Request {
  /** For resource policies: who calls. An IAM role session is named by its role ARN, a service by its principal. */
  readonly principal?: { readonly aws?: string; readonly service?: string };
  readonly action: string;
  readonly resource: string;
  /** Condition keys, as AWS puts them in the request context (aws:SourceArn, aws:ResourceTag/k, aws:TagKeys, ...). */
  readonly context?: Readonly<Record<string, ContextValue>>;
}

export interface Statement {
  readonly Sid?: string;
  readonly Effect: 'Allow' | 'Deny';
  readonly Principal?: unknown;
  readonly Action?: string | readonly string[];
  readonly NotAction?: string | readonly string[];
  readonly Resource?: string | readonly string[];
  readonly NotResource?: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
}

export type Decision = 'allow' | 'deny' | 'implicit-deny';

const list = (value: unknown): string[] => (value === undefined ? [] : [value].flat().map((v) => String(v)));

/** `*` any run, `?` one character; everything else literal. */
export function globMatches(pattern: string, value: string, ignoreCase = false): boolean {
  const source = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*').replace(/\?/g, '.');
  return new RegExp(`^${source}$`, ignoreCase ? 'is' : 's').test(value);
}

function principalMatches(principal: unknown, request: Request): boolean {
  if (principal === undefined) return true; // identity policy: the principal is the policy's holder
  if (principal === '*') return true;
  const p = principal as { AWS?: unknown; Service?: unknown };
  const aws = list(p.AWS);
  const services = list(p.Service);
  if (request.principal?.service) return services.includes(request.principal.service);
  const arn = request.principal?.aws;
  if (!arn) return false;
  const account = arn.split(':')[4];
  return aws.some((a) => a === '*' || a === arn || a === account || a === `arn:${arn.split(':')[1]}:iam::${account}:root`);
}

type Operator = (policyValue: string, requestValue: string) => boolean;

const OPERATORS: Readonly<Record<string, { readonly test: Operator; readonly negated: boolean }>> = {
  StringEquals: { test: (p, r) => p === r, negated: false },
  StringNotEquals: { test: (p, r) => p === r, negated: true },
  StringEqualsIgnoreCase: { test: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
  StringLike: { test: (p, r) => globMatches(p, r), negated: false },
  StringNotLike: { test: (p, r) => globMatches(p, r), negated: true },
  ArnEquals: { test: (p, r) => p === r, negated: false },
  ArnNotEquals: { test: (p, r) => p === r, negated: true },
  ArnLike: { test: (p, r) => globMatches(p, r), negated: false },
  ArnNotLike: { test: (p, r) => globMatches(p, r), negated: true },
  Bool: { test: (p, r) => p.toLowerCase() === r.toLowerCase(), negated: false },
};

function conditionHolds(operatorName: string, key: string, policyValues: string[], context: Readonly<Record<string, ContextValue>>): boolean {
  const present = Object.prototype.hasOwnProperty.call(context, key);
  if (operatorName === 'Null') {
    const wantMissing = policyValues[0] === 'true';
    return wantMissing ? !present : present;
  }
  const [setOperator, rest] = operatorName.includes(':') ? (operatorName.split(':') as [string, string]) : [undefined, operatorName];
  const ifExists = rest.endsWith('IfExists');
  const base = ifExists ? rest.slice(0, -'IfExists'.length) : rest;
  const operator = OPERATORS[base];
  if (!operator || (setOperator && setOperator !== 'ForAllValues' && setOperator !== 'ForAnyValue')) throw new Error(`iam-evaluate: condition operator ${operatorName} is not supported`);
  if (!present) {
    if (setOperator === 'ForAllValues') return true;
    if (setOperator === 'ForAnyValue') return false;
    return ifExists || operator.negated;
  }
  const values = list(context[key]);
  const matchesAny = (value: string) => policyValues.some((p) => operator.test(p, value));
  if (setOperator === 'ForAllValues') return values.every((v) => (operator.negated ? !matchesAny(v) : matchesAny(v)));
  if (setOperator === 'ForAnyValue') return values.some((v) => (operator.negated ? !matchesAny(v) : matchesAny(v)));
  // A single-valued key: negated operators hold when no policy value matches.
  const matched = values.some(matchesAny);
  return operator.negated ? !matched : matched;
}

/** Whether the statement applies to the request (principal, action, resource and every condition). */
export function statementApplies(statement: Statement, request: Request): boolean {
  if (!principalMatches(statement.Principal, request)) return false;
  const actionIn = (patterns: string[]) => patterns.some((p) => globMatches(p, request.action, true));
  if (statement.Action !== undefined && !actionIn(list(statement.Action))) return false;
  if (statement.NotAction !== undefined && actionIn(list(statement.NotAction))) return false;
  const resourceIn = (patterns: string[]) => patterns.some((p) => globMatches(p, request.resource));
  if (statement.Resource !== undefined && !resourceIn(list(statement.Resource))) return false;
  if (statement.NotResource !== undefined && resourceIn(list(statement.NotResource))) return false;
  const context = request.context ?? {};
  for (const [operator, keys] of Object.entries(statement.Condition ?? {})) {
    for (const [key, value] of Object.entries(keys)) {
      if (!conditionHolds(operator, key, list(value), context)) return false;
    }
  }
  return true;
}

/** The decision of a set of statements (one policy, or every policy of a principal) for a request. */
export function evaluate(statements: readonly Statement[], request: Request): Decision {
  const applying = statements.filter((s) => statementApplies(s, request));
  if (applying.some((s) => s.Effect === 'Deny')) return 'deny';
  return applying.some((s) => s.Effect === 'Allow') ? 'allow' : 'implicit-deny';
}
