/**
 * The rules of `core/routing.ts` as a minimal CloudFormation template, wired as the stack wires
 * them (a function per playbook route, the forwarding rule to the unclaimed bus, DEFERRED_CLAIMS on
 * unclaimed-bus functions), so the template router runs over them without synthesizing. The
 * routing tests check on a few configurations that a real synthesis has the same wiring.
 */
import { HANDLER_ENV } from '../../core/contract';
import { ResponseConfig } from '../../core/config';
import { allRoutes, deferredClaims } from '../../core/routing';
import { rulesFromTemplate } from '../../simulator/template-router';

type Resources = Record<string, { Type: string; Properties?: Record<string, unknown> }>;

const UNCLAIMED_BUS = 'UnclaimedFindings';

export function templateOfRoutes(config: ResponseConfig): { Resources: Resources } {
  const resources: Resources = {};
  for (const route of allRoutes(config)) {
    const target = route.playbookId ? `Function-${route.playbookId}` : UNCLAIMED_BUS;
    if (route.playbookId) {
      const deferred = route.bus === 'unclaimed' ? deferredClaims(config, route.playbookId) : [];
      resources[target] = {
        Type: 'AWS::Lambda::Function',
        Properties: { Environment: { Variables: { [HANDLER_ENV.playbookId]: route.playbookId, ...(deferred.length > 0 && { [HANDLER_ENV.deferredClaims]: JSON.stringify(deferred) }) } } },
      };
    } else {
      resources[UNCLAIMED_BUS] = { Type: 'AWS::Events::EventBus' };
    }
    resources[`Rule-${route.key}`] = {
      Type: 'AWS::Events::Rule',
      Properties: {
        ...(route.bus === 'unclaimed' && { EventBusName: { Ref: UNCLAIMED_BUS } }),
        Description: route.description,
        EventPattern: route.pattern,
        Targets: [{ Arn: { 'Fn::GetAtt': [target, 'Arn'] } }],
      },
    };
  }
  return { Resources: resources };
}

/** What routing depends on in a template, independent of logical ids: per rule its bus, pattern, target and the target's deferred claims. */
export function wiringOf(template: { Resources?: Resources }): unknown[] {
  const resources = template.Resources ?? {};
  const variablesOf = (id: string) => (resources[id]?.Properties?.Environment as { Variables?: Record<string, unknown> } | undefined)?.Variables ?? {};
  return rulesFromTemplate(template)
    .map((rule) => ({
      key: rule.key,
      bus: rule.bus === 'default' ? 'default' : 'unclaimed',
      pattern: rule.pattern,
      targets: rule.targets.map((id) =>
        resources[id]?.Type === 'AWS::Lambda::Function' ? { playbook: variablesOf(id)[HANDLER_ENV.playbookId], deferred: variablesOf(id)[HANDLER_ENV.deferredClaims] ?? null } : { bus: resources[id]?.Type },
      ),
    }))
    .sort((a, b) => a.key.localeCompare(b.key));
}
