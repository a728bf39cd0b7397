/**
 * What a Lambda entry file builds once per container: clients and settings from the environment
 * the stack sets. Only entry files (lambdas/<handler>/index.ts) and the simulator (which reads
 * the same variables from the synthesized template) call this.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SNSClient } from '@aws-sdk/client-sns';
import { HANDLER_ENV } from '../../core/contract';
import { NOTIFY_TIMEOUT_SECONDS, SDK_TIMING, type SdkTiming } from '../../core/timing';
import type { DeferredClaim } from '../../core/routing';
import { dynamoDeliveryLog } from './delivery-log';
import { dynamoFindingState } from './finding-state';
import { StormOptions, dynamoStormControl } from './storm';
import type { HandlerDependencies } from './handler-shell';

export type Environment = Readonly<Record<string, string | undefined>>;

/** Reads a variable the stack sets; a missing one is a deployment bug, reported by name. */
export function requiredEnv(name: (typeof HANDLER_ENV)[keyof typeof HANDLER_ENV], env: Environment = process.env): string {
  const value = env[name];
  if (!value) throw new Error(`environment variable ${name} is not set; deploy the function through the guardduty-response stack`);
  return value;
}

/** The settings every handler reads from its environment. */
export function settingsFromEnvironment(env: Environment): Pick<HandlerDependencies, 'topicArn' | 'playbookId' | 'ownRoleArns' | 'deferredClaims'> {
  return {
    topicArn: requiredEnv(HANDLER_ENV.topicArn, env),
    playbookId: requiredEnv(HANDLER_ENV.playbookId, env),
    ownRoleArns: (env[HANDLER_ENV.ownRoleArns] ?? '').split(',').filter((arn) => arn !== ''),
    deferredClaims: JSON.parse(env[HANDLER_ENV.deferredClaims] ?? '[]') as DeferredClaim[],
  };
}

/** An AWS client's configuration: bounded attempts, each bounded in time (core/timing.ts). */
export function clientTiming(timing: SdkTiming) {
  return {
    retryMode: timing.retryMode,
    maxAttempts: timing.maxAttempts,
    // Without throwOnRequestTimeout, this SDK's HTTP handler only logs a warning when the request
    // timeout passes and goes on waiting (measured with bench/worst-case-call.ts).
    requestHandler: { connectionTimeout: timing.connectionTimeoutMs, requestTimeout: timing.requestTimeoutMs, throwOnRequestTimeout: true },
  } as const;
}

/** Every AWS client of a function but the remediation clients (REMEDIATION_SDK_TIMING). */
export const CLIENT_TIMING = clientTiming(SDK_TIMING);

export function dependenciesFromEnvironment(): HandlerDependencies {
  const env = process.env;
  const table = env[HANDLER_ENV.stateTable];
  return {
    sns: new SNSClient(CLIENT_TIMING),
    logger: new Logger(),
    ...settingsFromEnvironment(env),
    // Finding playbooks keep a conversation per finding; API-call playbooks one alert per event.
    ...(table && env[HANDLER_ENV.realertHours] !== undefined && { findingState: dynamoFindingState(new DynamoDBClient(CLIENT_TIMING), table, { realertHours: realertHoursOf(env) }) }),
    ...(table && env[HANDLER_ENV.realertHours] === undefined && { deliveryLog: dynamoDeliveryLog(new DynamoDBClient(CLIENT_TIMING), table, NOTIFY_TIMEOUT_SECONDS) }),
    ...(table && env[HANDLER_ENV.stormThreshold] !== undefined && { stormControl: dynamoStormControl(new DynamoDBClient(CLIENT_TIMING), table, stormOptionsOf(env)) }),
  };
}

/** STORM_THRESHOLD and STORM_WINDOW_MINUTES as the stack writes them (whole numbers). */
export function stormOptionsOf(env: Environment): StormOptions {
  const whole = (name: typeof HANDLER_ENV.stormThreshold | typeof HANDLER_ENV.stormWindowMinutes) => {
    const value = Number(requiredEnv(name, env));
    if (!Number.isInteger(value) || value < 0) throw new Error(`environment variable ${name} is '${env[name]}', not a whole number`);
    return value;
  };
  return { threshold: whole(HANDLER_ENV.stormThreshold), windowMinutes: whole(HANDLER_ENV.stormWindowMinutes) };
}

/** REALERT_HOURS as the stack writes it (a whole number, 0 to turn reminders off). */
export function realertHoursOf(env: Environment): number {
  const hours = Number(requiredEnv(HANDLER_ENV.realertHours, env));
  if (!Number.isInteger(hours) || hours < 0) throw new Error(`environment variable ${HANDLER_ENV.realertHours} is '${env[HANDLER_ENV.realertHours]}', not a whole number of hours`);
  return hours;
}
