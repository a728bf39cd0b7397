import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createNotifyHandler } from '../../lambdas/notify/notify';
import { createRevokeSshHandler } from '../../lambdas/revoke-ssh/revoke-ssh';
import { dynamoFindingState } from '../../lambdas/shared/finding-state';
import type { HandlerDependencies } from '../../lambdas/shared/handler-shell';
import { ALERT_ATTRIBUTES } from '../../core/contract';
import { fixtureEvent } from '../support/corpus';
import { remediationDependencies } from '../support/dependencies';
import { LocalDynamoDb, startDynalite } from '../support/local-dynamodb';

/**
 * One finding, one conversation, through the handlers as Lambda runs them: SNS answered by
 * aws-sdk-client-mock, the finding state by dynalite (a DynamoDB protocol implementation).
 */
const sns = mockClient(SNSClient);
let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());
beforeEach(() => {
  sns.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm' });
});

const T0 = Date.parse('2026-11-20T00:00:00.000Z');

/** The spambot finding as GuardDuty re-publishes it, `minutes` after T0. */
function spambot(minutes: number, severity = 5, eventId = `e-${minutes}`): Record<string, any> {
  const event = fixtureEvent('spambot.json') as Record<string, any>;
  event.id = eventId;
  event.detail.updatedAt = new Date(T0 + minutes * 60_000).toISOString();
  event.detail.severity = severity;
  event.detail.service.count = 1 + minutes / 15;
  return event;
}

async function notify(): Promise<{ handler: (event: unknown) => Promise<void>; dependencies: HandlerDependencies }> {
  const dependencies: HandlerDependencies = {
    sns: new SNSClient({ region: 'eu-west-1' }),
    topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    playbookId: 'ec2-spambot',
    logger: new Logger({ logLevel: 'SILENT' }),
    ownRoleArns: [],
    deferredClaims: [],
    findingState: dynamoFindingState(db.client, await db.newTable(), { realertHours: 24 }),
  };
  return { handler: createNotifyHandler(dependencies), dependencies };
}

const subjects = () => sns.commandCalls(PublishCommand).map((c) => c.args[0].input.Subject!);

describe('Handlers: one finding, one conversation', () => {
  it('alerts the first delivery, then stays quiet on updates, escalates once, and reminds by email only', async () => {
    const { handler } = await notify();
    await handler(spambot(0));
    await handler(spambot(15));
    await handler(spambot(30));
    await handler(spambot(45, 8));
    await handler(spambot(60, 8));
    await handler(spambot(24 * 60 + 60, 8));
    expect(subjects()).toEqual([
      expect.stringMatching(/^\[MEDIUM\] Backdoor:EC2\/Spambot on /),
      expect.stringMatching(/^\[HIGH\] \[ESCALATED from MEDIUM\] Backdoor:EC2\/Spambot on /),
      expect.stringMatching(/^\[HIGH\] \[STILL ACTIVE\] Backdoor:EC2\/Spambot on /),
    ]);
    const [, escalated, reminder] = sns.commandCalls(PublishCommand).map((c) => c.args[0].input);
    expect(JSON.parse(escalated.Message!).email).toMatch(/^ESCALATED: GuardDuty raised this finding from MEDIUM to HIGH/);
    expect(reminder.MessageAttributes?.[ALERT_ATTRIBUTES.channel]).toEqual({ DataType: 'String', StringValue: 'email-only' });
    expect(JSON.parse(reminder.Message!).email).toMatch(/Count: +101\n/);
  });

  it('sends one alert for a duplicate delivery of the same event, and alerts again on the retry of one that could not publish', async () => {
    const { handler } = await notify();
    sns.on(PublishCommand).rejectsOnce(Object.assign(new Error('throttled'), { name: 'Throttling' })).resolves({ MessageId: 'm' });
    await expect(handler(spambot(0))).rejects.toThrow('throttled');
    // Lambda's retry of the failed invocation (same event): the alert goes out.
    await handler(spambot(0));
    // EventBridge delivers the same event once more: nothing new.
    await handler(spambot(0));
    // Two Publish calls: the one SNS refused and the retry's; none for the duplicate.
    expect(subjects()).toHaveLength(2);
  });

  it('fails open: with the table unusable, every delivery alerts, and the log says why', async () => {
    const dependencies: HandlerDependencies = {
      ...(await notify()).dependencies,
      findingState: dynamoFindingState(db.client, 'missing-table', { realertHours: 24 }),
    };
    const warned = jest.spyOn(dependencies.logger, 'warn');
    const handler = createNotifyHandler(dependencies);
    await handler(spambot(0));
    await handler(spambot(15));
    expect(subjects()).toHaveLength(2);
    expect(warned).toHaveBeenCalledWith('finding state unavailable: alerting anyway (fail open)', { reason: expect.stringMatching(/ResourceNotFoundException/) });
  });

  it('runs a remediation on every delivery but tells a repeat that changed nothing only in the log', async () => {
    const { dependencies } = remediationDependencies('revoke-ssh-ingress');
    const state = dynamoFindingState(db.client, await db.newTable(), { realertHours: 24 });
    let runs = 0;
    // The world: nothing open (the first delivery already fixed it), so every delivery answers "already remediated".
    const handler = createRevokeSshHandler({
      ...dependencies,
      findingState: state,
      verifyFinding: async () => {
        runs++;
        return { verified: false, reason: 'GuardDuty does not know it' };
      },
    });
    const probe = (minutes: number) => {
      const event = fixtureEvent('port-probe-22.json') as Record<string, any>;
      event.id = `probe-${minutes}`;
      event.detail.updatedAt = new Date(T0 + minutes * 60_000).toISOString();
      return event;
    };
    await handler(probe(0));
    await handler(probe(15));
    await handler(probe(30));
    expect(runs).toBe(3);
    expect(subjects()).toEqual([expect.stringMatching(/\[NOT VERIFIED\]/)]);
  });
});
