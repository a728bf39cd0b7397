/**
 * Storms: an incident that touches 300 instances raises 300 new findings of one type within
 * minutes, and 300 separate emails nobody can follow. Per account, Region and finding type, the
 * first `threshold` new findings of a window of `windowMinutes` (on the findings' own clock:
 * `createdAt`) alert one by one; the ones above are held: recorded in the finding-state table, and
 * a scheduled digest (lambdas/digest) publishes one message per window with all of them. Only
 * alerts are grouped: remediations have already run.
 *
 * Items:
 * - `storm#<account>/<region>/<type>/<window start>` counts the window's new findings (`admitted`).
 *   It stays a few hundred bytes: every new finding of the type updates it.
 * - `<that key>#held#<n>` holds the window's held findings number n*HELD_PER_ITEM+1 to
 *   (n+1)*HELD_PER_ITEM, one attribute `held:<finding id>` each, with the window's account, Region,
 *   type and start. Why several items and not one map in the counter: DynamoDB refuses any item
 *   above 400 KB, and bills an update by the larger of the item's sizes before and after, in 1 KB
 *   units, against 1,000 write units per second per partition
 *   (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/ServiceQuotas.html#limits-items,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/read-write-operations.html#write-operation-consumption,
 *   https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/bp-partition-key-design.html).
 *   One map stopped holding at about 1,700 findings, and every later one alerted on its own: storm
 *   control failed in the largest storms. (Items an earlier version wrote, with a `held` map in the
 *   counter, are still read and digested.)
 * - `storm-index` lists the items that hold something (an SS of keys), so the digest finds them
 *   without scanning the table.
 *
 * Every held finding stays in its item until a digest that named it was published: none is lost,
 * and each is in one digest (or, if the digest crashes between publishing and removing, in the
 * next one too: a duplicate is better than silence).
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { N, S } from './attributes';
import type { Finding } from './finding';
import { STORM_INDEX_KEY, STORM_KEY_PREFIX } from '../../core/state-table';
import { asString } from './json';

export interface StormOptions {
  /** New findings of one type per account, Region and window that alert one by one; 0 turns storm control off. */
  readonly threshold: number;
  readonly windowMinutes: number;
}

export interface HeldFinding {
  readonly id: string;
  readonly severity: number;
  /** What the finding is about (its resource), as the alert would name it (cleaned by the caller). */
  readonly resource: string;
}

export interface StormControl {
  /** For a new finding about to alert: `alert`, or `held` (recorded for the digest). A table error answers `alert` (fail open). */
  admit(finding: Finding, held: HeldFinding): Promise<'alert' | 'held'>;
}

export interface HeldWindow {
  /** The window's counter key (for logs). */
  readonly key: string;
  readonly accountId: string;
  readonly region: string;
  readonly type: string;
  readonly windowStart: string;
  readonly windowMinutes: number;
  readonly findings: readonly HeldFinding[];
}

/** A window as the table stores it: its findings, and the items that hold them. */
export interface StoredWindow extends HeldWindow {
  readonly items: readonly HeldItem[];
}

/** An item of held findings, and each one's attribute path: `held:<id>`, or `held.<id>` in an earlier version's counter. */
export interface HeldItem {
  readonly itemKey: string;
  readonly paths: readonly (readonly string[])[];
}

export interface StormDigest {
  /** Every window with findings held and not yet digested. */
  held(): Promise<StoredWindow[]>;
  /** After the window's digest was published: these findings are done. */
  digested(window: StoredWindow): Promise<void>;
}

/**
 * Held findings per item. A held line is at most about 340 bytes (`held:`, an id of at most
 * MAX_ID_LENGTH, the severity and a resource of at most 200 characters), so an item stays under
 * 35 KB: far from 400 KB, and an update costs at most 35 write units.
 */
export const HELD_PER_ITEM = 100;
/** GuardDuty's finding ids are 32 characters; a longer id in a forged event is cut, not stored whole. */
const MAX_ID_LENGTH = 128;
const HELD_ATTRIBUTE = 'held:';
/** DynamoDB allows 300 attribute names in an expression; the ids are removed in chunks well below. */
const REMOVE_CHUNK = 100;

/** The window a finding falls in, by its own clock (createdAt, else updatedAt). */
export function windowStartOf(finding: Finding, windowMinutes: number): string {
  const text = asString(finding.detail.createdAt) ?? asString(finding.detail.updatedAt);
  const ms = text ? Date.parse(text) : NaN;
  const width = windowMinutes * 60_000;
  return new Date(Math.floor((Number.isFinite(ms) ? ms : 0) / width) * width).toISOString();
}

/** Kept a week: the digest runs every 5 minutes. */
const expiresAt = (): AttributeValue => N(Math.floor(Date.now() / 1000) + 7 * 86_400);

export function dynamoStormControl(dynamodb: DynamoDBClient, tableName: string, options: StormOptions): StormControl {
  return {
    async admit(finding, held) {
      if (options.threshold <= 0) return 'alert';
      const windowStart = windowStartOf(finding, options.windowMinutes);
      const type = finding.type.slice(0, 200);
      const key = `${STORM_KEY_PREFIX}${finding.accountId}/${finding.region}/${type}/${windowStart}`;
      try {
        const { Attributes } = await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(key) },
            UpdateExpression: 'ADD admitted :one SET expiresAt = :expires',
            ExpressionAttributeValues: { ':one': N(1), ':expires': expiresAt() },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        const admitted = Number(Attributes?.admitted?.N ?? '0');
        if (admitted <= options.threshold) return 'alert';
        // The counter numbers the held findings: each goes to the item of its hundred.
        const itemKey = `${key}#held#${Math.floor((admitted - options.threshold - 1) / HELD_PER_ITEM)}`;
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(itemKey) },
            UpdateExpression: 'SET #id = :line, accountId = :account, #region = :region, #type = :type, windowKey = :window, windowStart = :start, windowMinutes = :minutes, expiresAt = :expires',
            ExpressionAttributeNames: { '#id': `${HELD_ATTRIBUTE}${held.id.slice(0, MAX_ID_LENGTH)}`, '#region': 'region', '#type': 'type' },
            ExpressionAttributeValues: {
              ':line': S(`${held.severity}|${held.resource.slice(0, 200)}`),
              ':account': S(finding.accountId),
              ':region': S(finding.region),
              ':type': S(type),
              ':window': S(key),
              ':start': S(windowStart),
              ':minutes': N(options.windowMinutes),
              ':expires': expiresAt(),
            },
          }),
        );
        // After the finding is in its item: the index never names an item before what it holds.
        await dynamodb.send(
          new UpdateItemCommand({ TableName: tableName, Key: { pk: S(STORM_INDEX_KEY) }, UpdateExpression: 'ADD windows :key', ExpressionAttributeValues: { ':key': { SS: [itemKey] } } }),
        );
        return 'held';
      } catch {
        return 'alert';
      }
    },
  };
}

/** The held lines of an item: `held:<id>` attributes, and the `held` map an earlier version kept in the counter. */
function heldLines(item: Record<string, AttributeValue>): { id: string; line: string; path: string[] }[] {
  const lines = Object.entries(item)
    .filter(([name]) => name.startsWith(HELD_ATTRIBUTE))
    .map(([name, value]) => ({ id: name.slice(HELD_ATTRIBUTE.length), line: value.S ?? '', path: [name] }));
  for (const [id, value] of Object.entries(item.held?.M ?? {})) lines.push({ id, line: value.S ?? '', path: ['held', id] });
  return lines;
}

export function dynamoStormDigest(dynamodb: DynamoDBClient, tableName: string): StormDigest {
  return {
    async held() {
      const index = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: S(STORM_INDEX_KEY) }, ConsistentRead: true }));
      const windows = new Map<string, { window: Omit<StoredWindow, 'findings' | 'items'>; findings: Map<string, HeldFinding>; items: HeldItem[] }>();
      for (const itemKey of index.Item?.windows?.SS ?? []) {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: S(itemKey) }, ConsistentRead: true }));
        const lines = Item ? heldLines(Item) : [];
        if (!Item || lines.length === 0) {
          // Nothing held any more: the item leaves the index (a later hold adds it again).
          await dynamodb.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: S(STORM_INDEX_KEY) }, UpdateExpression: 'DELETE windows :key', ExpressionAttributeValues: { ':key': { SS: [itemKey] } } }));
          continue;
        }
        const windowKey = Item.windowKey?.S ?? itemKey;
        let entry = windows.get(windowKey);
        if (!entry) {
          entry = {
            window: {
              key: windowKey,
              accountId: Item.accountId?.S ?? '',
              region: Item.region?.S ?? '',
              type: Item.type?.S ?? '',
              windowStart: Item.windowStart?.S ?? '',
              windowMinutes: Number(Item.windowMinutes?.N ?? '0'),
            },
            findings: new Map(),
            items: [],
          };
          windows.set(windowKey, entry);
        }
        for (const { id, line } of lines) {
          const [severity, ...resource] = line.split('|');
          // A finding admitted twice (a retried delivery) is in two items: named once, removed from both.
          entry.findings.set(id, { id, severity: Number(severity), resource: resource.join('|') });
        }
        entry.items.push({ itemKey, paths: lines.map((l) => l.path) });
      }
      return [...windows.values()].map(({ window, findings, items }) => ({ ...window, findings: [...findings.values()], items }));
    },
    async digested(window) {
      for (const { itemKey, paths } of window.items) {
        for (let i = 0; i < paths.length; i += REMOVE_CHUNK) {
          const chunk = paths.slice(i, i + REMOVE_CHUNK);
          const names: Record<string, string> = {};
          const removed = chunk.map((path, j) =>
            path
              .map((name, k) => {
                const alias = `#p${j}_${k}`;
                names[alias] = name;
                return alias;
              })
              .join('.'),
          );
          await dynamodb.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: S(itemKey) }, UpdateExpression: `REMOVE ${removed.join(', ')}`, ExpressionAttributeNames: names }));
        }
      }
    },
  };
}
