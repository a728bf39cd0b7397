import * as events from 'aws-cdk-lib/aws-events';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { RouteSpec } from '../../core/routing';
import { DeadLetterQueue } from './dead-letter-queue';
import { eventBridgeRole } from './event-bridge-role';
import { PlaybookRule, RuleDestination, ruleTarget } from './playbook-rule';

export interface ForwardingRulesProps {
  /** What to forward: one rule per route, on this Region's default bus. */
  readonly routes: readonly RouteSpec[];
  /** The event bus everything goes to: the security account's default bus in the home Region. */
  readonly targetBusArn: string;
  /** Names of this stack's rules start with it (the role's trust and the queue's policy rely on it). */
  readonly ruleNamePrefix: string;
}

/**
 * Rules that send events to another Region's or account's event bus, as EventBridge requires for
 * such targets: through a role (trusted by EventBridge for these rules only, allowed to put events
 * on that one bus) and with a dead-letter queue in the rule's own Region and account, so an event
 * that cannot be delivered after EventBridge's retries (24 hours, 185 attempts) is kept.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-account.html
 */
export class ForwardingRules extends Construct {
  public readonly deadLetters: DeadLetterQueue;
  /** The bus target every rule uses; more rules may use it. */
  public readonly target: events.IRuleTarget;

  constructor(scope: Construct, id: string, props: ForwardingRulesProps) {
    super(scope, id);
    const role = eventBridgeRole(this, 'Role', {
      description: 'guardduty-response: forwards GuardDuty events to the security account home Region bus',
      ruleName: `${props.ruleNamePrefix}*`,
    });
    role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['events:PutEvents'], resources: [props.targetBusArn] }));
    this.deadLetters = new DeadLetterQueue(this, 'DeadLetters', { ruleNamePrefix: props.ruleNamePrefix });
    const destination: RuleDestination = { eventBus: events.EventBus.fromEventBusArn(this, 'TargetBus', props.targetBusArn), role };
    this.target = ruleTarget(destination, this.deadLetters.ruleTargetQueue);
    const localBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    for (const route of props.routes) {
      new PlaybookRule(this, `${route.key}-rule`, { route, eventBus: localBus, destination, deadLetterQueue: this.deadLetters.ruleTargetQueue, ruleName: `${props.ruleNamePrefix}${route.key}` });
    }
  }
}
