#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { ConfigError, loadConfig } from '../lib/config';
import { GuardDutyResponseStack } from '../lib/guardduty-response-stack';

const app = new App();
let config;
try {
  config = loadConfig(app.node.getAllContext());
} catch (error) {
  // A bad flag is the user's typo, not our bug: print the message, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`guardduty-response: ${error.message}`);
  process.exit(1);
}
new GuardDutyResponseStack(app, 'GuardDutyResponse', {
  description: 'guardduty-response: alerts and automated response for Amazon GuardDuty',
  config,
});
