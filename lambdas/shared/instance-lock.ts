/**
 * One isolation per instance at a time. GuardDuty can raise two findings for one instance in the
 * same second, and each invocation would read the instance before the other moved it: both would
 * record "previous" groups and move interfaces over each other. A lock item in the finding-state
 * table (`lock#<account>/<region>/<instance>`) is taken with a conditional put before the first
 * change and deleted after the last; it expires (`expiresAt`) after the function's timeout, so a
 * crashed holder never blocks an instance for long. The owner is the delivery's event id: Lambda's
 * retry of the same event takes it again at once.
 *
 * Reserved concurrency would serialise all isolations instead, and Lambda refuses to reserve
 * concurrency that would leave an account less than its minimum unreserved (so it fails in
 * accounts with a low concurrency quota): a lock per instance keeps unrelated isolations in
 * parallel and deploys everywhere.
 */
import { ConditionalCheckFailedException, DeleteItemCommand, type DynamoDBClient, PutItemCommand } from '@aws-sdk/client-dynamodb';
import { N, S } from './attributes';
import { LOCK_KEY_PREFIX } from '../../core/state-table';

export interface InstanceLocks {
  /** Takes the instance's lock for `owner`; false when another delivery holds it. Throws on a table error. */
  acquire(instance: string, owner: string): Promise<boolean>;
  /** Gives the lock back (only if `owner` still holds it). Never throws: the lock expires anyway. */
  release(instance: string, owner: string): Promise<void>;
}


export function dynamoInstanceLocks(dynamodb: DynamoDBClient, tableName: string, holdSeconds: number, now: () => Date = () => new Date()): InstanceLocks {
  const key = (instance: string) => ({ pk: S(`${LOCK_KEY_PREFIX}${instance}`) });
  return {
    async acquire(instance, owner) {
      const seconds = Math.floor(now().getTime() / 1000);
      try {
        await dynamodb.send(
          new PutItemCommand({
            TableName: tableName,
            Item: { ...key(instance), owner: S(owner), expiresAt: N(seconds + holdSeconds) },
            ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now OR #owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':now': N(seconds), ':owner': S(owner) },
          }),
        );
        return true;
      } catch (error) {
        if (error instanceof ConditionalCheckFailedException) return false;
        throw error;
      }
    },
    async release(instance, owner) {
      try {
        await dynamodb.send(
          new DeleteItemCommand({
            TableName: tableName,
            Key: key(instance),
            ConditionExpression: '#owner = :owner',
            ExpressionAttributeNames: { '#owner': 'owner' },
            ExpressionAttributeValues: { ':owner': S(owner) },
          }),
        );
      } catch {
        // Taken over after expiry, or the table is unavailable: the lock expires by itself.
      }
    },
  };
}
