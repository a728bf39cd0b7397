import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { createDigestHandler } from '../../lambdas/digest/digest';
import { dynamoStormControl, dynamoStormDigest } from '../../lambdas/shared/storm';
import { Finding, parseFindingEvent } from '../../lambdas/shared/finding';
import { fixtureFindings } from '../support/corpus';
import { LocalDynamoDb, startDynalite } from '../support/local-dynamodb';

/** Storm control on dynalite: counts, holds and digests decided by a DynamoDB engine. */
let db: LocalDynamoDb;
beforeAll(async () => {
  db = await startDynalite();
});
afterAll(() => db.stop());

const T0 = Date.parse('2026-11-20T03:00:00.000Z');

/** A new finding `i` of one type, created `minutes` after T0. */
function newFinding(i: number, minutes: number, type = 'Recon:EC2/Portscan', accountId = '111122223333'): Finding {
  const event = structuredClone(fixtureFindings().find((f) => f.file.endsWith('spambot.json'))!.event) as { id: string; detail: Record<string, unknown> };
  event.id = `e-${type}-${i}`;
  event.detail.id = `f-${type.replace(/\W/g, '')}-${i}`;
  event.detail.type = type;
  event.detail.accountId = accountId;
  event.detail.createdAt = new Date(T0 + minutes * 60_000).toISOString();
  return parseFindingEvent(event);
}
const held = (f: Finding) => ({ id: f.id, severity: f.severity, resource: `i-${f.id}` });

describe('Storm control over dynalite', () => {
  it('lets the first threshold new findings of a type alert, holds the rest, and digests each held one once', async () => {
    const table = await db.newTable();
    const control = dynamoStormControl(db.client, table, { threshold: 20, windowMinutes: 15 });
    const digest = dynamoStormDigest(db.client, table);
    // 300 new findings of one type in ten minutes, and a few of another type.
    const findings = Array.from({ length: 300 }, (_, i) => newFinding(i, (i * 10) / 300));
    const decisions = [];
    for (const f of findings) decisions.push(await control.admit(f, held(f)));
    for (let i = 0; i < 3; i++) expect(await control.admit(newFinding(i, 1, 'Backdoor:EC2/Spambot'), held(newFinding(i, 1, 'Backdoor:EC2/Spambot')))).toBe('alert');
    expect(decisions.filter((d) => d === 'alert')).toHaveLength(20);
    // Every held finding is in the table, in exactly one window.
    const windows = await digest.held();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ accountId: '111122223333', type: 'Recon:EC2/Portscan', windowStart: '2026-11-20T03:00:00.000Z', windowMinutes: 15 });
    expect(windows[0].findings.map((f) => f.id).sort()).toEqual(findings.slice(20).map((f) => f.id).sort());
    // Digested: nothing left, the window leaves the index.
    await digest.digested(windows[0]);
    expect(await digest.held()).toEqual([]);
  });

  it('counts per window of the finding clock, per type and per account, and holds nothing with threshold 0', async () => {
    const table = await db.newTable();
    const control = dynamoStormControl(db.client, table, { threshold: 2, windowMinutes: 15 });
    const results = [];
    for (const [i, minutes, type, account] of [
      [0, 0, 'A:B/C', '111122223333'],
      [1, 1, 'A:B/C', '111122223333'],
      [2, 2, 'A:B/C', '111122223333'],
      [3, 16, 'A:B/C', '111122223333'],
      [4, 2, 'A:B/C', '444455556666'],
      [5, 2, 'X:Y/Z', '111122223333'],
    ] as const) {
      const f = newFinding(i, minutes, type, account);
      results.push(await control.admit(f, held(f)));
    }
    expect(results).toEqual(['alert', 'alert', 'held', 'alert', 'alert', 'alert']);
    const off = dynamoStormControl(db.client, table, { threshold: 0, windowMinutes: 15 });
    for (let i = 0; i < 5; i++) expect(await off.admit(newFinding(10 + i, 0), held(newFinding(10 + i, 0)))).toBe('alert');
  });

  it('keeps holds that arrive while a digest runs for the next digest', async () => {
    const table = await db.newTable();
    const control = dynamoStormControl(db.client, table, { threshold: 1, windowMinutes: 15 });
    const digest = dynamoStormDigest(db.client, table);
    for (let i = 0; i < 3; i++) await control.admit(newFinding(i, 0), held(newFinding(i, 0)));
    const [window] = await digest.held();
    expect(window.findings).toHaveLength(2);
    await control.admit(newFinding(3, 0), held(newFinding(3, 0)));
    await digest.digested(window);
    const [next] = await digest.held();
    expect(next.findings.map((f) => f.id)).toEqual([newFinding(3, 0).id]);
  });

  it('fails open: a table error alerts', async () => {
    const control = dynamoStormControl(db.client, 'missing', { threshold: 1, windowMinutes: 15 });
    expect(await control.admit(newFinding(0, 0), held(newFinding(0, 0)))).toBe('alert');
  });
});

describe('Handler: storm digest', () => {
  it('publishes one message per window, rings phones for the first only, and keeps a window whose publish failed', async () => {
    const sns = mockClient(SNSClient);
    const table = await db.newTable();
    const control = dynamoStormControl(db.client, table, { threshold: 1, windowMinutes: 15 });
    for (const type of ['A:B/C', 'X:Y/Z', 'P:Q/R']) for (let i = 0; i < 3; i++) await control.admit(newFinding(i, 0, type), held(newFinding(i, 0, type)));
    sns.on(PublishCommand).resolvesOnce({ MessageId: '1' }).resolvesOnce({ MessageId: '2' }).rejectsOnce(new Error('throttled')).resolves({ MessageId: '4' });
    const digest = dynamoStormDigest(db.client, table);
    const handler = createDigestHandler({ sns: new SNSClient({ region: 'eu-west-1' }), topicArn: 'arn:aws:sns:eu-west-1:111122223333:t', playbookId: 'storm-digest', logger: new Logger({ logLevel: 'SILENT' }), ownRoleArns: [], deferredClaims: [], stormDigest: digest });
    await expect(handler({})).rejects.toThrow('throttled');
    const channels = sns.commandCalls(PublishCommand).map((c) => c.args[0].input.MessageAttributes?.channel?.StringValue);
    expect(channels).toEqual(['all', 'email-only', 'email-only']);
    // The window whose publish failed is still held; the next run publishes it, and only it.
    expect((await digest.held()).map((w) => w.findings.length)).toEqual([2]);
    await handler({});
    expect(await digest.held()).toEqual([]);
    sns.restore();
  });
});
