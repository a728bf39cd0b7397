/**
 * The finding-state table's schema, shared by the stack (which creates it), the simulator and the
 * tests (which create it in a local DynamoDB): one string partition key, a TTL attribute.
 */
export const STATE_TABLE = {
  partitionKey: 'pk',
  /** Epoch seconds after which DynamoDB deletes the item (TTL). */
  ttlAttribute: 'expiresAt',
} as const;

/** A finding's conversation (lambdas/shared/finding-state.ts). */
export const FINDING_KEY_PREFIX = 'finding#';
/** A delivered API-call event (lambdas/shared/delivery-log.ts). */
export const EVENT_KEY_PREFIX = 'event#';
/** The prefix of lock items' keys (lambdas/shared/instance-lock.ts): the only items a function may delete. */
export const LOCK_KEY_PREFIX = 'lock#';

/** Storm control's items (lambdas/shared/storm.ts): the windows' counters and held findings, and their index. */
export const STORM_KEY_PREFIX = 'storm#';
export const STORM_INDEX_KEY = 'storm-index';
/** The only keys the storm digest may read and update (IAM `dynamodb:LeadingKeys` patterns). */
export const STORM_KEY_PATTERNS = [`${STORM_KEY_PREFIX}*`, STORM_INDEX_KEY] as const;

/**
 * The items each kind of function reads and writes (IAM `dynamodb:LeadingKeys` patterns): a
 * finding's playbook its findings' conversations and storm control, an isolation also its
 * instance locks, an API-call playbook its delivered events.
 */
export function stateKeyPatterns(trigger: 'finding' | 'api-call', locksInstances: boolean): string[] {
  if (trigger === 'api-call') return [`${EVENT_KEY_PREFIX}*`];
  return [`${FINDING_KEY_PREFIX}*`, ...STORM_KEY_PATTERNS, ...(locksInstances ? [`${LOCK_KEY_PREFIX}*`] : [])];
}

/** The CreateTable input for a local DynamoDB (dynalite, moto): the same key schema as the stack's table. */
export function localStateTableInput(tableName: string) {
  return {
    TableName: tableName,
    AttributeDefinitions: [{ AttributeName: STATE_TABLE.partitionKey, AttributeType: 'S' as const }],
    KeySchema: [{ AttributeName: STATE_TABLE.partitionKey, KeyType: 'HASH' as const }],
    BillingMode: 'PAY_PER_REQUEST' as const,
  };
}
