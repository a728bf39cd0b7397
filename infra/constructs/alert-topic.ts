import { ArnFormat, Aws, Duration, Lazy, Stack, Token, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as cloudwatchActions from 'aws-cdk-lib/aws-cloudwatch-actions';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { ALERT_ATTRIBUTES, ALERT_CHANNELS } from '../../core/contract';
import { breachAlarm } from './breach-alarm';

export interface AlertTopicProps {
  /** Encrypts the topic. */
  readonly key: kms.IKey;
  /**
   * Email addresses subscribed to every alert.
   * @default - no email subscription
   */
  readonly emails?: readonly string[];
  /**
   * E.164 phone numbers subscribed by SMS.
   * @default - no SMS subscription
   */
  readonly phoneNumbers?: readonly string[];
  /**
   * SMS subscriptions only receive alerts whose severity score is at least this.
   * @default 7 (HIGH)
   */
  readonly smsMinSeverity?: number;
  /**
   * The account's monthly SMS spend limit in USD (SNS text messaging preferences): an alarm
   * tells the email subscribers when this month's SMS spend reaches 80% of it.
   * @default - no SMS spend alarm
   */
  readonly smsMonthlyBudgetUsd?: number;
}

const CLOUDWATCH = 'cloudwatch.amazonaws.com';
const SNS = 'sns.amazonaws.com';

/**
 * The one SNS topic every playbook reports to. Only roles granted with `grantPublish` (and
 * CloudWatch, for alarms added with `notifyOnAlarm`) may publish, and only over TLS.
 */
export class AlertTopic extends Construct {
  public readonly topic: sns.Topic;
  /** Alerts SNS gave up delivering to an email or SMS subscription; absent without subscriptions. */
  public readonly undelivered?: sqs.Queue;
  private readonly key: kms.IKey;
  private readonly publisherRoleArns: string[] = [];
  private readonly publisherServices: string[] = [];
  private readonly alarmArns: string[] = [];

  constructor(scope: Construct, id: string, props: AlertTopicProps) {
    super(scope, id);
    this.key = props.key;
    this.topic = new sns.Topic(this, 'Topic', {
      displayName: 'GuardDuty response alerts',
      masterKey: props.key,
      enforceSSL: true,
    });
    // A Deny wins over any Allow an account admin might add later: nobody but this stack's
    // functions can put words in the alert channel. aws:PrincipalArn is the role ARN for role
    // sessions; a service principal has no aws:PrincipalArn but an aws:PrincipalServiceName.
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'OnlyGuardDutyResponseFunctionsPublish',
        effect: iam.Effect.DENY,
        principals: [new iam.AnyPrincipal()],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: {
          ArnNotEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.publisherRoleArns }, { omitEmpty: false }) },
          StringNotEquals: { 'aws:PrincipalServiceName': Lazy.list({ produce: () => this.publisherServices }, { omitEmpty: false }) },
        },
      }),
    );
    const emails = props.emails ?? [];
    const phoneNumbers = props.phoneNumbers ?? [];
    const deadLetterQueue = emails.length + phoneNumbers.length > 0 ? this.undeliveredAlertsQueue() : undefined;
    this.undelivered = deadLetterQueue;
    // CDK's SmsSubscription drops its deadLetterQueue prop (aws-cdk-lib 2.27x: bind() does not pass
    // it on), so both kinds are bound here, with the id CDK's own classes use (the endpoint): the
    // subscriptions of an existing deployment keep their logical ids and are not re-confirmed.
    const subscribe = (protocol: sns.SubscriptionProtocol, endpoint: string, filterPolicy?: Record<string, sns.SubscriptionFilter>) =>
      this.topic.addSubscription({ bind: () => ({ subscriberId: endpoint, endpoint, protocol, filterPolicy, deadLetterQueue }) });
    for (const email of emails) subscribe(sns.SubscriptionProtocol.EMAIL, email);
    // Phones ring from smsMinSeverity up, and never for an email-only alert (reminders, samples).
    const smsFilter = {
      [ALERT_ATTRIBUTES.severityScore]: sns.SubscriptionFilter.numericFilter({ greaterThanOrEqualTo: props.smsMinSeverity ?? 7 }),
      [ALERT_ATTRIBUTES.channel]: sns.SubscriptionFilter.stringFilter({ allowlist: [ALERT_CHANNELS.all] }),
    };
    for (const phoneNumber of phoneNumbers) subscribe(sns.SubscriptionProtocol.SMS, phoneNumber, smsFilter);
    const stack = Stack.of(this).stackName;
    this.notifyOnAlarm(
      breachAlarm(this, 'NotificationsFailed', {
        alarmName: `${stack}-alert-notifications-failed`,
        alarmDescription: 'guardduty-response: SNS could not deliver alerts to some subscribers (SMS refused or over the spend limit, email bounced): check the delivery status logs of the topic.',
        metric: this.topic.metricNumberOfNotificationsFailed({ period: Duration.minutes(5), statistic: cloudwatch.Stats.SUM }),
      }),
    );
    if (this.undelivered) {
      this.notifyOnAlarm(
        breachAlarm(this, 'UndeliveredWaiting', {
          alarmName: `${stack}-alerts-undelivered`,
          alarmDescription:
            'guardduty-response: SNS gave up delivering alerts to an email address or phone; they are kept in the undelivered-alerts queue (14 days). Read them there, and fix the subscription.',
          metric: this.undelivered.metricApproximateNumberOfMessagesVisible({ period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
        }),
      );
    }
    if (props.smsMonthlyBudgetUsd !== undefined) {
      // SNS stops sending SMS for the rest of the month once the account's spend limit is reached,
      // CRITICAL pages included (Amazon SNS Developer Guide, "Setting SMS messaging preferences").
      this.notifyOnAlarm(
        breachAlarm(this, 'SmsSpend', {
          alarmName: `${stack}-sms-spend-80-percent`,
          alarmDescription: `guardduty-response: this month's SMS spend reached 80% of ${props.smsMonthlyBudgetUsd} USD; at the account's limit SNS stops sending SMS, pages included.`,
          metric: new cloudwatch.Metric({ namespace: 'AWS/SNS', metricName: 'SMSMonthToDateSpentUSD', period: Duration.minutes(5), statistic: cloudwatch.Stats.MAXIMUM }),
          threshold: 0.8 * props.smsMonthlyBudgetUsd,
        }),
      );
    }
  }

  /**
   * The dead-letter queue of the email and SMS subscriptions. SNS retries email and SMS on its own
   * schedule (50 attempts over 6 hours) and then discards the alert, unless the subscription has a
   * redrive policy (Amazon SNS Developer Guide, "Amazon SNS message delivery retries" and "Amazon
   * SNS dead-letter queues").
   *
   * - Encrypted with the stack key: SNS can write to an encrypted dead-letter queue only when the
   *   queue uses a customer managed key whose policy lets the SNS service principal use it (same
   *   guide, "Amazon SNS dead-letter queues"), so the SSE-SQS queue of the rules cannot serve.
   * - Each subscription adds the queue-policy statement that admits SNS from this topic
   *   (aws:SourceArn); being identical they merge into one, however many people subscribe (SQS
   *   allows 20 statements per queue policy: test/infra/quotas.test.ts subscribes 24 addresses).
   * - The key policy cannot name the topic: the topic refers to the key, so naming it back would be a
   *   dependency cycle (and the topic's name is generated). Its statement admits SNS deliveries
   *   from this account's topics in this Region (aws:SourceArn, the condition CDK's own SQS
   *   subscriptions put on a queue's key); the queue policy is the gate that names this topic.
   */
  private undeliveredAlertsQueue(): sqs.Queue {
    const queue = new sqs.Queue(this, 'Undelivered', {
      encryption: sqs.QueueEncryption.KMS,
      encryptionMasterKey: this.key,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(queue).acknowledge({
      id: 'AwsSolutions::AwsSolutions-SQS3',
      reason: "This queue is a dead-letter queue: the alert topic's email and SMS subscriptions redrive to it (cdk-nag recognises only queues' redrive policies).",
    });
    this.letServiceUseKey('AlertSubscriptionsDeadLetter', SNS, { ArnLike: { 'aws:SourceArn': Stack.of(this).formatArn({ service: 'sns', resource: '*' }) } });
    return queue;
  }

  /** Lets `role` publish (and use the topic's key); every other principal stays denied. */
  public grantPublish(role: iam.IRole): void {
    this.topic.grantPublish(role);
    this.publisherRoleArns.push(role.roleArn);
  }

  /**
   * Sends the alarm's state changes to the topic (email only: they carry no severity_score for the SMS filter).
   *
   * A topic policy replaces SNS's default access policy, so CloudWatch needs an explicit Allow, and
   * KMS one on the key, or the alarm fires and its action fails ("not authorized to perform
   * SNS:Publish" in the alarm history). Both are scoped to this stack's alarms with aws:SourceArn
   * and aws:SourceAccount, the confused-deputy keys CloudWatch sets when it publishes (Amazon SNS
   * Developer Guide, "Amazon SNS data encryption" and "Preventing the confused deputy problem").
   */
  public notifyOnAlarm(alarm: cloudwatch.Alarm): void {
    alarm.addAlarmAction(new cloudwatchActions.SnsAction(this.topic));
    // The alarm refers to the topic, the topic to the key: the policies must name the alarm without
    // a reference to it, or the template has a dependency cycle. So alarms that publish here are named.
    const alarmName = (alarm.node.defaultChild as cloudwatch.CfnAlarm).alarmName;
    if (!alarmName || Token.isUnresolved(alarmName)) throw new Error(`alarm ${alarm.node.path} needs an explicit alarmName to publish to the alert topic`);
    this.alarmArns.push(Stack.of(this).formatArn({ service: 'cloudwatch', resource: 'alarm', resourceName: alarmName, arnFormat: ArnFormat.COLON_RESOURCE_NAME }));
    if (this.publisherServices.includes(CLOUDWATCH)) return;
    this.publisherServices.push(CLOUDWATCH);
    const fromTheseAlarms = {
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      ArnEquals: { 'aws:SourceArn': Lazy.list({ produce: () => this.alarmArns }) },
    };
    this.topic.addToResourcePolicy(
      new iam.PolicyStatement({
        sid: 'CloudWatchAlarmsPublish',
        principals: [new iam.ServicePrincipal(CLOUDWATCH)],
        actions: ['sns:Publish'],
        resources: [this.topic.topicArn],
        conditions: fromTheseAlarms,
      }),
    );
    this.letServiceUseKey('CloudWatchAlarmsPublish', CLOUDWATCH, fromTheseAlarms);
  }

  /** What a service needs of the key to write encrypted messages (to the topic, or to a queue under it), under `conditions`. */
  private letServiceUseKey(sid: string, service: string, conditions: Record<string, unknown>): void {
    this.key.addToResourcePolicy(
      new iam.PolicyStatement({ sid, principals: [new iam.ServicePrincipal(service)], actions: ['kms:Decrypt', 'kms:GenerateDataKey'], resources: ['*'], conditions }),
    );
  }

}
