import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { DIGEST_LIST_LENGTH, createDigestHandler, formatDigestAlert } from '../../lambdas/digest/digest';
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { HELD_PER_ITEM, dynamoStormControl, dynamoStormDigest } from '../../lambdas/shared/storm';
import { Finding, parseFindingEvent } from '../../lambdas/shared/finding';
import { fixtureEvent } from '../support/corpus';
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
  const event = fixtureEvent('spambot.json') as { id: string; detail: Record<string, unknown> };
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

  it('holds a storm in items of at most HELD_PER_ITEM findings, far below the 400 KB an item may hold, and digests each finding once', async () => {
    // Before, one map per window grew with the storm: at about 1,740 held findings the item reached
    // DynamoDB's 409,600 bytes, and every later finding alerted on its own. Now an item holds at most
    // HELD_PER_ITEM lines of at most 'held:' + 128 (id) + 5 (severity) + 200 (resource) bytes.
    expect(HELD_PER_ITEM * ('held:'.length + 128 + 5 + 200)).toBeLessThan(409_600 / 10);
    const table = await db.newTable();
    const threshold = 5;
    const control = dynamoStormControl(db.client, table, { threshold, windowMinutes: 60 });
    const digest = dynamoStormDigest(db.client, table);
    const resource = `i-0123456789abcdef0 ${'x'.repeat(180)}`;
    const findings = Array.from({ length: threshold + 3 * HELD_PER_ITEM + 40 }, (_, i) => ({ ...newFinding(i, 0), id: `${i}`.padStart(32, 'f') }));
    const decisions: string[] = [];
    // Ten at a time: the counter, not the order of arrival, places each held finding.
    for (let i = 0; i < findings.length; i += 10) {
      decisions.push(...(await Promise.all(findings.slice(i, i + 10).map((f) => control.admit(f, { id: f.id, severity: 5, resource })))));
    }
    expect(decisions.filter((d) => d === 'alert')).toHaveLength(threshold);
    const { Items = [] } = await db.client.send(new ScanCommand({ TableName: table }));
    const heldCounts = Items.map((item) => Object.keys(item).filter((name) => name.startsWith('held:')).length).filter((n) => n > 0);
    expect(heldCounts.sort((a, b) => b - a)).toEqual([HELD_PER_ITEM, HELD_PER_ITEM, HELD_PER_ITEM, 40]);
    // The counter every new finding updates stays small.
    const counter = Items.find((item) => item.admitted);
    expect(JSON.stringify(counter).length).toBeLessThan(300);
    // One window, every held finding once, and nothing left after the digest.
    const windows = await digest.held();
    expect(windows).toHaveLength(1);
    expect(windows[0].findings.map((f) => f.id).sort()).toEqual(findings.filter((_, i) => decisions[i] === 'held').map((f) => f.id).sort());
    await digest.digested(windows[0]);
    expect(await digest.held()).toEqual([]);
  });

  it('digests what an earlier version held in the window counter (a held map), and empties it', async () => {
    const table = await db.newTable();
    const key = 'storm#111122223333/eu-west-1/Recon:EC2/Portscan/2026-11-20T03:00:00.000Z';
    await db.client.send(
      new PutItemCommand({
        TableName: table,
        Item: {
          pk: { S: key },
          admitted: { N: '4' },
          held: { M: { 'f-old-1': { S: '5|i-old-1' }, 'f-old.2': { S: '8|i-old-2' } } },
          accountId: { S: '111122223333' },
          region: { S: 'eu-west-1' },
          type: { S: 'Recon:EC2/Portscan' },
          windowStart: { S: '2026-11-20T03:00:00.000Z' },
          windowMinutes: { N: '15' },
        },
      }),
    );
    await db.client.send(new PutItemCommand({ TableName: table, Item: { pk: { S: 'storm-index' }, windows: { SS: [key] } } }));
    // The same window goes on under this version: the next finding is held in an item of its own.
    const control = dynamoStormControl(db.client, table, { threshold: 2, windowMinutes: 15 });
    const next = newFinding(7, 0);
    expect(await control.admit(next, held(next))).toBe('held');
    const digest = dynamoStormDigest(db.client, table);
    const windows = await digest.held();
    expect(windows).toHaveLength(1);
    expect(windows[0]).toMatchObject({ key, type: 'Recon:EC2/Portscan', windowMinutes: 15 });
    expect(windows[0].findings).toEqual(expect.arrayContaining([{ id: 'f-old-1', severity: 5, resource: 'i-old-1' }, { id: 'f-old.2', severity: 8, resource: 'i-old-2' }, held(next)]));
    expect(windows[0].findings).toHaveLength(3);
    await digest.digested(windows[0]);
    const counter = await db.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: key } } }));
    expect(counter.Item?.held?.M).toEqual({});
    expect(counter.Item?.admitted?.N).toBe('5');
    expect(await digest.held()).toEqual([]);
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

describe('Digest message', () => {
  it('formats a window of any size: counts every held finding, names the 25 most severe and bounds the message', () => {
    // 200,000 held findings: spreading their severities into Math.max overflows the stack at about 125,000.
    const findings = Array.from({ length: 200_000 }, (_, i) => ({ id: `f${i}`, severity: i === 123_456 ? 8.9 : 2 + (i % 5), resource: `instance i-${i}` }));
    const window = { key: 'k', accountId: '111122223333', region: 'eu-west-1', type: 'Recon:EC2/PortProbeUnprotectedPort', windowStart: '2026-12-01T00:00:00Z', windowMinutes: 15, findings };
    const alert = formatDigestAlert(window, 'storm-digest', true);
    expect(alert.subject).toMatch(/^\[HIGH\] \[STORM\] 200000 /);
    expect(alert.email).toContain('Highest severity: HIGH (8.9)');
    expect(alert.email).toContain('(finding f123456)');
    expect(alert.email).toContain(`and ${200_000 - DIGEST_LIST_LENGTH} more`);
    expect(alert.email.length).toBeLessThan(8_000);
  });
});
