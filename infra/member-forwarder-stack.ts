import { Aws, CliCredentialsStackSynthesizer, Stack, StackProps } from 'aws-cdk-lib';
import { Construct } from 'constructs';
import { ResponseConfig } from '../core/config';
import { ForwardingRules } from './constructs/forwarding-rules';
import { apiCallForwardingRoutes } from '../core/routing';

export interface MemberForwarderStackProps extends StackProps {
  readonly config: ResponseConfig;
  /** The security account, whose home-Region default bus receives the calls. */
  readonly securityAccountId: string;
  readonly homeRegion: string;
}

/**
 * Deployed in every member account and Region (a service-managed StackSet over the organisation's
 * units, or one `cdk deploy` per account and Region): CloudTrail delivers a GuardDuty API call to
 * EventBridge in the account and Region where it was made, so a member's `DeleteDetector` would
 * otherwise go unseen by the security account. One rule per enabled API-call playbook, matching
 * the same write operations as at home, sends the call to the security account's home-Region
 * default bus, whose policy accepts only the organisation and only source `aws.guardduty`
 * (GuardDutyResponseStack). Findings need no forwarding: GuardDuty already sends members'
 * findings to the administrator account.
 *
 * StackSet-ready: no bootstrap parameter, no assets, no metadata. Calls that cannot be delivered
 * wait in this account's dead-letter queue, whose alarm is in this account (the security bus
 * accepts only GuardDuty events).
 */
export class MemberForwarderStack extends Stack {
  constructor(scope: Construct, id: string, props: MemberForwarderStackProps) {
    super(scope, id, { ...props, synthesizer: new CliCredentialsStackSynthesizer(), analyticsReporting: false });
    new ForwardingRules(this, 'Forward', {
      routes: apiCallForwardingRoutes(props.config, `the security account ${props.securityAccountId}`),
      targetBusArn: `arn:${Aws.PARTITION}:events:${props.homeRegion}:${props.securityAccountId}:event-bus/default`,
      ruleNamePrefix: `${this.stackName}-`,
    });
  }
}
