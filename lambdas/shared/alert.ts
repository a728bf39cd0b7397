/**
 * The alert a subscriber receives, as one pure function of the finding: a subject, a full
 * plain-text body for email (and the `default` protocol), a short SMS, and message attributes
 * that subscriptions filter on.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import { ALERT_ATTRIBUTES, ALERT_CHANNELS } from '../../core/contract';
import { FINDING_TYPES } from '../../core/finding-types';
import { severityLabel } from '../../core/severity';
import { Line, describeActor, describeResource, describeTiming } from './describe';
import { ChatNotification, withChat } from './chat';
import { describeEvidence } from './evidence';
import { Delivery, Finding } from './finding';
import { at } from './json';
import { clean, plain, quoted, toPrintableAscii, token, truncate } from './text';

/** SNS rejects longer subjects (Publish API: "Subject ... must be less than 100 characters"). */
export const MAX_SUBJECT_LENGTH = 100;
/** One SMS segment is 160 GSM-7 characters; 140 leaves room for the sender prefix SNS adds. */
export const MAX_SMS_LENGTH = 140;

export interface Alert {
  readonly subject: string;
  readonly email: string;
  readonly sms: string;
  readonly attributes: Readonly<Record<string, string | number>>;
  /** The card a chat channel (Amazon Q Developer in chat applications) shows: published under the `https` key. */
  readonly chat: ChatNotification;
  /**
   * Whether the playbook changed something (a remediation that acted): such an alert is always
   * sent; one that reports no change is sent only when the finding state says so (first
   * sighting, escalation, reminder). Not published.
   * @default false
   */
  readonly changed?: boolean;
  /** What the playbook did, in a sentence: kept with the finding's state for reminders. Not published. */
  readonly outcomeSummary?: string;
}

/** What the playbook did about the finding. */
export interface Outcome {
  readonly playbookId: string;
  /** One or two plain sentences. */
  readonly summary: string;
  /** A short upper-case word or two for the subject, after the severity: `SSH CLOSED`, `DRY RUN`. */
  readonly tag?: string;
  /** Each change made (or that would have been made, or that failed), one line each. */
  readonly details?: readonly string[];
  /** Shell commands that undo what was done, in order. */
  readonly restore?: readonly string[];
  /**
   * Whether the playbook changed something (see Alert.changed).
   * @default false
   */
  readonly changed?: boolean;
  /**
   * Rate the alert at least this (the finding's own score otherwise): e.g. HIGH when a compromised
   * instance was not isolated because it carries the exclusion tag, so that phones ring.
   * @default - the finding's severity
   */
  readonly atLeastSeverity?: number;
}

export function formatFindingAlert(finding: Finding, outcome: Outcome): Alert {
  const severity = Math.max(finding.severity, outcome.atLeastSeverity ?? 0);
  const label = severityLabel(severity);
  const score = Math.round(severity * 10) / 10;
  // GuardDuty names the type (the default bus takes source aws.guardduty from AWS only); it must stay exact for filters.
  const type = plain(finding.type, 120) ?? 'unknown type';
  const resource = describeResource(finding.detail);
  const where = `${token(finding.accountId, 20) ?? 'unknown account'}/${token(finding.region, 30) ?? 'unknown region'}`;
  const sampleTag = finding.sample ? '[SAMPLE] ' : '';

  const email = [
    finding.sample ? 'THIS IS A GUARDDUTY SAMPLE FINDING, generated for testing: no real activity happened.\n' : undefined,
    finding.history?.kind === 'escalated' ? `ESCALATED: GuardDuty raised this finding from ${finding.history.from} to ${label} since it was last alerted.\n` : undefined,
    section('What happened', [
      ['Finding', quoted(finding.detail.title, 300)],
      ['Type', type],
      ['About this type', plain(FINDING_TYPES[finding.type]?.meaning, 300)],
      ['Details', quoted(finding.detail.description, 1000)],
    ]),
    section('Severity', [['Severity', `${label} (${score})`]]),
    section('Where', [
      ['Account', token(finding.accountId, 20)],
      ['Region', token(finding.region, 30)],
    ]),
    section('Affected resource', resource.lines),
    section('Actor', describeActor(finding.detail)),
    ...describeEvidence(finding.detail).map((block) => section(block.heading, block.lines)),
    section('When', describeTiming(finding.detail)),
    section('What guardduty-response did', [
      ['Playbook', outcome.playbookId],
      ['Outcome', outcome.summary],
    ]),
    // Step descriptions carry names from the account (an Auto Scaling group name, a group name): cleaned like any value.
    list('Changes', outcome.details?.map((line) => clean(line, 1000) ?? '')),
    list('To undo (AWS CLI)', outcome.restore, ''),
    section('Investigate', [
      ['Console', consoleLink(finding)],
      ['Finding id', token(finding.id, 100)],
      ['Finding ARN', token(finding.detail.arn, 300)],
      ['Event id', token(finding.eventId, 100)],
    ]),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');

  // A finding whose severity label rose since its last alert says so first.
  const escalated = finding.history?.kind === 'escalated' ? ` [ESCALATED from ${finding.history.from}]` : '';
  const tag = `${escalated}${outcome.tag ? ` [${outcome.tag}]` : ''}`;
  return withChat({
    subject: subjectOf(`${sampleTag}[${label}]${tag} ${type}`, resource.label, `in ${where}`),
    email,
    // The Name tag (attacker-chosen, and a phone shows no quoting) stays out of the SMS: the id is enough.
    sms: truncate(
      [`${sampleTag}[${label}]${tag} GuardDuty ${type}`, resource.label && `on ${resource.label.replace(/ \(.*\)$/, '')}`, `in ${where}`].filter(Boolean).join(' '),
      MAX_SMS_LENGTH,
      '...',
    ),
    attributes: {
      [ALERT_ATTRIBUTES.severityLabel]: label,
      [ALERT_ATTRIBUTES.severityScore]: score,
      [ALERT_ATTRIBUTES.findingType]: type,
      [ALERT_ATTRIBUTES.playbookId]: outcome.playbookId,
      [ALERT_ATTRIBUTES.account]: token(finding.accountId, 20) ?? 'unknown',
      [ALERT_ATTRIBUTES.region]: token(finding.region, 30) ?? 'unknown',
      // Sample findings never ring a phone ("Generate sample findings" makes one per type).
      [ALERT_ATTRIBUTES.channel]: finding.sample ? ALERT_CHANNELS.emailOnly : ALERT_CHANNELS.all,
    },
    changed: outcome.changed === true,
    outcomeSummary: outcome.summary,
  }, findingCard(finding, resource.label, outcome.restore !== undefined && outcome.restore.length > 0));
}

/** A finding's card: threaded by finding id, so its reminders and escalations follow in one thread. */
function findingCard(finding: Finding, resourceLabel: string | undefined, restorable: boolean) {
  const id = /^[A-Za-z0-9-]{1,100}$/.test(finding.id) ? finding.id : undefined;
  return {
    eventType: 'GuardDutyFinding',
    id: token(finding.eventId, 100),
    threadId: id && `guardduty-finding-${id}`,
    links: [['Open the finding in the GuardDuty console', consoleLink(finding)]] as const,
    nextSteps: restorable ? ['To undo the change, run the restore commands at the end of the alert (each argument is shell-quoted).'] : [],
    relatedResources: [resourceLabel?.replace(/ \(.*\)$| \+\d+$/, ''), token(finding.detail.arn, 300)],
  };
}

/**
 * The short "still active" reminder of a finding alerted before: email only, what GuardDuty says
 * now (count, last seen) and what was done.
 */
export function formatReminderAlert(finding: Finding, reminder: Extract<Delivery, { kind: 'reminder' }>, playbookId: string): Alert {
  const label = severityLabel(finding.severity);
  const score = Math.round(finding.severity * 10) / 10;
  const type = plain(finding.type, 120) ?? 'unknown type';
  const resource = describeResource(finding.detail);
  const where = `${token(finding.accountId, 20) ?? 'unknown account'}/${token(finding.region, 30) ?? 'unknown region'}`;
  const email = [
    'GuardDuty still reports this finding. This is a reminder: it was alerted before, with the details.\n',
    section('Still active', [
      ['Finding', quoted(finding.detail.title, 300)],
      ['Type', type],
      ['Severity', `${label} (${score})`],
      ['Resource', resource.label],
      ['Where', where],
      ['Count', token(at(finding.detail, 'service', 'count'), 20)],
      ['First alerted', token(reminder.firstAlertAt, 40)],
      ['Last alerted', token(reminder.lastAlertAt, 40)],
      ['Last seen', token(finding.detail.updatedAt, 40)],
      ['Deliveries', String(reminder.deliveries)],
      ['What was done', clean(reminder.lastOutcome, 300)],
    ]),
    section('Investigate', [
      ['Console', consoleLink(finding)],
      ['Finding id', token(finding.id, 100)],
    ]),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');
  return withChat({
    subject: subjectOf(`[${label}] [STILL ACTIVE] ${type}`, resource.label, `in ${where}`),
    email,
    sms: truncate(`[${label}] [STILL ACTIVE] GuardDuty ${type} in ${where}`, MAX_SMS_LENGTH, '...'),
    attributes: {
      [ALERT_ATTRIBUTES.severityLabel]: label,
      [ALERT_ATTRIBUTES.severityScore]: score,
      [ALERT_ATTRIBUTES.findingType]: type,
      [ALERT_ATTRIBUTES.playbookId]: playbookId,
      [ALERT_ATTRIBUTES.account]: token(finding.accountId, 20) ?? 'unknown',
      [ALERT_ATTRIBUTES.region]: token(finding.region, 30) ?? 'unknown',
      [ALERT_ATTRIBUTES.channel]: ALERT_CHANNELS.emailOnly,
    },
  }, findingCard(finding, resource.label, false));
}

export interface Unprocessable {
  readonly playbookId: string;
  readonly eventId?: string;
  readonly detailType?: string;
  readonly problem: string;
}

/** The alert for an event that a handler could not process: the event itself goes to the dead-letter queue. */
export function formatUnprocessableAlert(failure: Unprocessable): Alert {
  const eventId = token(failure.eventId, 100);
  return withChat({
    subject: subjectOf('[ERROR] guardduty-response could not process an event', undefined, eventId && `(${eventId})`),
    email: [
      'An event reached guardduty-response but could not be processed. It is kept in the dead-letter',
      "queue of the stack (after retries), so nothing is lost: inspect it there and re-drive it once fixed.",
      '',
      section('Event', [
        ['Event id', eventId ?? 'none'],
        ['Detail type', token(failure.detailType, 100)],
        ['Playbook', failure.playbookId],
        ['Problem', clean(failure.problem, 1000)],
      ]),
    ].join('\n'),
    sms: truncate(`[ERROR] guardduty-response could not process event ${eventId ?? 'without id'}: ${clean(failure.problem, 200)}`, MAX_SMS_LENGTH, '...'),
    attributes: {
      // Scored as HIGH so that phones (SMS filter default HIGH) hear that the pipeline is failing.
      [ALERT_ATTRIBUTES.severityLabel]: 'HIGH',
      [ALERT_ATTRIBUTES.severityScore]: 7,
      [ALERT_ATTRIBUTES.findingType]: 'guardduty-response/UnprocessableEvent',
      [ALERT_ATTRIBUTES.playbookId]: failure.playbookId,
      [ALERT_ATTRIBUTES.channel]: ALERT_CHANNELS.all,
    },
  }, { eventType: 'GuardDutyResponseError', id: eventId, nextSteps: ["Inspect the event in the stack's dead-letter queue, fix the cause, then re-drive it."] });
}

export function toPublishInput(alert: Alert, topicArn: string): PublishCommandInput {
  return {
    TopicArn: topicArn,
    Subject: alert.subject,
    MessageStructure: 'json',
    // Chat channels subscribe over HTTPS (https://docs.aws.amazon.com/sns/latest/api/API_Publish.html: one message per protocol).
    Message: JSON.stringify({ default: alert.email, email: alert.email, sms: alert.sms, https: JSON.stringify(alert.chat) }),
    MessageAttributes: Object.fromEntries(
      Object.entries({ [ALERT_ATTRIBUTES.channel]: ALERT_CHANNELS.all, ...alert.attributes }).map(([name, value]) => [
        name,
        typeof value === 'number' ? { DataType: 'Number', StringValue: String(value) } : { DataType: 'String', StringValue: value },
      ]),
    ),
  };
}

/**
 * The first candidate that fits SNS's subject limit, as printable ASCII on one line; the last
 * candidate is cut when none fits. Candidates go from most to least informative.
 */
export function fitSubject(candidates: readonly (readonly (string | undefined)[])[]): string {
  const join = (parts: readonly (string | undefined)[]) => toPrintableAscii(parts.filter(Boolean).join(' '));
  for (const candidate of candidates) {
    const subject = join(candidate);
    if (subject.length <= MAX_SUBJECT_LENGTH) return subject;
  }
  return truncate(join(candidates[candidates.length - 1]), MAX_SUBJECT_LENGTH, '...');
}

/**
 * `head on <resource> in <account/region>`: first the resource's name (or its "+N more") goes, then the resource,
 * then the middle of the head's last word (the finding type): the account and Region always stay.
 */
function subjectOf(head: string, resource: string | undefined, tail: string | undefined): string {
  // `i-0abc ("web-1")` -> `i-0abc`; `bucket "a" +2` -> `bucket "a"`.
  const resourceId = resource?.replace(/ \(.*\)$| \+\d+$/, '');
  const room = MAX_SUBJECT_LENGTH - (tail ? toPrintableAscii(tail).length + 1 : 0);
  return fitSubject([
    [head, resource && `on ${resource}`, tail],
    [head, resourceId && `on ${resourceId}`, tail],
    [head, tail],
    [shortenMiddleOfLastWord(toPrintableAscii(head), room), tail],
  ]);
}

/** A titled block of items, one per line (`- ` bullets by default); nothing when there is none. */
function list(heading: string, items: readonly string[] | undefined, bullet = '- '): string | undefined {
  if (!items || items.length === 0) return undefined;
  return [heading, ...items.map((item) => `  ${bullet}${item}`), ''].join('\n');
}

/** A titled block of `label: value` lines, aligned; lines without a value are left out, an empty block entirely. */
export function section(heading: string, lines: readonly Line[]): string | undefined {
  const present = lines.filter((line): line is readonly [string, string] => line[1] !== undefined);
  if (present.length === 0) return undefined;
  const width = Math.max(...present.map(([label]) => label.length));
  return [`${heading}`, ...present.map(([label, value]) => `  ${`${label}:`.padEnd(width + 2)}${value}`), ''].join('\n');
}

const CONSOLE_HOSTS: Readonly<Record<string, string>> = {
  aws: 'console.aws.amazon.com',
  'aws-cn': 'console.amazonaws.cn',
  'aws-us-gov': 'console.amazonaws-us-gov.com',
};

function consoleLink(finding: Finding): string | undefined {
  const host = CONSOLE_HOSTS[finding.partition];
  // Region and id go into a URL: only their documented alphabets are allowed through.
  if (!host || !/^[a-z0-9-]{1,30}$/.test(finding.region) || !/^[A-Za-z0-9-]{1,100}$/.test(finding.id)) return undefined;
  return `https://${finding.region}.${host}/guardduty/home?region=${finding.region}#/findings?macros=current&fId=${finding.id}`;
}

/** `text` in at most `max` characters, its last word (the finding type) shortened in the middle with `..`. */
export function shortenMiddleOfLastWord(text: string, max: number): string {
  if (text.length <= max) return text;
  const space = text.lastIndexOf(' ');
  const before = text.slice(0, space + 1);
  const word = text.slice(space + 1);
  const keep = max - before.length - 2;
  if (keep < 8) return truncate(text, max, '...');
  const head = Math.ceil(keep / 2);
  return `${before}${word.slice(0, head)}..${word.slice(word.length - (keep - head))}`;
}
