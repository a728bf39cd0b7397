import { DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GetFindingsCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import { Finding, parseFindingEvent } from '../../lambdas/shared/finding';
import { autoScalingClients, remediationFromEnvironment, remediationSettingsFromEnvironment } from '../../lambdas/shared/remediation-environment';
import { REMEDIATION_SDK_TIMING, REMEDIATION_TIMEOUT_SECONDS } from '../../core/timing';
import { fixtureEvent } from '../support/corpus';

const DEPLOY_HINT = 'deploy the function through the guardduty-response stack';

/** What the stack sets on the revoke-ssh-ingress function, plus a variable its handler does not read. */
const revokeSshEnvironment = (): Record<string, string | undefined> => ({
  ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:guardduty-response-alerts',
  PLAYBOOK_ID: 'revoke-ssh-ingress',
  DRY_RUN: 'false',
  EXCLUSION_TAG: 'guardduty-response:exclude',
  MEMBER_ROLE_NAME: 'GuardDutyResponse-revoke-ssh',
  TRUSTED_SSH_CIDRS: '10.0.0.0/8,,192.168.0.0/16',
  SECURITY_ACCOUNT_ID: '111122223333',
  ISOLATE_SNAPSHOTS: 'true',
});

/** What the stack sets on the isolate-instance function, plus a variable its handler does not read. */
const isolateEnvironment = (): Record<string, string | undefined> => ({
  ...revokeSshEnvironment(),
  PLAYBOOK_ID: 'isolate-instance',
  MEMBER_ROLE_NAME: 'GuardDutyResponse-isolate',
  ISOLATE_SNAPSHOTS: 'false',
});

const settingsOf = (env: Record<string, string | undefined>) => () => remediationSettingsFromEnvironment(env);

describe('Function: remediationSettingsFromEnvironment', () => {
  it("decodes the revoke-ssh handler's settings, and leaves isolateSnapshots, which it does not read, neutral", () => {
    expect(remediationSettingsFromEnvironment(revokeSshEnvironment())).toEqual({
      dryRun: false,
      exclusionTag: 'guardduty-response:exclude',
      memberRoleName: 'GuardDutyResponse-revoke-ssh',
      trustedSshCidrs: ['10.0.0.0/8', '192.168.0.0/16'],
      securityAccountId: '111122223333',
      isolateSnapshots: false,
    });
  });

  it("decodes the isolate handler's settings, and leaves trustedSshCidrs, which it does not read, empty", () => {
    expect(remediationSettingsFromEnvironment({ ...isolateEnvironment(), DRY_RUN: 'true', ISOLATE_SNAPSHOTS: 'true' })).toEqual({
      dryRun: true,
      exclusionTag: 'guardduty-response:exclude',
      memberRoleName: 'GuardDutyResponse-isolate',
      trustedSshCidrs: [],
      securityAccountId: '111122223333',
      isolateSnapshots: true,
    });
  });

  it('reads the settings of the handler the playbook names: revoke-ssh-ingress-bruteforce shares the revoke-ssh handler', () => {
    const env = { ...revokeSshEnvironment(), PLAYBOOK_ID: 'revoke-ssh-ingress-bruteforce' };

    expect(remediationSettingsFromEnvironment(env)).toEqual(remediationSettingsFromEnvironment(revokeSshEnvironment()));
  });

  it('gives a playbook whose handler reads no setting the neutral settings, whatever its environment holds', () => {
    expect(remediationSettingsFromEnvironment({ ...revokeSshEnvironment(), PLAYBOOK_ID: 'ec2-spambot' })).toEqual({
      dryRun: true,
      exclusionTag: '',
      memberRoleName: '',
      trustedSshCidrs: [],
      securityAccountId: '',
      isolateSnapshots: false,
    });
  });

  it('reads an empty TRUSTED_SSH_CIDRS as no trusted range (the stack writes it so for none)', () => {
    expect(remediationSettingsFromEnvironment({ ...revokeSshEnvironment(), TRUSTED_SSH_CIDRS: '' }).trustedSshCidrs).toEqual([]);
  });

  it.each([
    { name: 'missing', value: undefined },
    { name: 'empty', value: '' },
  ])('names PLAYBOOK_ID when it is $name', ({ value }) => {
    expect(settingsOf({ ...revokeSshEnvironment(), PLAYBOOK_ID: value })).toThrow(
      new Error(`environment variable PLAYBOOK_ID is not set; ${DEPLOY_HINT}`),
    );
  });

  it('refuses a PLAYBOOK_ID that is not a playbook of the catalog, such as a handler name', () => {
    expect(settingsOf({ ...revokeSshEnvironment(), PLAYBOOK_ID: 'revoke-ssh' })).toThrow(
      new Error("environment variable PLAYBOOK_ID is 'revoke-ssh', not a playbook of the catalog"),
    );
  });

  it.each([
    { variable: 'DRY_RUN', value: undefined, expected: 'is not set, not true or false' },
    { variable: 'DRY_RUN', value: '', expected: "is '', not true or false" },
    { variable: 'DRY_RUN', value: 'TRUE', expected: "is 'TRUE', not true or false" },
    { variable: 'EXCLUSION_TAG', value: undefined, expected: 'is not set, not a non-empty string' },
    { variable: 'EXCLUSION_TAG', value: '', expected: "is '', not a non-empty string" },
    { variable: 'MEMBER_ROLE_NAME', value: undefined, expected: 'is not set, not a non-empty string' },
    { variable: 'TRUSTED_SSH_CIDRS', value: undefined, expected: 'is not set, not a comma-separated list' },
    { variable: 'SECURITY_ACCOUNT_ID', value: '', expected: "is '', not a non-empty string" },
  ])('for revoke-ssh, names $variable when it $expected', ({ variable, value, expected }) => {
    expect(settingsOf({ ...revokeSshEnvironment(), [variable]: value })).toThrow(
      new Error(`environment variable ${variable} ${expected}; ${DEPLOY_HINT}`),
    );
  });

  it.each([
    { variable: 'ISOLATE_SNAPSHOTS', value: undefined, expected: 'is not set, not true or false' },
    { variable: 'ISOLATE_SNAPSHOTS', value: 'yes', expected: "is 'yes', not true or false" },
    { variable: 'SECURITY_ACCOUNT_ID', value: undefined, expected: 'is not set, not a non-empty string' },
  ])('for isolate, names $variable when it $expected', ({ variable, value, expected }) => {
    expect(settingsOf({ ...isolateEnvironment(), [variable]: value })).toThrow(
      new Error(`environment variable ${variable} ${expected}; ${DEPLOY_HINT}`),
    );
  });

  it('does not check a variable the handler does not read', () => {
    expect(remediationSettingsFromEnvironment({ ...revokeSshEnvironment(), ISOLATE_SNAPSHOTS: 'yes' }).isolateSnapshots).toBe(false);
    expect(remediationSettingsFromEnvironment({ ...isolateEnvironment(), TRUSTED_SSH_CIDRS: undefined }).trustedSshCidrs).toEqual([]);
  });

  it('quotes at most 80 characters of a malformed value', () => {
    const long = 'x'.repeat(200);

    expect(settingsOf({ ...revokeSshEnvironment(), DRY_RUN: long })).toThrow(
      new Error(`environment variable DRY_RUN is '${'x'.repeat(80)}', not true or false; ${DEPLOY_HINT}`),
    );
  });
});

describe('Function: remediationFromEnvironment', () => {
  const savedEnvironment = process.env;
  const guardDuty = mockClient(GuardDutyClient);
  const dynamodb = mockClient(DynamoDBClient);
  const credentials = { accessKeyId: 'AKIAEXAMPLE', secretAccessKey: 'secret', sessionToken: 'token' };

  /** Runs remediationFromEnvironment with exactly these variables (and no STATE_TABLE unless given). */
  function build(env: Record<string, string | undefined>) {
    process.env = { PATH: savedEnvironment.PATH, ...env };
    return remediationFromEnvironment();
  }

  /** A fixture finding, moved to `region`. */
  function findingIn(region: string): Finding {
    const event = fixtureEvent('c2-high.json') as Record<string, unknown>;
    (event.detail as Record<string, unknown>).region = region;
    event.region = region;
    return parseFindingEvent(event);
  }

  beforeEach(() => {
    guardDuty.reset();
    dynamodb.reset();
  });

  afterEach(() => {
    process.env = savedEnvironment;
  });

  it('decodes the settings and the common handler settings from process.env', () => {
    const dependencies = build(revokeSshEnvironment());

    expect(dependencies.settings).toEqual(remediationSettingsFromEnvironment(revokeSshEnvironment()));
    expect(dependencies.topicArn).toBe('arn:aws:sns:eu-west-1:111122223333:guardduty-response-alerts');
    expect(dependencies.playbookId).toBe('revoke-ssh-ingress');
  });

  it('fails, naming the variable, when a setting is malformed or the topic is missing', () => {
    expect(() => build({ ...revokeSshEnvironment(), DRY_RUN: 'maybe' })).toThrow(
      new Error(`environment variable DRY_RUN is 'maybe', not true or false; ${DEPLOY_HINT}`),
    );
    expect(() => build({ ...revokeSshEnvironment(), ALERT_TOPIC_ARN: undefined })).toThrow(
      new Error(`environment variable ALERT_TOPIC_ARN is not set; ${DEPLOY_HINT}`),
    );
  });

  it("reuses the function's own EC2 client per Region, with bounded attempts", async () => {
    const dependencies = build(revokeSshEnvironment());
    const ireland = dependencies.ec2Client('eu-west-1');

    expect(dependencies.ec2Client('eu-west-1')).toBe(ireland);
    const virginia = dependencies.ec2Client('us-east-1');
    expect(virginia).not.toBe(ireland);
    expect([await ireland.config.region(), await virginia.config.region()]).toEqual(['eu-west-1', 'us-east-1']);
    expect(await ireland.config.maxAttempts()).toBe(REMEDIATION_SDK_TIMING.maxAttempts);
  });

  it('builds a new EC2 client for each use of assumed-role credentials, signing with them', async () => {
    const dependencies = build(revokeSshEnvironment());
    const first = dependencies.ec2Client('eu-west-1', credentials);

    expect(dependencies.ec2Client('eu-west-1', credentials)).not.toBe(first);
    expect(first).not.toBe(dependencies.ec2Client('eu-west-1'));
    expect(first).toBeInstanceOf(EC2Client);
    expect(await first.config.region()).toBe('eu-west-1');
    expect(await first.config.credentials()).toMatchObject(credentials);
  });

  it('builds Auto Scaling clients (for isolation only) in the given Region, with the given credentials', async () => {
    const client = autoScalingClients('ap-southeast-2', credentials);

    expect(await client.config.region()).toBe('ap-southeast-2');
    expect(await client.config.credentials()).toMatchObject(credentials);
    expect(await autoScalingClients('eu-west-1').config.region()).toBe('eu-west-1');
    // Its own entry adds them: the environment alone has none, so revoke-ssh carries no Auto Scaling client.
    expect(build(isolateEnvironment()).autoScalingClient).toBeUndefined();
  });

  it('keeps one STS client', () => {
    const dependencies = build(revokeSshEnvironment());

    expect(dependencies.stsClient()).toBe(dependencies.stsClient());
  });

  it("verifies a finding with GuardDuty in the finding's Region, one client per Region", async () => {
    guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    const dependencies = build(revokeSshEnvironment());

    const results = [
      await dependencies.verifyFinding(findingIn('eu-west-1')),
      await dependencies.verifyFinding(findingIn('eu-west-1')),
      await dependencies.verifyFinding(findingIn('us-east-1')),
    ];

    expect(results.map((r) => !r.verified && r.reason)).toEqual([
      'the security account has no GuardDuty detector in eu-west-1',
      'the security account has no GuardDuty detector in eu-west-1',
      'the security account has no GuardDuty detector in us-east-1',
    ]);
    expect(guardDuty.commandCalls(GetFindingsCommand)).toHaveLength(0);
    const clients = guardDuty.commandCalls(ListDetectorsCommand).map((call) => call.thisValue as GuardDutyClient);
    expect(clients[1]).toBe(clients[0]);
    expect(clients[2]).not.toBe(clients[0]);
    expect([await clients[0].config.region(), await clients[2].config.region()]).toEqual(['eu-west-1', 'us-east-1']);
  });

  it('tells the time', () => {
    const before = Date.now();
    const now = build(revokeSshEnvironment()).now();

    expect(now).toBeInstanceOf(Date);
    expect(now.getTime()).toBeGreaterThanOrEqual(before);
    expect(now.getTime()).toBeLessThanOrEqual(Date.now());
  });

  it('has no instance locks without STATE_TABLE', () => {
    expect(build(isolateEnvironment()).instanceLocks).toBeUndefined();
  });

  it("locks instances in STATE_TABLE for the function's timeout and a minute", async () => {
    dynamodb.on(PutItemCommand).resolves({});
    const dependencies = build({ ...isolateEnvironment(), STATE_TABLE: 'guardduty-response-state' });

    const before = Math.floor(Date.now() / 1000);
    expect(await dependencies.instanceLocks!.acquire('111122223333/eu-west-1/i-0abc1234def567890', 'event-1')).toBe(true);
    const after = Math.floor(Date.now() / 1000);

    const put = dynamodb.commandCalls(PutItemCommand)[0]!.args[0].input;
    expect(put.TableName).toBe('guardduty-response-state');
    const expiresAt = Number(put.Item!.expiresAt!.N);
    expect(expiresAt).toBeGreaterThanOrEqual(before + REMEDIATION_TIMEOUT_SECONDS + 60);
    expect(expiresAt).toBeLessThanOrEqual(after + REMEDIATION_TIMEOUT_SECONDS + 60);
  });
});
