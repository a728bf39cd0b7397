/**
 * The base every remediation shares: what it depends on, where the calls go (the finding's
 * account and region, through the member role in another account), and the first read (GuardDuty
 * confirms the finding, then the instance). Steps and their execution are in steps.ts. Clients
 * are built by factories passed in.
 */
import type { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { DescribeInstancesCommand, type EC2Client, type Instance } from '@aws-sdk/client-ec2';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { Finding } from './finding';
import { asString, at } from './json';
import type { RemediationSettingValues } from '../../core/settings';
import type { HandlerDependencies } from './handler-shell';
import type { InstanceLocks } from './instance-lock';
import { RESTORE_HEADER, commentLine, isEc2Id } from './restore-commands';
import { errorText } from './steps';
import type { FindingVerifier } from './verify';

export { errorText };

/** What a remediation obeys (core/settings.ts: the codec the stack writes them with). */
export type RemediationSettings = RemediationSettingValues;

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  readonly expiration?: Date;
}

export type AutoScalingClients = (region: string, credentials?: AwsCredentials) => AutoScalingClient;

export interface RemediationDependencies extends HandlerDependencies {
  readonly settings: RemediationSettings;
  /** An EC2 client for `region`, with the given credentials or the function's own. */
  readonly ec2Client: (region: string, credentials?: AwsCredentials) => EC2Client;
  /**
   * Only isolation calls Auto Scaling (createIsolateHandler requires it); revoke-ssh runs without.
   * @default - none: a step that needs Auto Scaling fails, naming it
   */
  readonly autoScalingClient?: AutoScalingClients;
  readonly stsClient: () => STSClient;
  /** Reads the finding back from GuardDuty before any change (verify.ts). */
  readonly verifyFinding: FindingVerifier;
  /**
   * One isolation per instance at a time (instance-lock.ts).
   * @default - no lock (tests, one delivery at a time)
   */
  readonly instanceLocks?: InstanceLocks;
  readonly now: () => Date;
}

export const OWN_ROLE = "the function's own role";

/** Where the remediation's calls go, and as whom. */
export interface ActingAccount {
  readonly ec2: EC2Client;
  /** Built on first use: only isolation calls Auto Scaling. */
  readonly autoScaling: () => AutoScalingClient;
  readonly accountId: string;
  readonly region: string;
  /** OWN_ROLE, or the member role's ARN. */
  readonly principal: string;
}

export class RemediationError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'RemediationError';
  }
}

/** STS role session names: 2-64 of [\w+=,.@-]. The finding id makes the session traceable in the member's CloudTrail. */
export function sessionName(findingId: string): string {
  return `guardduty-response-${findingId}`.replace(/[^\w+=,.@-]/g, '-').slice(0, 64);
}

function autoScalingOf(dependencies: RemediationDependencies): AutoScalingClients {
  if (!dependencies.autoScalingClient) throw new RemediationError(`the ${dependencies.playbookId} function has no Auto Scaling client: only isolation calls Auto Scaling`);
  return dependencies.autoScalingClient;
}

/** The finding's account and region decide where calls go; another account is reached through the member role. */
export async function targetOf(dependencies: RemediationDependencies, finding: Finding): Promise<ActingAccount> {
  const { settings } = dependencies;
  if (finding.accountId === settings.securityAccountId) {
    return {
      ec2: dependencies.ec2Client(finding.region),
      autoScaling: () => autoScalingOf(dependencies)(finding.region),
      accountId: finding.accountId,
      region: finding.region,
      principal: OWN_ROLE,
    };
  }
  if (!/^\d{12}$/.test(finding.accountId)) throw new RemediationError(`the finding's account id '${finding.accountId.slice(0, 40)}' is not a 12-digit AWS account id`);
  const roleArn = `arn:${finding.partition}:iam::${finding.accountId}:role/${settings.memberRoleName}`;
  try {
    const { Credentials } = await dependencies.stsClient().send(
      new AssumeRoleCommand({ RoleArn: roleArn, RoleSessionName: sessionName(finding.id), DurationSeconds: 900 }),
    );
    if (!Credentials?.AccessKeyId || !Credentials.SecretAccessKey) throw new Error('AssumeRole returned no credentials');
    const credentials = { accessKeyId: Credentials.AccessKeyId, secretAccessKey: Credentials.SecretAccessKey, sessionToken: Credentials.SessionToken, expiration: Credentials.Expiration };
    return {
      ec2: dependencies.ec2Client(finding.region, credentials),
      autoScaling: () => autoScalingOf(dependencies)(finding.region, credentials),
      accountId: finding.accountId,
      region: finding.region,
      principal: roleArn,
    };
  } catch (error) {
    throw new RemediationError(
      `could not assume ${roleArn} (${errorText(error)}); deploy the member stack in account ${finding.accountId} (see README)`,
      { cause: error },
    );
  }
}

/** What every instance remediation reads first: whether GuardDuty confirms the finding, then the instance it names, where it lives now. */
export type InstanceLookup =
  | { readonly kind: 'found'; readonly target: ActingAccount; readonly instance: Instance; readonly instanceId: string }
  | { readonly kind: 'gone'; readonly instanceId: string }
  | { readonly kind: 'unverified'; readonly reason: string }
  | { readonly kind: 'failed'; readonly failure: RemediationError };

export async function findInstance(dependencies: RemediationDependencies, finding: Finding): Promise<InstanceLookup> {
  const instanceId = asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId'));
  if (!instanceId) return { kind: 'failed', failure: new RemediationError('the finding names no instance (resource.instanceDetails.instanceId)') };
  // It goes into API calls, tags and printed commands: an id, or nothing is done.
  if (!isEc2Id('i', instanceId)) return { kind: 'failed', failure: new RemediationError(`the finding's instance ${JSON.stringify(instanceId.slice(0, 40))} is not an EC2 instance id (i- and 8 or 17 hex digits)`) };
  try {
    // Before any other call: a finding GuardDuty does not confirm changes nothing (verify.ts).
    const verification = await dependencies.verifyFinding(finding);
    if (!verification.verified) return { kind: 'unverified', reason: verification.reason };
  } catch (error) {
    return { kind: 'failed', failure: new RemediationError(`reading the finding back from GuardDuty failed: ${errorText(error)}`, { cause: error }) };
  }
  try {
    const target = await targetOf(dependencies, finding);
    const instance = (await target.ec2.send(new DescribeInstancesCommand({ InstanceIds: [instanceId] }))).Reservations?.[0]?.Instances?.[0];
    return instance ? { kind: 'found', target, instance, instanceId } : { kind: 'gone', instanceId };
  } catch (error) {
    if ((error as { name?: string }).name === 'InvalidInstanceID.NotFound') return { kind: 'gone', instanceId };
    return { kind: 'failed', failure: error instanceof RemediationError ? error : new RemediationError(`reading the instance failed: ${errorText(error)}`, { cause: error }) };
  }
}

/** The alert's words for a finding GuardDuty does not confirm: nothing was changed, and why. */
export function unverifiedSummary(reason: string): string {
  return `Nothing was changed: ${reason}. A remediation acts only on findings GuardDuty confirms (same account, Region, type and resource, not archived); this event may be forged, or the finding archived since. Check who can put events on the bus or invoke the function.`;
}

/** The head of a restore block: the header saying it is POSIX shell, and whose credentials it needs. */
export function restoreHeader(target: ActingAccount): string[] {
  return [RESTORE_HEADER, ...(target.principal === OWN_ROLE ? [] : [commentLine(`with credentials for account ${target.accountId}`)])];
}

/** A restore block: its head (restoreHeader) and the lines; none without lines. */
export function restoreBlock(target: ActingAccount, lines: readonly string[]): string[] | undefined {
  return lines.length === 0 ? undefined : [...restoreHeader(target), ...lines];
}
