/**
 * Storms: an incident that touches 300 instances raises 300 new findings of one type within
 * minutes, and 300 separate emails nobody can follow. Per account, Region and finding type, the
 * first `threshold` new findings of a window of `windowMinutes` (on the findings' own clock:
 * `createdAt`) alert one by one; the ones above are held: recorded in the window's item of the
 * finding-state table, and a scheduled digest (lambdas/digest) publishes one message per window
 * with all of them. Only alerts are grouped: remediations have already run.
 *
 * Items: `storm#<account>/<region>/<type>/<window start>` counts the window's new findings
 * (`admitted`) and maps each held finding id to its line (`held`); `storm-index` lists the
 * windows that held something, so the digest finds them without scanning the table. Every held
 * finding stays in its window's item until a digest that named it was published: none is lost,
 * and each is in one digest (or, if the digest crashes between publishing and removing, in the
 * next one too: a duplicate is better than silence).
 */
import { type AttributeValue, type DynamoDBClient, GetItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import type { Finding } from './finding';
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
  readonly key: string;
  readonly accountId: string;
  readonly region: string;
  readonly type: string;
  readonly windowStart: string;
  readonly windowMinutes: number;
  readonly findings: readonly HeldFinding[];
}

export interface StormDigest {
  /** Every window with findings held and not yet digested. */
  held(): Promise<HeldWindow[]>;
  /** After the window's digest was published: these findings are done. */
  digested(window: HeldWindow): Promise<void>;
}

export const STORM_KEY_PREFIX = 'storm#';
const INDEX_KEY = 'storm-index';
/** DynamoDB allows 300 attribute names in an expression; the ids are removed in chunks well below. */
const REMOVE_CHUNK = 100;

/** The window a finding falls in, by its own clock (createdAt, else updatedAt). */
export function windowStartOf(finding: Finding, windowMinutes: number): string {
  const text = asString(finding.detail.createdAt) ?? asString(finding.detail.updatedAt);
  const ms = text ? Date.parse(text) : NaN;
  const width = windowMinutes * 60_000;
  return new Date(Math.floor((Number.isFinite(ms) ? ms : 0) / width) * width).toISOString();
}

const S = (value: string): AttributeValue => ({ S: value });

export function dynamoStormControl(dynamodb: DynamoDBClient, tableName: string, options: StormOptions): StormControl {
  return {
    async admit(finding, held) {
      if (options.threshold <= 0) return 'alert';
      const windowStart = windowStartOf(finding, options.windowMinutes);
      const key = `${STORM_KEY_PREFIX}${finding.accountId}/${finding.region}/${finding.type}/${windowStart}`;
      try {
        const { Attributes } = await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(key) },
            UpdateExpression: 'ADD admitted :one SET held = if_not_exists(held, :empty), accountId = :account, #region = :region, #type = :type, windowStart = :start, windowMinutes = :minutes, expiresAt = :expires',
            ExpressionAttributeNames: { '#region': 'region', '#type': 'type' },
            ExpressionAttributeValues: {
              ':one': { N: '1' },
              ':empty': { M: {} },
              ':account': S(finding.accountId),
              ':region': S(finding.region),
              ':type': S(finding.type.slice(0, 200)),
              ':start': S(windowStart),
              ':minutes': { N: String(options.windowMinutes) },
              // Kept a week: the digest runs every 5 minutes.
              ':expires': { N: String(Math.floor(Date.now() / 1000) + 7 * 86_400) },
            },
            ReturnValues: 'UPDATED_NEW',
          }),
        );
        if (Number(Attributes?.admitted?.N ?? '0') <= options.threshold) return 'alert';
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(key) },
            UpdateExpression: 'SET held.#id = :line',
            ExpressionAttributeNames: { '#id': held.id },
            ExpressionAttributeValues: { ':line': S(`${held.severity}|${held.resource.slice(0, 200)}`) },
          }),
        );
        // After the finding is in its window: the index never names a window before what it holds.
        await dynamodb.send(
          new UpdateItemCommand({ TableName: tableName, Key: { pk: S(INDEX_KEY) }, UpdateExpression: 'ADD windows :key', ExpressionAttributeValues: { ':key': { SS: [key] } } }),
        );
        return 'held';
      } catch {
        return 'alert';
      }
    },
  };
}

export function dynamoStormDigest(dynamodb: DynamoDBClient, tableName: string): StormDigest {
  return {
    async held() {
      const index = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: S(INDEX_KEY) }, ConsistentRead: true }));
      const windows: HeldWindow[] = [];
      for (const key of index.Item?.windows?.SS ?? []) {
        const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: { pk: S(key) }, ConsistentRead: true }));
        const entries = Object.entries(Item?.held?.M ?? {});
        if (!Item || entries.length === 0) {
          // Nothing held any more: the window leaves the index (a later hold adds it again).
          await dynamodb.send(new UpdateItemCommand({ TableName: tableName, Key: { pk: S(INDEX_KEY) }, UpdateExpression: 'DELETE windows :key', ExpressionAttributeValues: { ':key': { SS: [key] } } }));
          continue;
        }
        windows.push({
          key,
          accountId: Item.accountId?.S ?? '',
          region: Item.region?.S ?? '',
          type: Item.type?.S ?? '',
          windowStart: Item.windowStart?.S ?? '',
          windowMinutes: Number(Item.windowMinutes?.N ?? '0'),
          findings: entries.map(([id, value]) => {
            const [severity, ...resource] = (value.S ?? '').split('|');
            return { id, severity: Number(severity), resource: resource.join('|') };
          }),
        });
      }
      return windows;
    },
    async digested(window) {
      for (let i = 0; i < window.findings.length; i += REMOVE_CHUNK) {
        const chunk = window.findings.slice(i, i + REMOVE_CHUNK);
        await dynamodb.send(
          new UpdateItemCommand({
            TableName: tableName,
            Key: { pk: S(window.key) },
            UpdateExpression: `REMOVE ${chunk.map((_, j) => `held.#f${j}`).join(', ')}`,
            ExpressionAttributeNames: Object.fromEntries(chunk.map((f, j) => [`#f${j}`, f.id])),
          }),
        );
      }
    },
  };
}
