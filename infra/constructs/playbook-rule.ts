import { Duration } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { RouteSpec } from '../../core/routing';

export interface PlaybookRuleProps {
  readonly route: RouteSpec;
  readonly eventBus: events.IEventBus;
  /** A Lambda function or the next event bus. */
  readonly target: events.IRuleTarget;
  /**
   * The rule's name: the dead-letter queue accepts events from this stack's rules by name prefix.
   * EventBridge rule names are 1-64 characters of [.\-_A-Za-z0-9] (EventBridge API Reference, PutRule).
   */
  readonly ruleName: string;
}

/** Retry budget for each target: EventBridge keeps retrying a failed delivery this long, then dead-letters it. */
export const TARGET_RETRY = { attempts: 8, maxEventAge: Duration.hours(6) } as const;

/** One EventBridge rule built from a route of `core/routing.ts`. */
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
      targets: [props.target],
    });
  }
}

/** Dead-letter and retry settings shared by every target. */
export function targetOptions(deadLetterQueue: sqs.IQueue) {
  return { deadLetterQueue, retryAttempts: TARGET_RETRY.attempts, maxEventAge: TARGET_RETRY.maxEventAge };
}
