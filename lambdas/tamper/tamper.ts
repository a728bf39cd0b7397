/**
 * The tamper playbook's core: one alert per state-changing GuardDuty call, failed attempts
 * included, saying who, what (in plain words), where and when, with a severity decided from the
 * request. A call made by this stack's own roles is recognised and not alerted.
 */
import { isGuardDutyWriteOperation, operationSeverity } from '../../core/guardduty-operations';
import { ALERT_ATTRIBUTES } from '../../core/contract';
import { SEVERITY_SCORE_OF_LABEL } from '../../core/severity';
import { Alert, MAX_SMS_LENGTH, MAX_SUBJECT_LENGTH, fitSubject, section } from '../shared/alert';
import { ApiCall, parseApiCallEvent } from '../shared/api-call';
import { withChat } from '../shared/chat';
import { asString, at } from '../shared/json';
import { Responder, HandlerDependencies, LambdaHandler, deliveredOnce, eventHandler } from '../shared/handler-shell';
import { boundedJson, clean, plain, quoted, token, truncate } from '../shared/text';
import { describePrincipal, describeRequest } from './describe-call';
import { playbookById, isPlaybookId } from '../../core/catalog';

export function tamper(playbookId: string, ownRoleArns: readonly string[]): Responder<ApiCall> {
  return async (call) => {
    const issuer = asString(at(call.userIdentity, 'sessionContext', 'sessionIssuer', 'arn'));
    if (issuer && ownRoleArns.includes(issuer)) return { skip: `${call.eventName} was called by this stack's own role ${issuer}` };
    return formatTamperAlert(call, playbookId);
  };
}

export function formatTamperAlert(call: ApiCall, playbookId: string): Alert {
  const operation = plain(call.eventName, 80) ?? 'unknown operation';
  // The rule lists only known write operations; an unknown name (a future API) is still alerted, as MEDIUM.
  const { severity, reasons } = isGuardDutyWriteOperation(call.eventName)
    ? operationSeverity(call.eventName, call.requestParameters)
    : { severity: 'MEDIUM' as const, reasons: [`${operation} is not in this release's list of GuardDuty operations; alerted as MEDIUM so that nothing new goes unseen.`] };
  const request = isGuardDutyWriteOperation(call.eventName)
    ? describeRequest(call.eventName, call.requestParameters)
    : { headline: `GuardDuty ${operation} called`, lines: [] };
  const principal = describePrincipal(call.userIdentity, call.userAgent);
  const where = `${token(call.accountId, 20) ?? 'unknown account'}/${token(call.region, 30) ?? 'unknown region'}`;
  const failure = call.errorCode ? token(call.errorCode, 80) : undefined;
  const attempt = failure ? `Attempted (${failure}):` : undefined;
  const head = `[${severity}]`;

  const email = [
    failure ? `THIS CALL FAILED (${failure}), but an attempt to change GuardDuty is itself a signal.\n` : undefined,
    section('What happened', [
      ['Change', request.headline],
      ['Operation', `${token(call.eventSource, 80) ?? 'guardduty.amazonaws.com'} ${operation}`],
      ['Result', failure ? `FAILED: ${failure}${call.errorMessage ? `: ${quoted(call.errorMessage, 300)}` : ''}` : 'succeeded'],
      ...request.lines,
      ['Request', clean(boundedJson(call.requestParameters, 1000), 1000)],
    ]),
    section('Severity', [
      ['Severity', severity],
      ...reasons.map((reason, i): [string, string | undefined] => [i === 0 ? 'Why' : 'Raised', clean(reason, 300)]),
    ]),
    section('Who', principal.lines),
    section('Where', [
      ['Account', token(call.accountId, 20)],
      ['Region', token(call.region, 30)],
      ['Source IP', token(call.sourceIp, 100)],
      ['User agent', quoted(call.userAgent, 300)],
    ]),
    section('When', [['Event time', token(call.eventTime, 40)]]),
    section('What guardduty-response did', [
      ['Playbook', playbookId],
      ['Outcome', 'Alert only. No change was made; check that this change was planned, and revert it if not.'],
    ]),
    section('Investigate', [
      ['CloudTrail event id', token(call.cloudTrailEventId, 100)],
      ['Request id', token(call.detail.requestID, 100)],
      ['CloudTrail console', cloudTrailLink(call)],
      ['Event id', token(call.eventId, 100)],
    ]),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');

  // Last resort keeps the start of the change and the place: "[HIGH] filter 'quiet' auto-archives findings of... in 1111/eu-west-1".
  const room = MAX_SUBJECT_LENGTH - [head, attempt, `in ${where}`].filter(Boolean).join(' ').length - 1;
  return withChat({
    subject: fitSubject([
      [head, attempt, request.headline, `by ${principal.short}`, `in ${where}`],
      [head, attempt, request.headline, `in ${where}`],
      [head, attempt, truncate(request.headline, Math.max(room, 10), '...'), `in ${where}`],
    ]),
    email,
    sms: truncate([head, attempt, request.headline, `by ${principal.short}`, `in ${where}`].filter(Boolean).join(' '), MAX_SMS_LENGTH, '...'),
    attributes: {
      [ALERT_ATTRIBUTES.severityLabel]: severity,
      [ALERT_ATTRIBUTES.severityScore]: SEVERITY_SCORE_OF_LABEL[severity],
      [ALERT_ATTRIBUTES.findingType]: `CloudTrail:${operation}`,
      [ALERT_ATTRIBUTES.playbookId]: playbookId,
      [ALERT_ATTRIBUTES.account]: token(call.accountId, 20) ?? 'unknown',
      [ALERT_ATTRIBUTES.region]: token(call.region, 30) ?? 'unknown',
    },
  }, {
    eventType: 'GuardDutyApiCall',
    id: token(call.eventId, 100),
    links: [['Open the call in the CloudTrail console', cloudTrailLink(call)]],
    nextSteps: ['Check that this change was planned; revert it if not.'],
    relatedResources: [token(call.requestParameters.detectorId, 64)],
  });
}

function cloudTrailLink(call: ApiCall): string | undefined {
  // Region and id go into a URL: only their documented alphabets are allowed through.
  if (!call.cloudTrailEventId || !/^[a-z0-9-]{1,30}$/.test(call.region) || !/^[A-Za-z0-9-]{1,100}$/.test(call.cloudTrailEventId)) return undefined;
  return `https://${call.region}.console.aws.amazon.com/cloudtrail/home?region=${call.region}#/events/${call.cloudTrailEventId}`;
}

/** The tamper handler, given its clients: built by index.ts for Lambda and by the simulator offline. */
export function createTamperHandler(dependencies: HandlerDependencies): LambdaHandler {
  const { playbookId } = dependencies;
  const playbook = isPlaybookId(playbookId) ? playbookById(playbookId) : undefined;
  if (playbook?.trigger !== 'api-call') throw new Error(`playbook '${playbookId}' is not an API-call playbook of the catalog`);
  return eventHandler(dependencies, (event) => parseApiCallEvent(event, playbook.source), deliveredOnce(dependencies.deliveryLog, dependencies.logger, tamper(playbookId, dependencies.ownRoleArns)));
}
