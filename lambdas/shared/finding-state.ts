/**
 * One finding, one conversation. GuardDuty re-publishes an active finding under the same id every
 * 15 minutes, hour or 6 hours (the detector's publishing frequency) with a larger count and a new
 * `updatedAt`; EventBridge delivers each event at least once. This module keeps one item per
 * finding and decides, with conditional writes, whether a delivery alerts:
 *
 * | delivery                                              | decision    | alert                     |
 * | ----------------------------------------------------- | ----------- | ------------------------- |
 * | no item yet                                           | `first`     | full alert                |
 * | severity label above the last alerted one             | `escalated` | full alert, "escalated"   |
 * | more than realertHours (finding clock) since the last | `reminder`  | short reminder, email only|
 * | anything else                                         | `repeat`    | none (logged)             |
 * | the same event again, its alert already published     | `duplicate` | none (logged)             |
 * | the same event again, its alert not published         | as recorded | the same alert again      |
 * | the table cannot be read or written                   | `unknown`   | full alert (fail open)    |
 *
 * The clock is the finding's `updatedAt`, not the wall clock, so a replay decides the same way.
 * A decision that alerts is claimed in the item with a condition on the version that was read:
 * of two concurrent deliveries of one update, one claims and the other finds a repeat. A claim
 * records the event id; the alert is marked published only after SNS accepted it, so Lambda's
 * retry of an invocation that failed before publishing alerts again, and a duplicate delivery of
 * one that completed does not.
 */
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { N, S } from './attributes';
import { SEVERITY_LABELS, SeverityLabel, severityLabel } from '../../core/severity';
import { FINDING_KEY_PREFIX } from '../../core/state-table';
import type { Delivery, Finding } from './finding';
import { asNumber, asString, at } from './json';
import { clean } from './text';

/** Whether a decision sends an alert when the playbook changed nothing. */
export const alerts = (delivery: Delivery): boolean => delivery.kind !== 'repeat' && delivery.kind !== 'duplicate';

export interface FindingState {
  /** Decides whether this delivery alerts, claiming the alert atomically. Never throws: a table error decides `unknown`. */
  decide(finding: Finding): Promise<Delivery>;
  /** After SNS accepted the alert: a duplicate of this delivery does not alert again. Never throws. */
  published(finding: Finding, outcome: string): Promise<void>;
}

export interface FindingStateOptions {
  /** At most one reminder per this many hours of the finding's clock; 0 turns reminders off. */
  readonly realertHours: number;
  /** How long an item outlives the finding's last update (TTL). */
  readonly keepDays?: number;
}

/** The finding's clock: its `updatedAt` (else `createdAt`), as epoch milliseconds; 0 when it has neither. */
export function findingTime(finding: Finding): number {
  const text = asString(finding.detail.updatedAt) ?? asString(finding.detail.createdAt);
  const ms = text ? Date.parse(text) : NaN;
  return Number.isFinite(ms) ? ms : 0;
}

/** The item's key: the finding ARN (unique across accounts and Regions), else its parts. */
export function stateKey(finding: Finding): string {
  return `${FINDING_KEY_PREFIX}${asString(finding.detail.arn) ?? `${finding.accountId}/${finding.region}/${finding.id}`}`;
}

const rank = (label: SeverityLabel) => SEVERITY_LABELS.indexOf(label);

interface Item {
  readonly version: number;
  readonly severity: number;
  readonly firstAlertAt: string;
  readonly lastAlertAt: string;
  readonly deliveries: number;
  readonly alertEventId?: string;
  readonly alertKind?: string;
  readonly alertFrom?: string;
  readonly publishedEventId?: string;
  readonly lastOutcome?: string;
}

function itemOf(raw: Record<string, AttributeValue> | undefined): Item | undefined {
  if (!raw) return undefined;
  const num = (key: string) => Number(raw[key]?.N ?? '0');
  const str = (key: string) => raw[key]?.S;
  return {
    version: num('version'),
    severity: num('severity'),
    firstAlertAt: str('firstAlertAt') ?? '',
    lastAlertAt: str('lastAlertAt') ?? '',
    deliveries: num('deliveries'),
    alertEventId: str('alertEventId'),
    alertKind: str('alertKind'),
    alertFrom: str('alertFrom'),
    publishedEventId: str('publishedEventId'),
    lastOutcome: str('lastOutcome'),
  };
}

export function dynamoFindingState(dynamodb: DynamoDBClient, tableName: string, options: FindingStateOptions): FindingState {
  const keepSeconds = (options.keepDays ?? 90) * 86_400;
  const expiresAt = (finding: Finding) => Math.floor(Math.max(findingTime(finding), Date.now()) / 1000) + keepSeconds;

  /** The decision for the finding against the item read, without writing. */
  function candidate(finding: Finding, item: Item | undefined): Delivery {
    if (!item) return { kind: 'first' };
    if (item.alertEventId === finding.eventId) {
      // The same event again: a duplicate if its alert went out, else the retry of an unfinished invocation.
      if (item.publishedEventId === finding.eventId) return { kind: 'duplicate' };
      if (item.alertKind === 'escalated' && item.alertFrom) return { kind: 'escalated', from: item.alertFrom as SeverityLabel };
      if (item.alertKind === 'reminder') return { kind: 'reminder', firstAlertAt: item.firstAlertAt, lastAlertAt: item.lastAlertAt, deliveries: item.deliveries, lastOutcome: item.lastOutcome };
      return { kind: 'first' };
    }
    const from = severityLabel(item.severity);
    if (rank(severityLabel(finding.severity)) > rank(from)) return { kind: 'escalated', from };
    const sinceAlert = findingTime(finding) - Date.parse(item.lastAlertAt);
    if (options.realertHours > 0 && sinceAlert > options.realertHours * 3_600_000) {
      return { kind: 'reminder', firstAlertAt: item.firstAlertAt, lastAlertAt: item.lastAlertAt, deliveries: item.deliveries + 1, lastOutcome: item.lastOutcome };
    }
    return { kind: 'repeat', reason: `already alerted (last at ${item.lastAlertAt}, severity ${from}); ${options.realertHours > 0 ? `next reminder after ${options.realertHours} h` : 'reminders are off'}` };
  }

  async function claim(finding: Finding, item: Item | undefined, delivery: Delivery): Promise<void> {
    const at = new Date(findingTime(finding)).toISOString();
    const key = { pk: S(stateKey(finding)) };
    if (!item) {
      await dynamodb.send(
        new PutItemCommand({
          TableName: tableName,
          Item: {
            ...key,
            version: N(1),
            type: S(finding.type.slice(0, 200)),
            accountId: S(finding.accountId.slice(0, 20)),
            region: S(finding.region.slice(0, 30)),
            severity: N(finding.severity),
            firstAlertAt: S(at),
            lastAlertAt: S(at),
            lastSeenAt: S(at),
            deliveries: N(1),
            alertEventId: S(finding.eventId),
            alertKind: S('first'),
            expiresAt: N(expiresAt(finding)),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        }),
      );
      return;
    }
    if (!alerts(delivery)) {
      // A repeat claims nothing: it counts the delivery without touching the version, so repeats
      // never contend with each other or with a claim (only a newer clock moves lastSeenAt).
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: key,
            UpdateExpression: 'SET lastSeenAt = :at, expiresAt = :expires ADD deliveries :one',
            ConditionExpression: 'lastSeenAt < :at',
            ExpressionAttributeValues: { ':at': S(at), ':expires': N(expiresAt(finding)), ':one': N(1) },
          }),
        );
      } catch (error) {
        if (!(error instanceof ConditionalCheckFailedException)) throw error;
      }
      return;
    }
    await dynamodb.send(
      new UpdateItemCommand({
        TableName: tableName,
        Key: key,
        UpdateExpression:
          'SET version = :next, lastSeenAt = :at, expiresAt = :expires, severity = :severity, lastAlertAt = :at, alertEventId = :event, alertKind = :kind, alertFrom = :from ADD deliveries :one',
        ConditionExpression: 'version = :version',
        ExpressionAttributeValues: {
          ':version': N(item.version),
          ':next': N(item.version + 1),
          ':one': N(1),
          ':at': S(at),
          ':expires': N(expiresAt(finding)),
          ':severity': N(Math.max(item.severity, finding.severity)),
          ':event': S(finding.eventId),
          ':kind': S(delivery.kind),
          ':from': S(delivery.kind === 'escalated' ? delivery.from : '-'),
        },
      }),
    );
  }

  return {
    async decide(finding) {
      try {
        // A lost race re-reads and decides again: the winner's claim makes this delivery a repeat.
        for (let attempt = 0; attempt < 4; attempt++) {
          const read = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: S(stateKey(finding)) }, ConsistentRead: true }));
          const item = itemOf(read.Item);
          const delivery = candidate(finding, item);
          if (delivery.kind === 'duplicate' || (item?.alertEventId === finding.eventId && alerts(delivery))) return delivery;
          try {
            await claim(finding, item, delivery);
            return delivery;
          } catch (error) {
            if (!(error instanceof ConditionalCheckFailedException)) throw error;
          }
        }
        return { kind: 'unknown', reason: 'the finding state kept changing under concurrent deliveries' };
      } catch (error) {
        return { kind: 'unknown', reason: `the finding state table could not be used (${error instanceof Error ? `${error.name}: ${error.message}` : String(error)})` };
      }
    },

    async published(finding, outcome) {
      try {
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(stateKey(finding)) },
            UpdateExpression: 'SET publishedEventId = :event, lastOutcome = :outcome',
            ConditionExpression: 'attribute_exists(pk)',
            ExpressionAttributeValues: { ':event': S(finding.eventId), ':outcome': S(clean(outcome, 300) ?? '') },
          }),
        );
      } catch {
        // The alert went out; at worst a duplicate delivery alerts again, which is better than silence.
      }
    },
  };
}

/** The finding's own count of occurrences (`service.count`), for reminders. */
export function occurrences(finding: Finding): number | undefined {
  return asNumber(at(finding.detail, 'service', 'count'));
}
