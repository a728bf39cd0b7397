/**
 * Exactly one alert per event for events that have no finding to keep a conversation about (the
 * CloudTrail API calls of the tamper playbook). EventBridge delivers an event at least once; a
 * second delivery of an event whose alert went out is a duplicate and alerts nobody. Only a
 * completed invocation counts: Lambda's retry of a failed one (same request id) claims the event
 * again and runs in full.
 *
 * Powertools' idempotency utility implements the same protocol (an in-progress record, removed
 * when the invocation fails, completed when it succeeds). It is not used here: its latest release
 * (2.35.0) lags the Powertools logger this project pins (2.36.0), so it would bundle a second
 * copy of Powertools' commons, and it needs @aws-sdk/lib-dynamodb; the finding state already
 * keeps claims in this table with the same two conditional writes.
 */
import { EVENT_KEY_PREFIX } from '../../core/state-table';
import { ConditionalCheckFailedException, type DynamoDBClient, GetItemCommand, PutItemCommand, UpdateItemCommand } from '@aws-sdk/client-dynamodb';
import { N, S } from './attributes';

export type Claim = 'claimed' | 'duplicate' | 'in-progress' | 'unknown';

export interface DeliveryLog {
  /** Claims the event for this invocation. Never throws: a table error answers `unknown` (fail open: alert). */
  claim(eventId: string, requestId: string): Promise<Claim>;
  /** After SNS accepted the alert: later deliveries of the event are duplicates. Never throws. */
  published(eventId: string): Promise<void>;
}

/**
 * @param holdSeconds how long a claim by another invocation is trusted to be in progress (the
 *   function's timeout): after that, it crashed without a retry, and the claim is taken over.
 */
export function dynamoDeliveryLog(dynamodb: DynamoDBClient, tableName: string, holdSeconds: number, now: () => Date = () => new Date()): DeliveryLog {
  const key = (eventId: string) => ({ pk: S(`${EVENT_KEY_PREFIX}${eventId}`) });
  const seconds = () => Math.floor(now().getTime() / 1000);

  async function current(eventId: string): Promise<Claim | undefined> {
    const { Item } = await dynamodb.send(new GetItemCommand({ TableName: tableName, Key: key(eventId), ConsistentRead: true }));
    if (Item?.published?.BOOL) return 'duplicate';
    return undefined;
  }

  return {
    async claim(eventId, requestId) {
      try {
        if ((await current(eventId)) === 'duplicate') return 'duplicate';
        const at = seconds();
        try {
          await dynamodb.send(
            new PutItemCommand({
              TableName: tableName,
              // Kept a week: EventBridge retries a delivery for at most 24 hours.
              Item: { ...key(eventId), owner: S(requestId), claimedAt: N(at), published: { BOOL: false }, expiresAt: N(at + 7 * 86_400) },
              ConditionExpression: 'attribute_not_exists(pk) OR (published = :false AND (#owner = :owner OR claimedAt < :stale))',
              ExpressionAttributeNames: { '#owner': 'owner' },
              ExpressionAttributeValues: { ':false': { BOOL: false }, ':owner': S(requestId), ':stale': N(at - holdSeconds) },
            }),
          );
          return 'claimed';
        } catch (error) {
          if (!(error instanceof ConditionalCheckFailedException)) throw error;
          return (await current(eventId)) ?? 'in-progress';
        }
      } catch {
        return 'unknown';
      }
    },
    async published(eventId) {
      try {
        await dynamodb.send(new UpdateItemCommand({ TableName: tableName, Key: key(eventId), UpdateExpression: 'SET published = :true', ExpressionAttributeValues: { ':true': { BOOL: true } } }));
      } catch {
        // The alert went out; at worst a duplicate delivery alerts again, which is better than silence.
      }
    },
  };
}
