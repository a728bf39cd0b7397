import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
import * as GuardDutySdk from '@aws-sdk/client-guardduty';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as path from 'node:path';
import { GUARDDUTY_WRITE_OPERATION_NAMES } from '../../core/guardduty-operations';
import { routeEvent, rulesFromTemplate } from '../../simulator/template-router';
import { MAX_SMS_LENGTH, toPublishInput } from '../../lambdas/shared/alert';
import { parseApiCallEvent } from '../../lambdas/shared/api-call';
import { describeCriteria } from '../../lambdas/tamper/describe-call';
import { createTamperHandler } from '../../lambdas/tamper/tamper';
import { formatTamperAlert } from '../../lambdas/tamper/tamper';
import { CORPUS_DIR, FIXTURES_DIR, readEvents } from '../support/corpus';
import { synthStack } from '../support/synth';

const PLAYBOOK = 'guardduty-config-change';
const TOPIC_ARN = 'arn:aws:sns:us-east-1:111122223333:alerts';
const fixture = (name: string) => structuredClone(readEvents(path.join(FIXTURES_DIR, 'cloudtrail')).find((f) => f.file.endsWith(`${name}.json`))!.event) as Record<string, any>;
const alertOf = (event: unknown) => formatTamperAlert(parseApiCallEvent(event, 'aws.guardduty'), PLAYBOOK);

/** A CloudTrail record of `eventName` with `params`, built on a real fixture. */
function callOf(eventName: string, params: Record<string, unknown> = { detectorId: 'd' }) {
  const event = fixture('delete-detector');
  event.detail.eventName = eventName;
  event.detail.requestParameters = params;
  return event;
}

describe('Routing: GuardDuty API calls through the synthesized rule', () => {
  const { template } = synthStack();
  const json = template.toJSON();
  const rules = rulesFromTemplate(json);
  const route = (event: unknown) => routeEvent(json, rules, event).map((d) => d.rule.key);

  it.each(GUARDDUTY_WRITE_OPERATION_NAMES)('sends %s to guardduty-config-change', (operation) => {
    expect(route(callOf(operation))).toEqual([PLAYBOOK]);
  });

  it('never matches a read-only call (every Get, List and Describe operation of the SDK)', () => {
    const readOnly = Object.keys(GuardDutySdk)
      .filter((name) => /^(Get|List|Describe)\w*Command$/.test(name))
      .map((name) => name.slice(0, -'Command'.length));
    expect(readOnly.length).toBeGreaterThan(30);
    expect(readOnly.filter((operation) => route(callOf(operation)).length > 0)).toEqual([]);
  });

  it('ignores calls of other services and failed parses of the envelope', () => {
    const other = callOf('DeleteDetector');
    other.detail.eventSource = 'securityhub.amazonaws.com';
    expect(route(other)).toEqual([]);
  });

  it('routes the corpus CloudTrail events and every fixture', () => {
    const events = [...readEvents(path.join(CORPUS_DIR, 'cloudtrail')), ...readEvents(path.join(FIXTURES_DIR, 'cloudtrail'))];
    expect(events.map((e) => route(e.event))).toEqual(events.map(() => [PLAYBOOK]));
  });

  it('has no rule when the playbook is off', () => {
    const off = synthStack({ 'playbook:guardduty-config-change': 'false' }).template.toJSON();
    expect(routeEvent(off, rulesFromTemplate(off), callOf('DeleteDetector'))).toEqual([]);
  });

  it('keeps every rule pattern within EventBridge\'s default 2048-character quota', () => {
    for (const rule of rules) expect({ rule: rule.key, size: JSON.stringify(rule.pattern).length < 2048 }).toEqual({ rule: rule.key, size: true });
  });
});

describe('Function: formatTamperAlert', () => {
  it('says who deleted the detector, where, in the subject', () => {
    expect(alertOf(fixture('delete-detector')).subject).toBe('[CRITICAL] GuardDuty detector deleted by "alice" in 111122223333/us-east-1');
  });

  it('names the member account and Region of a call a member forwarded to the security account (MemberForwarderStack)', () => {
    // EventBridge keeps a forwarded event's account and region; CloudTrail names the member in recipientAccountId.
    const event = fixture('delete-detector');
    Object.assign(event, { account: '444455556666', region: 'us-east-2' });
    Object.assign(event.detail, { recipientAccountId: '444455556666', awsRegion: 'us-east-2' });
    event.detail.userIdentity.accountId = '444455556666';
    expect(alertOf(event).subject).toBe('[CRITICAL] GuardDuty detector deleted by "alice" in 444455556666/us-east-2');
  });

  it('rates a detector created disabled as the disable it is', () => {
    const disabled = alertOf(callOf('CreateDetector', { enable: false, findingPublishingFrequency: 'SIX_HOURS' }));
    expect(disabled.subject).toBe('[CRITICAL] GuardDuty detector created DISABLED by "alice" in 111122223333/us-east-1');
    expect(disabled.email).toMatch(/Raised: +CRITICAL: it creates the detector disabled \(enable: false\)/);
    const featureOff = alertOf(callOf('CreateDetector', { enable: true, features: [{ name: 'RUNTIME_MONITORING', status: 'DISABLED' }] }));
    expect(featureOff.subject).toMatch(/^\[CRITICAL\] GuardDuty detector created with protection off: /);
    expect(alertOf(callOf('CreateDetector', { enable: true })).subject).toBe('[LOW] GuardDuty detector created by "alice" in 111122223333/us-east-1');
  });

  it('writes who, what, where, when and the CloudTrail event id in the body', () => {
    const { email, sms, attributes } = alertOf(fixture('update-detector-disable'));
    expect(email).toMatch(/Change: +GuardDuty detector disabled/);
    expect(email).toMatch(/Raised: +CRITICAL: it disables the detector \(enable: false\)/);
    expect(email).toMatch(/Identity type: +AssumedRole/);
    expect(email).toMatch(/Role: +arn:aws:iam::111122223333:role\/Admin/);
    expect(email).toMatch(/Via: +AWS Management Console/);
    expect(email).toMatch(/Source IP: +198\.51\.100\.44/);
    expect(email).toMatch(/Event time: +2026-11-20T03:04:05Z/);
    expect(email).toMatch(/CloudTrail event id: +[0-9a-f-]{36}/);
    expect(email).toMatch(/https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudtrail\/home\?region=us-east-1#\/events\/[0-9a-f-]{36}/);
    expect(sms).toBe('[CRITICAL] GuardDuty detector disabled by role "Admin" (session "bob") in 111122223333/us-east-1');
    expect(attributes).toEqual({ severity: 'CRITICAL', severity_score: 9, finding_type: 'CloudTrail:UpdateDetector', playbook: PLAYBOOK, account: '111122223333', region: 'us-east-1' });
  });

  it('describes an archive filter in plain words', () => {
    const example = require(path.join(__dirname, '..', '..', 'examples', 'events', 'guardduty-config-change.json'));
    const alert = alertOf(example);
    expect(alert.email).toMatch(/Change: +filter "quiet" auto-archives findings of type Recon:EC2\/PortProbeUnprotectedPort\n/);
    // 103 characters in full: the change is cut, the place is kept.
    expect(alert.subject).toBe("[HIGH] filter \"quiet\" auto-archives findings of type Recon:EC2/PortProb... in 111122223333/eu-west-1");
  });

  it.each([
    [{ criterion: { type: { eq: ['A:B/C', 'D:E/F'] }, severity: { gte: 4 }, 'resource.instanceDetails.instanceId': { neq: ['i-1'] } } }, 'of type A:B/C, D:E/F where resource.instanceDetails.instanceId != i-1 and severity >= 4'],
    [{ criterion: { severity: { lt: 4 } } }, 'where severity < 4'],
    [{ criterion: {} }, 'matching every finding'],
    [{}, 'matching every finding'],
  ])('renders finding criteria %j as "%s"', (criteria, text) => {
    expect(describeCriteria(criteria)).toBe(text);
  });

  it.each([
    ['update-detector-feature-off', 'CRITICAL', /Change: +GuardDuty protection turned off: S3_DATA_EVENTS, RUNTIME_MONITORING\/EC2_AGENT_MANAGEMENT\n/],
    ['update-detector-enable', 'LOW', /^\[LOW\] GuardDuty detector settings changed by "alice"/],
    ['create-ipset-active', 'HIGH', /^\[HIGH\] trusted IP list "office" created and activated by "alice"/],
    ['create-filter-noop', 'LOW', /^\[LOW\] GuardDuty filter "my-view" created by "alice"/],
    ['stop-monitoring-members', 'HIGH', /Change: +GuardDuty member accounts no longer monitored: 222233334444, 555566667777\n/],
  ])('rates %s as %s from its request', (name, severity, text) => {
    const alert = alertOf(fixture(name));
    expect(alert.attributes.severity).toBe(severity);
    expect(`${alert.subject}\n${alert.email}`).toMatch(text);
    expect(alert.subject.startsWith(`[${severity}] `)).toBe(true);
  });

  it('alerts a failed call, saying it failed and why', () => {
    const alert = alertOf(fixture('delete-detector-denied'));
    expect(alert.subject).toBe('[CRITICAL] Attempted (AccessDenied): GuardDuty detector deleted by "alice" in 111122223333/us-east-1');
    expect(alert.email).toMatch(/^THIS CALL FAILED \(AccessDenied\)/);
    expect(alert.email).toMatch(/Result: +FAILED: AccessDenied: "User: arn:aws:iam::111122223333:user\/alice is not authorized to perform: guardduty:DeleteDetector/);
  });

  it('copes with a record without userIdentity or requestParameters', () => {
    const event = fixture('delete-detector');
    delete event.detail.userIdentity;
    delete event.detail.requestParameters;
    const alert = alertOf(event);
    expect(alert.subject).toBe('[CRITICAL] GuardDuty detector deleted by an unknown principal in 111122223333/us-east-1');
    expect(alert.email).toMatch(/Identity type: +unknown \(no userIdentity in the record\)/);
    expect(alert.email).not.toMatch(/undefined|null/);
  });

  it('bounds and cleans hostile values: a huge user agent, CR/LF in names, bidi overrides', () => {
    const event = fixture('create-ipset-active');
    event.detail.userAgent = `curl/8 ${'A'.repeat(200_000)}`;
    event.detail.userIdentity.userName = 'alice\r\nSeverity: LOW\u202E';
    event.detail.requestParameters.name = '<script>x</script>\u001b[31m';
    const alert = alertOf(event);
    for (const text of [alert.subject, alert.email, alert.sms]) expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u202a-\u202e]|<script>/);
    expect(alert.email.length).toBeLessThan(10_000);
    expect(alert.subject.length).toBeLessThanOrEqual(100);
    expect(alert.sms.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
    expect(alert.email.match(/^\s+Severity:/gm)).toHaveLength(1);
  });

  it('alerts an operation this release does not know as MEDIUM', () => {
    const alert = alertOf(callOf('UpdateQuantumShield', { detectorId: 'd' }));
    expect(alert.subject).toBe('[MEDIUM] GuardDuty UpdateQuantumShield called by "alice" in 111122223333/us-east-1');
  });
});

describe('Handler: tamper', () => {
  const sns = mockClient(SNSClient);
  const OWN_ROLE = 'arn:aws:iam::111122223333:role/GuardDutyResponse-guarddutyconfigchangeRole1234';
  const handler = createTamperHandler({
    sns: new SNSClient({ region: 'us-east-1' }),
    topicArn: TOPIC_ARN,
    playbookId: PLAYBOOK,
    logger: new Logger({ logLevel: 'SILENT' }),
    ownRoleArns: [OWN_ROLE],
    deferredClaims: [],
  });

  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes exactly the formatted alert', async () => {
    const event = fixture('delete-detector');
    await handler(event);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, toPublishInput(alertOf(event), TOPIC_ARN));
  });

  it("recognises a call made by this stack's own role and does not alert", async () => {
    const event = fixture('update-detector-disable');
    event.detail.userIdentity.sessionContext.sessionIssuer.arn = OWN_ROLE;
    await handler(event);
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('reports an event without eventName and fails into the dead-letter queue', async () => {
    const event = fixture('delete-detector');
    delete event.detail.eventName;
    await expect(handler(event)).rejects.toThrow('detail.eventName (the API operation) is missing');
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/^\[ERROR\] guardduty-response could not process an event/);
  });

  it('still alerts when it breaks on an unexpected request shape, then fails the invocation', async () => {
    const event = fixture('delete-detector');
    // A getter that throws stands for any bug deep in the formatting.
    Object.defineProperty(event.detail, 'requestParameters', { get: () => ({ get detectorId() { throw new TypeError('boom'); } }), enumerable: true });
    await expect(handler(event)).rejects.toThrow('boom');
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toMatch(/^\[ERROR\] guardduty-response could not process an event/);
    expect(JSON.parse(input.Message!).email).toMatch(/Problem: +the guardduty-config-change handler failed: TypeError: boom/);
  });

  it('refuses to be built for a playbook that is not an API-call playbook', () => {
    expect(() => createTamperHandler({ sns: new SNSClient({}), topicArn: TOPIC_ARN, playbookId: 'ec2-spambot', logger: new Logger(), ownRoleArns: [], deferredClaims: [] })).toThrow(
      "playbook 'ec2-spambot' is not an API-call playbook of the catalog",
    );
  });
});
