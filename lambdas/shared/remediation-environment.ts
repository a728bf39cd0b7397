/**
 * What a remediation entry file builds once per container, on top of the common dependencies:
 * settings from the environment and the EC2/STS client factories. Kept apart from
 * environment.ts so that notify bundles carry no EC2 or STS client; the Auto Scaling factory is a
 * separate export that only isolation's entry uses, so revoke-ssh's bundle carries no Auto Scaling
 * client (the bundler drops an unused export and the SDK package it imports).
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { STSClient } from '@aws-sdk/client-sts';
import { isPlaybookId, playbookById, settingsOf } from '../../core/catalog';
import { HANDLER_ENV } from '../../core/contract';
import { decodeSettings } from '../../core/settings';
import { REMEDIATION_SDK_TIMING, REMEDIATION_TIMEOUT_SECONDS } from '../../core/timing';
import { CLIENT_TIMING, Environment, clientTiming, dependenciesFromEnvironment, requiredEnv } from './environment';
import type { AutoScalingClients, RemediationDependencies, RemediationSettings } from './remediation';
import { dynamoInstanceLocks } from './instance-lock';
import { guardDutyVerifier } from './verify';

/** The settings of the function's handler (the catalog names them), decoded as the stack encoded them. */
export function remediationSettingsFromEnvironment(env: Environment): RemediationSettings {
  const playbookId = requiredEnv(HANDLER_ENV.playbookId, env);
  if (!isPlaybookId(playbookId)) throw new Error(`environment variable ${HANDLER_ENV.playbookId} is '${playbookId}', not a playbook of the catalog`);
  return decodeSettings(settingsOf(playbookById(playbookId).handler), env);
}

/** The remediation clients wait longer for EC2's token buckets (core/timing.ts REMEDIATION_SDK_TIMING). */
const REMEDIATION_CLIENT_TIMING = clientTiming(REMEDIATION_SDK_TIMING);

/** Auto Scaling clients for isolation (it detaches an instance from its group); one per call, as they are rare. */
export const autoScalingClients: AutoScalingClients = (region, credentials) => new AutoScalingClient({ ...REMEDIATION_CLIENT_TIMING, region, ...(credentials && { credentials }) });

export function remediationFromEnvironment(): RemediationDependencies {
  const table = process.env[HANDLER_ENV.stateTable];
  const ec2Clients = new Map<string, EC2Client>();
  let sts: STSClient | undefined;
  const guardDutyClients = new Map<string, GuardDutyClient>();
  return {
    ...dependenciesFromEnvironment(),
    settings: remediationSettingsFromEnvironment(process.env),
    ec2Client: (region, credentials) => {
      // The function's own clients are reused across invocations; assumed-role clients live one invocation.
      if (credentials) return new EC2Client({ ...REMEDIATION_CLIENT_TIMING, region, credentials });
      let client = ec2Clients.get(region);
      if (!client) ec2Clients.set(region, (client = new EC2Client({ ...REMEDIATION_CLIENT_TIMING, region })));
      return client;
    },
    stsClient: () => (sts ??= new STSClient(REMEDIATION_CLIENT_TIMING)),
    verifyFinding: guardDutyVerifier((region) => {
      let client = guardDutyClients.get(region);
      if (!client) guardDutyClients.set(region, (client = new GuardDutyClient({ ...REMEDIATION_CLIENT_TIMING, region })));
      return client;
    }),
    now: () => new Date(),
    // Held at most for the function's timeout and a minute: a crashed holder never blocks an instance for long.
    ...(table && { instanceLocks: dynamoInstanceLocks(new DynamoDBClient(CLIENT_TIMING), table, REMEDIATION_TIMEOUT_SECONDS + 60) }),
  };
}
