/**
 * What a Lambda entry file builds once per container: clients and settings from the environment
 * the stack sets. Only entry files (lambdas/<handler>/index.ts) call this.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { HANDLER_ENV } from '../../lib/contract';
import type { HandlerDependencies } from './report';

/** Reads a variable the stack sets; a missing one is a deployment bug, reported by name. */
export function requiredEnv(name: (typeof HANDLER_ENV)[keyof typeof HANDLER_ENV]): string {
  const value = process.env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; deploy the function through the guardduty-response stack`);
  return value;
}

export function dependenciesFromEnvironment(): HandlerDependencies {
  return {
    sns: new SNSClient({}),
    topicArn: requiredEnv(HANDLER_ENV.topicArn),
    playbookId: requiredEnv(HANDLER_ENV.playbookId),
    logger: new Logger(),
    ownRoleArns: (process.env[HANDLER_ENV.ownRoleArns] ?? '').split(',').filter((arn) => arn !== ''),
  };
}
