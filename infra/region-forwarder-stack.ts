import { Aws, CliCredentialsStackSynthesizer, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';
import { ResponseConfig } from '../core/config';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { ForwardingRules } from './constructs/forwarding-rules';
import { regionForwardingRoutes } from '../core/routing';

export interface RegionForwarderStackProps extends StackProps {
  readonly config: ResponseConfig;
  /** Where the main stack runs: everything here goes to that Region's default bus, in this account. */
  readonly homeRegion: string;
}

/** The state-change events of the forwarder's dead-letter alarm, which the home stack turns into an alert. */
export const FORWARDER_ALARM_DETAIL_TYPE = 'CloudWatch Alarm State Change';

/**
 * One per Region other than the home Region, in the security account: GuardDuty is regional, so
 * its findings and its API calls reach EventBridge only in their own Region. Rules send them to
 * the home Region's default bus (a cross-Region event bus target), where the main stack's rules
 * treat them like home events; handlers already act in the Region the event names.
 *
 * Nothing is lost on the way (ForwardingRules: a dead-letter queue in this Region), and the
 * queue's alarm reaches the home alert topic the same way, as an alarm state-change event on
 * the home bus (an alarm action can only publish to a topic in its own Region).
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-cross-region.html
 */
export class RegionForwarderStack extends Stack {
  public readonly deadLetters: DeadLetterQueue;

  constructor(scope: Construct, id: string, props: RegionForwarderStackProps) {
    // No assets: deployed with the caller's credentials, so no Region needs `cdk bootstrap` but the home Region.
    super(scope, id, { ...props, synthesizer: new CliCredentialsStackSynthesizer(), analyticsReporting: false });
    const ruleNamePrefix = `${this.stackName}-`;
    const forwarding = new ForwardingRules(this, 'Forward', {
      routes: regionForwardingRoutes(props.config),
      targetBusArn: `arn:${Aws.PARTITION}:events:${props.homeRegion}:${Aws.ACCOUNT_ID}:event-bus/default`,
      ruleNamePrefix,
    });
    this.deadLetters = forwarding.deadLetters;
    const target = forwarding.target;
    // The dead-letter alarm's state changes go home too: the home stack alerts on them.
    new events.Rule(this, 'fwd-alarm-rule', {
      ruleName: `${ruleNamePrefix}fwd-alarm`,
      description: `[fwd-alarm] Sends the state changes of this Region's dead-letter alarm to ${props.homeRegion}, where they are alerted.`,
      eventPattern: { source: ['aws.cloudwatch'], detailType: [FORWARDER_ALARM_DETAIL_TYPE], resources: [this.deadLetters.alarm.alarmArn] },
      targets: [target],
    });
  }
}
