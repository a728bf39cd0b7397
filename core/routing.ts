/**
 * Which EventBridge rules exist and what each matches: derived from the catalog and the config.
 * Pure (no aws-cdk-lib), so the routing is testable and readable on its own.
 *
 * The rule: a finding is alerted by exactly one enabled playbook, the most specific that claims
 * it. EventBridge cannot AND two conditions on one field ("a family type but not this specific
 * type"), and a 2048-character pattern cannot list every known type, so specificity is expressed
 * with two buses instead:
 *   1. On the default bus, each `specific` playbook matches its types. One more rule forwards
 *      every finding that no enabled specific playbook claims (anything-but) to the
 *      `unclaimed` bus.
 *   2. On the `unclaimed` bus, each `family` playbook matches its types and the `fallback`
 *      matches anything-but the enabled families' types.
 * Claims within a tier are disjoint (pinned by test), so each finding matches exactly one rule
 * that ends in a function. EventBridge forwards bus to bus only once, which two tiers need.
 */
import { API_CALL_PLAYBOOKS, FINDING_PLAYBOOKS, FindingPlaybook, PlaybookId, Tier } from './catalog';
import type { ResponseConfig } from './config';
import { API_CALL_DETAIL_TYPE, FINDING_DETAIL_TYPE, FINDING_SOURCE } from './contract';
import { SEVERITY_FLOOR } from './severity';

export type BusName = 'default' | 'unclaimed';


export const BUS_OF_TIER: Readonly<Record<Tier, BusName>> = { specific: 'default', response: 'unclaimed', family: 'unclaimed', fallback: 'unclaimed' };

export interface RouteSpec {
  /** Unique, stable: used in construct ids. The playbook id, or `forward-unclaimed`. */
  readonly key: string;
  readonly bus: BusName;
  /** The playbook whose function is the target; undefined for the forwarding rule. */
  readonly playbookId?: PlaybookId;
  /** Starts with `[<key>]`. */
  readonly description: string;
  readonly pattern: RoutePattern;
}

export interface RoutePattern {
  readonly source: readonly string[];
  readonly 'detail-type': readonly string[];
  readonly detail?: Readonly<Record<string, unknown>>;
}

export const FORWARD_ROUTE_KEY = 'forward-unclaimed';
export const FORWARD_FINDINGS_KEY = 'fwd-findings';

/** The calls each enabled API-call playbook watches, matched exactly as at home, forwarded to `destination` (for the description). */
export function apiCallForwardingRoutes(config: ResponseConfig, destination: string): RouteSpec[] {
  return apiCallRoutes(config).map(({ key, pattern }) => ({
    key: `fwd-${key}`,
    bus: 'default' as const,
    description: `[fwd-${key}] Forwards the GuardDuty API calls ${key} watches to ${destination}.`,
    pattern,
  }));
}

/**
 * What a Region other than the home Region sends to the home Region's default bus: every
 * GuardDuty finding (the home rules decide which playbook takes it, as for a home finding) and
 * the API calls of each enabled API-call playbook, matched exactly as at home. No target here is
 * a function: the routes have no playbook.
 */
export function regionForwardingRoutes(config: ResponseConfig): RouteSpec[] {
  return [
    {
      key: FORWARD_FINDINGS_KEY,
      bus: 'default',
      description: `[${FORWARD_FINDINGS_KEY}] Forwards every GuardDuty finding of this Region to the home Region's default bus.`,
      pattern: { source: [FINDING_SOURCE], 'detail-type': [FINDING_DETAIL_TYPE] },
    },
    ...apiCallForwardingRoutes(config, "the home Region's default bus"),
  ];
}

/** Every rule of the stack: the finding routes, then one per enabled API-call playbook. */
export function allRoutes(config: ResponseConfig): RouteSpec[] {
  return [...findingRoutes(config), ...apiCallRoutes(config)];
}

/**
 * CloudTrail-recorded calls: one rule per playbook on the default bus, matching exact event
 * names (read-only calls are simply not listed). They reach EventBridge only through a trail
 * with management events; rules are regional.
 */
export function apiCallRoutes(config: ResponseConfig): RouteSpec[] {
  return API_CALL_PLAYBOOKS.filter((p) => config.playbooks[p.id]).map((p) => ({
    key: p.id,
    bus: 'default',
    playbookId: p.id,
    description: `[${p.id}] ${p.title}: ${p.summary}`,
    pattern: { source: [p.source], 'detail-type': [API_CALL_DETAIL_TYPE], detail: { eventSource: [p.eventSource], eventName: [...p.eventNames] } },
  }));
}

export function findingRoutes(config: ResponseConfig): RouteSpec[] {
  const enabled = FINDING_PLAYBOOKS.filter((p) => config.playbooks[p.id]);
  const ofTier = (...tiers: Tier[]) => enabled.filter((p) => tiers.includes(p.tier));
  const pattern = (alternatives: readonly Alternative[]) => findingPattern(config.minSeverity, alternatives);

  const routes: RouteSpec[] = enabled.map((p) => ({
    key: p.id,
    bus: BUS_OF_TIER[p.tier],
    playbookId: p.id,
    description: `[${p.id}] ${p.title}: ${p.summary}`,
    // On the unclaimed bus, the fallback takes what the response and family playbooks leave,
    // and every finding without a numeric severity (which no claim matches).
    pattern: pattern(p.tier === 'fallback' ? [...complementOf(ofTier('response', 'family'), config), ...UNSCORED] : [claimOf(p, config)]),
  }));
  if (enabled.some((p) => BUS_OF_TIER[p.tier] === 'unclaimed')) {
    routes.push({
      key: FORWARD_ROUTE_KEY,
      bus: 'default',
      description: `[${FORWARD_ROUTE_KEY}] Forwards findings that no enabled specific playbook claims to the response, family and fallback playbooks.`,
      pattern: pattern([...complementOf(ofTier('specific'), config), ...UNSCORED]),
    });
  }
  return routes;
}

/** One alternative of a finding pattern: a `detail` condition and the severity range it holds for. */
interface Alternative {
  readonly detail: Record<string, unknown>;
  /** A severity condition of its own, instead of a numeric range (for findings without a numeric severity). */
  readonly severity?: readonly unknown[];
  /** Lowest severity, beyond minSeverity. */
  readonly atLeast?: number;
  /** Severity strictly below this. */
  readonly below?: number;
}

function severityFloorOf(playbook: FindingPlaybook, config: ResponseConfig): number | undefined {
  return playbook.severityFloor ? config.remediation[playbook.severityFloor] : undefined;
}

/** What a playbook claims: its types, its `where` field, and its severity floor. */
function claimOf(playbook: FindingPlaybook, config: ResponseConfig): Alternative {
  return { detail: claimCondition(playbook), atLeast: severityFloorOf(playbook, config) };
}

/** A claim's `detail` condition without the severity: its types and its `where` field. */
export function claimCondition(playbook: FindingPlaybook): Record<string, unknown> {
  return {
    type: playbook.findingTypes.map(typeMatcher),
    ...(playbook.where && nest(playbook.where.path, [...playbook.where.values])),
  };
}

/**
 * Everything the given playbooks do not claim: any other type, and for each claim with a
 * `where` field or a severity floor, its types when the field holds another value, is absent,
 * or the severity is below the floor (not (A and B) = not A or not B, each exact for a scalar).
 * For an array field the `where` part is wider than the exact complement: EventBridge matches an
 * array when ANY element matches, so a port probe of [22, 3389] is claimed (22) and also
 * forwarded (3389). Such an event reaches a function whose DEFERRED_CLAIMS name the claim, and
 * that function skips it (deferredClaims below). Exactly one alert still results.
 * Claims of different tiers on one bus never share a type (pinned by test), so no alternative
 * needs to subtract one type set from another, which EventBridge cannot express.
 */
function complementOf(playbooks: readonly FindingPlaybook[], config: ResponseConfig): Alternative[] {
  const others = anythingBut(playbooks.flatMap((p) => p.findingTypes));
  const alternatives: Alternative[] = [{ detail: others ? { type: others } : {} }];
  for (const p of playbooks) {
    const type = p.findingTypes.map(typeMatcher);
    if (p.where) {
      alternatives.push({ detail: { type, ...nest(p.where.path, [{ 'anything-but': [...p.where.values] }]) } });
      alternatives.push({ detail: { type, ...nest(p.where.path, [{ exists: false }]) } });
    }
    const floor = severityFloorOf(p, config);
    if (floor !== undefined) alternatives.push({ detail: { type }, below: floor });
  }
  return alternatives;
}

/**
 * Findings whose severity is missing, null or not a number. Every claim requires a numeric
 * severity (`numeric` matches numbers only), so without these alternatives such a finding would
 * match no rule and vanish. They go to the forward rule and the fallback only: exactly one
 * function (all-other-findings) receives them, and it reports the event as could-not-process and
 * keeps it. `wildcard: "*"` matches any string; `null` matches null (EventBridge User Guide,
 * "Content filtering in event patterns").
 */
const UNSCORED: readonly Alternative[] = [
  { detail: {}, severity: [{ exists: false }] },
  { detail: {}, severity: [null, { wildcard: '*' }] },
];

/** A claim another playbook's function must not alert on: its playbook and its `detail` pattern. */
export interface DeferredClaim {
  readonly playbookId: PlaybookId;
  readonly detail: Record<string, unknown>;
}

/**
 * The claims with a `where` field of the enabled specific and response playbooks: every other
 * function on the unclaimed bus skips what they match (needed for array fields, see above).
 */
export function deferredClaims(config: ResponseConfig, except?: PlaybookId): DeferredClaim[] {
  const playbooks: readonly (FindingPlaybook & { readonly id: PlaybookId })[] = FINDING_PLAYBOOKS;
  return playbooks
    .filter((p) => config.playbooks[p.id] && p.id !== except && (p.tier === 'specific' || p.tier === 'response') && p.where)
    .map((p) => {
      // Like its rule, a claim holds for numeric severities only: an unscored finding is nobody's claim but the fallback's.
      return { playbookId: p.id, detail: { ...claimCondition(p), severity: [{ numeric: ['>=', severityFloorOf(p, config) ?? 0] }] } };
    });
}

function nest(path: readonly string[], leaf: unknown[]): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key, i) => (i === path.length - 1 ? { [key]: leaf } : { [key]: inner }), {});
}

/**
 * The pattern of one or more alternatives. The severity condition goes beside the alternative,
 * or into each alternative of an `$or` when one has its own range: a field may appear once.
 */
function findingPattern(minSeverity: number, alternatives: readonly Alternative[]): RoutePattern {
  // Every claim requires a numeric severity, from 0 at LOW (every finding GuardDuty can emit,
  // even one scored below 1): findings without one go to UNSCORED's alternatives alone.
  const severity = (a: Alternative): unknown[] => {
    if (a.severity) return [...a.severity];
    const low = Math.max(minSeverity > SEVERITY_FLOOR.LOW ? minSeverity : 0, a.atLeast ?? 0);
    return [{ numeric: ['>=', low, ...(a.below !== undefined ? ['<', a.below] : [])] }];
  };
  const withSeverity = (a: Alternative) => ({ ...a.detail, severity: severity(a) });
  // A range that holds no score (below the floor but at least minSeverity, with floor <= minSeverity) matches nothing: leave it out.
  const possible = alternatives.filter((a) => a.below === undefined || a.below > Math.max(minSeverity, a.atLeast ?? 0));
  const detail = possible.length === 1 ? withSeverity(possible[0]) : { $or: possible.map(withSeverity) };
  return {
    source: [FINDING_SOURCE],
    'detail-type': [FINDING_DETAIL_TYPE],
    ...(Object.keys(detail).length > 0 && { detail: detail as RoutePattern['detail'] }),
  };
}

/** An exact type stays a plain string (readable in the console); a family becomes a wildcard. */
function typeMatcher(selector: string): string | { wildcard: string } {
  return selector.includes('*') ? { wildcard: selector } : selector;
}

function anythingBut(selectors: readonly string[]): unknown[] | undefined {
  return selectors.length === 0 ? undefined : [{ 'anything-but': { wildcard: [...selectors] } }];
}
