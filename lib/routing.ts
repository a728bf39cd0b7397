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
import { ResponseConfig } from './config';
import { API_CALL_DETAIL_TYPE, FINDING_DETAIL_TYPE, FINDING_SOURCE } from './contract';
import { SEVERITY_FLOOR } from './severity';

export type BusName = 'default' | 'unclaimed';


export const BUS_OF_TIER: Readonly<Record<Tier, BusName>> = { specific: 'default', family: 'unclaimed', fallback: 'unclaimed' };

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
  const ofTier = (tier: Tier) => enabled.filter((p) => p.tier === tier);
  const claims = (playbooks: readonly FindingPlaybook[]): string[] => playbooks.flatMap((p) => p.findingTypes);
  const withSeverity = (detail: Record<string, unknown>) => findingPattern(config.minSeverity, detail);

  const routes: RouteSpec[] = enabled.map((p) => ({
    key: p.id,
    bus: BUS_OF_TIER[p.tier],
    playbookId: p.id,
    description: `[${p.id}] ${p.title}: ${p.summary}`,
    pattern: withSeverity(p.tier === 'fallback' ? typeCondition(anythingBut(claims(ofTier('family')))) : claimCondition(p)),
  }));
  if (enabled.some((p) => BUS_OF_TIER[p.tier] === 'unclaimed')) {
    routes.push({
      key: FORWARD_ROUTE_KEY,
      bus: 'default',
      description: `[${FORWARD_ROUTE_KEY}] Forwards findings that no enabled specific playbook claims to the family and fallback playbooks.`,
      pattern: withSeverity(unclaimedCondition(ofTier('specific'))),
    });
  }
  return routes;
}

/** What a playbook claims, as the `detail` part of a pattern: its types, and its `where` field. */
export function claimCondition(playbook: FindingPlaybook): Record<string, unknown> {
  return {
    type: playbook.findingTypes.map(typeMatcher),
    ...(playbook.where && nest(playbook.where.path, [...playbook.where.values])),
  };
}

/**
 * Everything the specific playbooks do not claim. A claim with a `where` field contributes its
 * types when the field holds another value or is absent. For an array field this is wider than
 * the exact complement: EventBridge matches an array when ANY element matches, so a port probe
 * of [22, 3389] is claimed (22) and also forwarded (3389). Such an event reaches a family or
 * fallback function whose DEFERRED_CLAIMS name the claim, and that function skips it: see
 * deferredClaims below. Exactly one alert still results.
 */
function unclaimedCondition(specific: readonly FindingPlaybook[]): Record<string, unknown> {
  const plain = typeCondition(anythingBut(specific.flatMap((p) => p.findingTypes)));
  const conditional = specific.filter((p) => p.where);
  if (conditional.length === 0) return plain;
  return {
    $or: [
      ...(plain.type ? [plain] : []),
      ...conditional.flatMap((p) => [
        { type: p.findingTypes.map(typeMatcher), ...nest(p.where!.path, [{ 'anything-but': [...p.where!.values] }]) },
        { type: p.findingTypes.map(typeMatcher), ...nest(p.where!.path, [{ exists: false }]) },
      ]),
    ],
  };
}

/** A claim another playbook's function must not alert on: its playbook and its `detail` pattern. */
export interface DeferredClaim {
  readonly playbookId: PlaybookId;
  readonly detail: Record<string, unknown>;
}

/** The claims with a `where` field of the enabled specific playbooks: the family and fallback functions skip what they match. */
export function deferredClaims(config: ResponseConfig): DeferredClaim[] {
  const playbooks: readonly (FindingPlaybook & { readonly id: PlaybookId })[] = FINDING_PLAYBOOKS;
  return playbooks.filter((p) => config.playbooks[p.id] && p.tier === 'specific' && p.where).map((p) => ({ playbookId: p.id, detail: claimCondition(p) }));
}

function nest(path: readonly string[], leaf: unknown[]): Record<string, unknown> {
  return path.reduceRight<Record<string, unknown>>((inner, key, i) => (i === path.length - 1 ? { [key]: leaf } : { [key]: inner }), {});
}

function typeCondition(type: readonly unknown[] | undefined): Record<string, unknown> {
  return type ? { type } : {};
}

function findingPattern(minSeverity: number, condition: Record<string, unknown>): RoutePattern {
  // At LOW no condition at all: every finding GuardDuty can emit alerts, even one scored below 1.
  const severity = minSeverity > SEVERITY_FLOOR.LOW ? [{ numeric: ['>=', minSeverity] }] : undefined;
  const detail = { ...(severity && { severity }), ...condition };
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

function anythingBut(selectors: readonly string[]): readonly unknown[] | undefined {
  return selectors.length === 0 ? undefined : [{ 'anything-but': { wildcard: [...selectors] } }];
}
