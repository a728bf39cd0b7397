import { App } from 'aws-cdk-lib';
import { loadConfig } from './config';
import { GuardDutyResponseStack } from './guardduty-response-stack';

export const STACK_ID = 'GuardDutyResponse';

/** The app as `cdk synth` builds it: one stack, configured from the app's context. Throws ConfigError on a bad flag. */
export function buildApp(app: App): GuardDutyResponseStack {
  return new GuardDutyResponseStack(app, STACK_ID, {
    description: 'guardduty-response: alerts and automated response for Amazon GuardDuty',
    config: loadConfig(app.node.getAllContext()),
  });
}
