/**
 * Routes an event through the EventBridge rules of a synthesized CloudFormation template, the
 * way EventBridge would: the rules of the default bus first, then, for a rule whose target is
 * another bus of the template, that bus's rules (EventBridge forwards bus to bus once).
 * Used by the routing tests and the simulator, so both check what is deployed, not the catalog.
 */
import { HANDLER_ENV } from '../core/contract';
import { EventPattern, matchesEventPattern } from '../core/event-pattern';
import type { DeferredClaim } from '../core/routing';

export interface TemplateRule {
  readonly logicalId: string;
  /** `default`, or the logical id of an AWS::Events::EventBus of the template. */
  readonly bus: string;
  readonly description: string;
  /** The playbook id from the description's `[id]` prefix. */
  readonly key: string;
  readonly pattern: EventPattern;
  /** Logical ids of the target resources (Lambda functions, event buses). */
  readonly targets: readonly string[];
}

export interface Delivery {
  readonly rule: TemplateRule;
  /** Logical id of the Lambda function that receives the event. */
  readonly functionId: string;
  /** Set when the function's DEFERRED_CLAIMS leave this event to that playbook: it receives it but does not alert. */
  readonly deferredTo?: string;
}

interface CfnResource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export function rulesFromTemplate(template: { Resources?: Record<string, CfnResource> }): TemplateRule[] {
  const rules: TemplateRule[] = [];
  for (const [logicalId, resource] of Object.entries(template.Resources ?? {})) {
    if (resource.Type !== 'AWS::Events::Rule' || !resource.Properties?.EventPattern) continue;
    const props = resource.Properties;
    const description = String(props.Description ?? '');
    rules.push({
      logicalId,
      bus: props.EventBusName === undefined || props.EventBusName === 'default' ? 'default' : referencedId(props.EventBusName) ?? String(props.EventBusName),
      description,
      key: /^\[([^\]]+)\]/.exec(description)?.[1] ?? logicalId,
      pattern: props.EventPattern as EventPattern,
      targets: ((props.Targets as { Arn?: unknown }[] | undefined) ?? []).map((t) => referencedId(t.Arn)).filter((id): id is string => id !== undefined),
    });
  }
  return rules;
}

/** Every function the event reaches, through every matching rule. */
export function routeEvent(template: { Resources?: Record<string, CfnResource> }, rules: readonly TemplateRule[], event: unknown): Delivery[] {
  const resources = template.Resources ?? {};
  const deliveries: Delivery[] = [];
  const visit = (bus: string, forwarded: boolean) => {
    for (const rule of rules) {
      if (rule.bus !== bus || !matchesEventPattern(rule.pattern, event)) continue;
      for (const target of rule.targets) {
        const type = resources[target]?.Type;
        if (type === 'AWS::Lambda::Function') deliveries.push({ rule, functionId: target, deferredTo: deferredTo(resources[target], event) });
        else if (type === 'AWS::Events::EventBus' && !forwarded) visit(target, true);
      }
    }
  };
  visit('default', false);
  return deliveries;
}

/** The playbook whose claim, among the function's DEFERRED_CLAIMS, matches the event (core/routing.ts). */
function deferredTo(resource: CfnResource | undefined, event: unknown): string | undefined {
  if (!resource) return undefined;
  const detail = (event as { detail?: unknown } | null)?.detail;
  return claimsOf(resource).find((c) => matchesEventPattern(c.pattern, { detail }))?.playbookId;
}

/** Parsed once per template resource: the router runs over thousands of events. */
const parsedClaims = new WeakMap<CfnResource, { playbookId: string; pattern: EventPattern }[]>();

function claimsOf(resource: CfnResource): { playbookId: string; pattern: EventPattern }[] {
  let claims = parsedClaims.get(resource);
  if (!claims) {
    const variables = (resource.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables;
    const text = variables?.[HANDLER_ENV.deferredClaims];
    claims = typeof text === 'string' ? (JSON.parse(text) as DeferredClaim[]).map((c) => ({ playbookId: c.playbookId, pattern: { detail: c.detail } })) : [];
    parsedClaims.set(resource, claims);
  }
  return claims;
}

/** Only the deliveries that end in an alert. */
export function alertingDeliveries(deliveries: readonly Delivery[]): Delivery[] {
  return deliveries.filter((d) => d.deferredTo === undefined);
}

/** The logical id inside `{ Ref: id }` or `{ 'Fn::GetAtt': [id, attr] }`. */
function referencedId(value: unknown): string | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const ref = (value as { Ref?: unknown }).Ref;
  if (typeof ref === 'string') return ref;
  const getAtt = (value as { 'Fn::GetAtt'?: unknown })['Fn::GetAtt'];
  return Array.isArray(getAtt) && typeof getAtt[0] === 'string' ? getAtt[0] : undefined;
}
