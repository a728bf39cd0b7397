import { Aws, Duration, Stack } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { breachAlarm } from './breach-alarm';

export interface DeadLetterQueueProps {
  /**
   * Every rule that dead-letters here has a name starting with this (PlaybookRule names its rules so).
   * EventBridge is allowed to send only from such rules of this account.
   */
  readonly ruleNamePrefix: string;
}

/**
 * The one dead-letter queue of the stack: events a rule target or a function could not handle
 * are kept here (14 days), and an alarm says so as soon as one waits.
 *
 * SQS allows 8,192 bytes and 20 statements per queue policy (Amazon SQS Developer Guide, "Amazon
 * SQS policy quotas"). CDK's rule targets add one statement per rule, so the policy grew with
 * every playbook (18 statements and ~8.2 KB with all of them on). Rules therefore get
 * `ruleTargetQueue`, an imported reference to the same queue that adds nothing to its policy,
 * and this construct writes one statement for every rule whose name starts with the prefix.
 */
export class DeadLetterQueue extends Construct {
  public readonly queue: sqs.Queue;
  /** The same queue as seen by rule targets: their DeadLetterConfig points at it, without a policy statement each. */
  public readonly ruleTargetQueue: sqs.IQueue;
  public readonly alarm: cloudwatch.Alarm;

  constructor(scope: Construct, id: string, props: DeadLetterQueueProps) {
    super(scope, id);
    this.queue = new sqs.Queue(this, 'Queue', {
      // SQS-managed encryption, not the stack key: with a customer managed key, EventBridge needs
      // kms:GenerateDataKey in the key policy, and whether EventBridge sets aws:SourceArn on that
      // KMS call is not documented (the EventBridge and SQS guides show only the queue policy's
      // condition). A key statement without it would be open to any rule of any account's
      // EventBridge acting as confused deputy; one with it might refuse every dead letter. SSE-SQS
      // keeps the events encrypted at rest and leaves the queue policy as the only gate.
      encryption: sqs.QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    this.ruleTargetQueue = sqs.Queue.fromQueueAttributes(this, 'RuleTargetQueue', {
      queueArn: this.queue.queueArn,
      queueUrl: this.queue.queueUrl,
    });
    // EventBridge sets aws:SourceArn (the rule) and aws:SourceAccount when it dead-letters an event
    // (EventBridge User Guide, "Using dead-letter queues to process undelivered events").
    const fromOurRules = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnLike: {
        'aws:SourceArn': [
          // Rules on the default bus, and rules on a custom bus (rule/<bus>/<name>).
          `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/${props.ruleNamePrefix}*`,
          `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:rule/*/${props.ruleNamePrefix}*`,
        ],
      },
    };
    this.queue.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'EventBridgeRulesDeadLetter',
        principals: [new iam.ServicePrincipal('events.amazonaws.com')],
        actions: ['sqs:SendMessage'],
        resources: [this.queue.queueArn],
        conditions: fromOurRules,
      }),
    );
    this.alarm = breachAlarm(this, 'Waiting', {
      alarmName: `${Stack.of(this).stackName}-dead-letters-waiting`,
      alarmDescription:
        'guardduty-response: events are waiting in the dead-letter queue. Each is a finding or event that was not handled; inspect the queue and re-drive it.',
      metric: this.queue.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
    });
  }
}
