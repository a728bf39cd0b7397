import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RouteSpec } from '../../core/routing';

/** Where a rule delivers: a playbook's function, or another event bus through a role EventBridge assumes. */
export type RuleDestination = { readonly function: lambda.IFunction } | { readonly eventBus: events.IEventBus; readonly role: iam.IRole };

export interface PlaybookRuleProps {
  readonly route: RouteSpec;
  /** The bus the rule listens on. */
  readonly eventBus: events.IEventBus;
  readonly destination: RuleDestination;
  /** Events the target could not take, after the retries, are kept here. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * The rule's name: the dead-letter queue accepts events from this stack's rules by name prefix.
   * EventBridge rule names are 1-64 characters of [.\-_A-Za-z0-9] (EventBridge API Reference, PutRule).
   */
  readonly ruleName: string;
}

/** Retry budget for each target: EventBridge keeps retrying a failed delivery this long, then dead-letters it. */
export const TARGET_RETRY = { attempts: 8, maxEventAge: Duration.hours(6) } as const;

/**
 * One EventBridge rule built from a route of `core/routing.ts`, owning its target as the CDK's
 * aws-events-targets do: the destination, its dead-letter queue and, for a function, the retry
 * policy (a bus target keeps EventBridge's default retry, which aws-events-targets does not expose).
 */
export class PlaybookRule extends Construct {
  public readonly rule: events.Rule;

  constructor(scope: Construct, id: string, props: PlaybookRuleProps) {
    super(scope, id);
    const { route } = props;
    if (!/^[.\-_A-Za-z0-9]{1,64}$/.test(props.ruleName)) {
      throw new Error(`rule name '${props.ruleName}' is not 1-64 characters of [.-_A-Za-z0-9] (EventBridge PutRule); use a shorter stack name`);
    }
    this.rule = new events.Rule(this, 'Rule', {
      ruleName: props.ruleName,
      description: route.description.slice(0, 512),
      eventBus: props.eventBus,
      eventPattern: {
        source: [...route.pattern.source],
        detailType: [...route.pattern['detail-type']],
        ...(route.pattern.detail && { detail: route.pattern.detail as Record<string, unknown> }),
      },
      targets: [ruleTarget(props.destination, props.deadLetterQueue)],
    });
  }
}

export function ruleTarget(destination: RuleDestination, deadLetterQueue: sqs.IQueue): events.IRuleTarget {
  return 'function' in destination
    ? new targets.LambdaFunction(destination.function, targetOptions(deadLetterQueue))
    : new targets.EventBus(destination.eventBus, { role: destination.role, deadLetterQueue });
}

/** Dead-letter and retry settings shared by every target that takes them (functions, topics). */
export function targetOptions(deadLetterQueue: sqs.IQueue) {
  return { deadLetterQueue, retryAttempts: TARGET_RETRY.attempts, maxEventAge: TARGET_RETRY.maxEventAge };
}
