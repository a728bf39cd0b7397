import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { loadConfig } from '../../core/config';
import { GuardDutyResponseStack } from '../../infra/guardduty-response-stack';

export interface SynthOptions {
  /** Bundle the Lambda code and run CloudFormation validation, as `cdk synth` does. Slow: one test only. */
  readonly full?: boolean;
}

/** Synthesizes the stack with `context` as `-c` flags would give it. */
export function synthStack(context: Record<string, unknown> = {}, options: SynthOptions = {}): { stack: GuardDutyResponseStack; template: Template } {
  const app = new App({
    context: { ...(!options.full && { 'aws:cdk:bundling-stacks': [] }), ...context },
    ...(!options.full && { builtinCloudFormationValidation: false }),
  });
  const stack = new GuardDutyResponseStack(app, 'GuardDutyResponse', {
    env: { account: '111122223333', region: 'eu-west-1' },
    config: loadConfig(app.node.getAllContext()),
  });
  return { stack, template: Template.fromStack(stack) };
}
