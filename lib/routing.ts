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
  readonly detail?: Readonly<Record<string, readonly unknown[]>>;
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
  const pattern = (type: readonly unknown[] | undefined) => findingPattern(config.minSeverity, type);

  const routes: RouteSpec[] = enabled.map((p) => ({
    key: p.id,
    bus: BUS_OF_TIER[p.tier],
    playbookId: p.id,
    description: `[${p.id}] ${p.title}: ${p.summary}`,
    pattern: pattern(p.tier === 'fallback' ? anythingBut(claims(ofTier('family'))) : p.findingTypes.map(typeMatcher)),
  }));
  if (enabled.some((p) => BUS_OF_TIER[p.tier] === 'unclaimed')) {
    routes.push({
      key: FORWARD_ROUTE_KEY,
      bus: 'default',
      description: `[${FORWARD_ROUTE_KEY}] Forwards findings that no enabled specific playbook claims to the family and fallback playbooks.`,
      pattern: pattern(anythingBut(claims(ofTier('specific')))),
    });
  }
  return routes;
}

function findingPattern(minSeverity: number, type: readonly unknown[] | undefined): RoutePattern {
  // At LOW no condition at all: every finding GuardDuty can emit alerts, even one scored below 1.
  const severity = minSeverity > SEVERITY_FLOOR.LOW ? [{ numeric: ['>=', minSeverity] }] : undefined;
  const detail = { ...(severity && { severity }), ...(type && { type }) };
  return {
    source: [FINDING_SOURCE],
    'detail-type': [FINDING_DETAIL_TYPE],
    ...(Object.keys(detail).length > 0 && { detail }),
  };
}

/** An exact type stays a plain string (readable in the console); a family becomes a wildcard. */
function typeMatcher(selector: string): string | { wildcard: string } {
  return selector.includes('*') ? { wildcard: selector } : selector;
}

function anythingBut(selectors: readonly string[]): readonly unknown[] | undefined {
  return selectors.length === 0 ? undefined : [{ 'anything-but': { wildcard: [...selectors] } }];
}
