import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { EC2Client } from '@aws-sdk/client-ec2';
import { mockClient } from 'aws-sdk-client-mock';
import { createIsolateHandler } from '../../lambdas/isolate/isolate';
import { dynamoInstanceLocks } from '../../lambdas/shared/instance-lock';
import { fixtureEvent } from '../support/corpus';
import { remediationDependencies } from '../support/dependencies';
import { LocalDynamoDb, startDynalite } from '../support/local-dynamodb';

/** The isolation lock, on dynalite: conditions and expiry decided by a DynamoDB engine. */
let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());

describe('InstanceLocks over dynalite', () => {
  it('lets one delivery hold an instance, the same delivery take it again, and another only after release or expiry', async () => {
    let now = new Date('2026-11-20T00:00:00Z');
    const locks = dynamoInstanceLocks(db.client, await db.newTable(), 360, () => now);
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-a')).toBe(true);
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-b')).toBe(false);
    // Lambda's retry of event-a: its own lock.
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-a')).toBe(true);
    // Another instance is not blocked.
    expect(await locks.acquire('111122223333/eu-west-1/i-2', 'event-b')).toBe(true);
    // Released by a non-owner: still held.
    await locks.release('111122223333/eu-west-1/i-1', 'event-b');
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-c')).toBe(false);
    await locks.release('111122223333/eu-west-1/i-1', 'event-a');
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-c')).toBe(true);
    // A crashed holder: the lock expires after its hold time.
    now = new Date(now.getTime() + 361_000);
    expect(await locks.acquire('111122223333/eu-west-1/i-1', 'event-d')).toBe(true);
  });

  it('makes a second isolation of the same instance wait (fail without an alert, for Lambda to retry)', async () => {
    const ec2 = mockClient(EC2Client);
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const table = await db.newTable();
    const locks = dynamoInstanceLocks(db.client, table, 360);
    const event = fixtureEvent('c2-high.json') as Record<string, any>;
    expect(await locks.acquire(`${event.detail.accountId}/${event.detail.region}/${event.detail.resource.instanceDetails.instanceId}`, 'another-event')).toBe(true);
    const { dependencies } = remediationDependencies('isolate-instance');
    await expect(createIsolateHandler({ ...dependencies, instanceLocks: locks })(event)).rejects.toMatchObject({ name: 'RetryLaterError', message: expect.stringMatching(/another delivery is isolating/) });
    expect(ec2.calls()).toHaveLength(0);
    expect(sns.calls()).toHaveLength(0);
    ec2.restore();
    sns.restore();
  });
});
