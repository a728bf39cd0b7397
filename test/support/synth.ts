import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../core/config';
import { GuardDutyResponseStack } from '../../infra/guardduty-response-stack';

/**
 * Context that makes a synthesis cheap where a test reads only the template: no Lambda bundling
 * (`aws:cdk:bundling-stacks`), and no stack trace captured for every construct and annotation
 * (a quarter of a synthesis, more under jest, which maps each trace through source maps).
 * The full-synth test runs without it, as `cdk synth` does.
 */
export const UNIT_TEST_CONTEXT = {
  'aws:cdk:bundling-stacks': [],
  'aws:cdk:disable-creation-stack-traces': true,
  'aws:cdk:disable-stack-trace': true,
} as const;

/** An app for a test that reads templates: UNIT_TEST_CONTEXT, then `context`; no CloudFormation validation. */
export function unitTestApp(context: Record<string, unknown> = {}): App {
  return new App({ context: { ...UNIT_TEST_CONTEXT, ...context }, builtinCloudFormationValidation: false });
}

export interface SynthOptions {
  /** Bundle the Lambda code and run CloudFormation validation, as `cdk synth` does. Slow: one test only. */
  readonly full?: boolean;
}

/** Synthesizes the stack with `context` as `-c` flags would give it. */
export function synthStack(context: Record<string, unknown> = {}, options: SynthOptions = {}): { stack: GuardDutyResponseStack; template: Template } {
  const app = options.full ? new App({ context }) : unitTestApp(context);
  const stack = new GuardDutyResponseStack(app, 'GuardDutyResponse', {
    env: { account: '111122223333', region: 'eu-west-1' },
    config: loadConfig(app.node.getAllContext()),
  });
  return { stack, template: Template.fromStack(stack) };
}
