#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/app';
import { ConfigError } from '../core/config';

try {
  buildApp(new App());
} catch (error) {
  // A bad flag is the user's typo, not our bug: print the message, not a stack trace.
  if (!(error instanceof ConfigError)) throw error;
  console.error(`guardduty-response: ${error.message}`);
  process.exit(1);
}
