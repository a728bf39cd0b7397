import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createTamperHandler } from '../../lambdas/tamper/tamper';
import { dynamoDeliveryLog } from '../../lambdas/shared/delivery-log';
import { LocalDynamoDb, startDynalite } from '../support/local-dynamodb';

/** One alert per CloudTrail event, on dynalite: claims and their conditions decided by a DynamoDB engine. */
let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());

describe('DeliveryLog over dynalite', () => {
  it('claims an event once; its retry (same request) again until published; then every delivery is a duplicate', async () => {
    let now = new Date('2026-11-20T00:00:00Z');
    const log = dynamoDeliveryLog(db.client, await db.newTable(), 30, () => now);
    expect(await log.claim('e-1', 'request-a')).toBe('claimed');
    // Another invocation with the same event while the first runs: it leaves the alert to the first.
    expect(await log.claim('e-1', 'request-b')).toBe('in-progress');
    // Lambda's retry of the first (same request id, it failed before publishing): claimed again.
    expect(await log.claim('e-1', 'request-a')).toBe('claimed');
    await log.published('e-1');
    expect(await log.claim('e-1', 'request-a')).toBe('duplicate');
    expect(await log.claim('e-1', 'request-c')).toBe('duplicate');
    // A claim whose holder vanished (no retry) is taken over once it is older than the hold time.
    expect(await log.claim('e-2', 'request-x')).toBe('claimed');
    now = new Date(now.getTime() + 31_000);
    expect(await log.claim('e-2', 'request-y')).toBe('claimed');
  });

  it('fails open when the table cannot be used', async () => {
    const log = dynamoDeliveryLog(db.client, 'missing', 30);
    expect(await log.claim('e-1', 'r')).toBe('unknown');
    await expect(log.published('e-1')).resolves.toBeUndefined();
  });

  it('gives a tamper event delivered twice one alert', async () => {
    const sns = mockClient(SNSClient);
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    const handler = createTamperHandler({
      sns: new SNSClient({ region: 'eu-west-1' }),
      topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
      playbookId: 'guardduty-config-change',
      logger: new Logger({ logLevel: 'SILENT' }),
      ownRoleArns: [],
      deferredClaims: [],
      deliveryLog: dynamoDeliveryLog(db.client, await db.newTable(), 30),
    });
    const event = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'cloudtrail', 'delete-detector.json'), 'utf8'));
    await handler(event, { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r-1' });
    await handler(event, { getRemainingTimeInMillis: () => 30_000, awsRequestId: 'r-2' });
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    sns.restore();
  });
});
