import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import type { Delivery } from '../../lambdas/shared/finding';
import { FindingState, dynamoFindingState, stateKey } from '../../lambdas/shared/finding-state';
import { Finding, parseFindingEvent } from '../../lambdas/shared/finding';
import { fixtureEvent } from '../support/corpus';
import { LocalDynamoDb, dynamoDbAt, startDynalite } from '../support/local-dynamodb';
import { useMoto } from '../support/moto';

/**
 * The finding state's conditional writes, run by two DynamoDB engines that are not ours: dynalite
 * (a DynamoDB protocol implementation from npm) and moto's DynamoDB. Condition expressions, TTL
 * attributes and races are decided by an engine, not by our expectations of one.
 */
const T0 = Date.parse('2026-11-20T00:00:00.000Z');
const MINUTE = 60_000;

/** A delivery of the finding `id` as GuardDuty re-publishes it: its clock, severity and event id. */
function delivery(options: { id?: string; minutes?: number; severity?: number; eventId?: string } = {}): Finding {
  const event = fixtureEvent('spambot.json') as { id: string; detail: Record<string, unknown> };
  const id = options.id ?? 'f-week';
  const minutes = options.minutes ?? 0;
  event.id = options.eventId ?? `e-${id}-${minutes}`;
  event.detail.id = id;
  event.detail.arn = `arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/${id}`;
  event.detail.updatedAt = new Date(T0 + minutes * MINUTE).toISOString();
  event.detail.severity = options.severity ?? 5;
  return parseFindingEvent(event);
}

const engines: [string, () => Promise<LocalDynamoDb>][] = [['dynalite', startDynalite]];
const moto = useMoto();
engines.push(['moto', () => dynamoDbAt(moto())]);

describe.each(engines)('FindingState over %s', (_engine, start) => {
  let db: LocalDynamoDb;
  let state: (realertHours?: number) => Promise<FindingState>;
  beforeAll(async () => {
    db = await start();
    state = async (realertHours = 24) => dynamoFindingState(db.client, await db.newTable(), { realertHours });
  });
  afterAll(() => db.stop());

  /** Decides and, when it alerts, publishes: as the handler shell does. */
  const deliver = async (s: FindingState, finding: Finding): Promise<Delivery> => {
    const decision = await s.decide(finding);
    if (decision.kind !== 'repeat' && decision.kind !== 'duplicate') await s.published(finding, 'alerted');
    return decision;
  };

  it('alerts the first delivery, not the next update, and keeps a TTL on the item', async () => {
    const s = await state();
    expect(await deliver(s, delivery())).toEqual({ kind: 'first' });
    expect((await deliver(s, delivery({ minutes: 15 }))).kind).toBe('repeat');
  });

  it('alerts again when the severity label rises, saying from what', async () => {
    const s = await state();
    await deliver(s, delivery({ severity: 5 }));
    expect((await deliver(s, delivery({ minutes: 15, severity: 6.9 }))).kind).toBe('repeat');
    expect(await deliver(s, delivery({ minutes: 30, severity: 8 }))).toEqual({ kind: 'escalated', from: 'MEDIUM' });
    // Back down and up again to the same label: nothing new.
    expect((await deliver(s, delivery({ minutes: 45, severity: 5 }))).kind).toBe('repeat');
    expect((await deliver(s, delivery({ minutes: 60, severity: 8 }))).kind).toBe('repeat');
  });

  it('reminds once per realertHours of the finding clock (strictly more), and never with 0', async () => {
    const s = await state(24);
    await deliver(s, delivery());
    expect((await deliver(s, delivery({ minutes: 24 * 60 }))).kind).toBe('repeat');
    expect(await deliver(s, delivery({ minutes: 24 * 60 + 15 }))).toMatchObject({ kind: 'reminder', lastAlertAt: '2026-11-20T00:00:00.000Z', lastOutcome: 'alerted' });
    expect((await deliver(s, delivery({ minutes: 24 * 60 + 30 }))).kind).toBe('repeat');
    const off = await state(0);
    await deliver(off, delivery({ id: 'f-off' }));
    expect((await deliver(off, delivery({ id: 'f-off', minutes: 10 * 24 * 60 }))).kind).toBe('repeat');
  });

  it('answers a duplicate delivery of a published alert as a duplicate, and the retry of an unpublished one with the same alert', async () => {
    const s = await state();
    const first = delivery();
    expect(await s.decide(first)).toEqual({ kind: 'first' });
    // The invocation failed before publishing: Lambda's retry (same event) alerts again.
    expect(await s.decide(first)).toEqual({ kind: 'first' });
    await s.published(first, 'alerted');
    // Published: the same event delivered again is a duplicate.
    expect(await s.decide(first)).toEqual({ kind: 'duplicate' });
  });

  it('gives one alert to concurrent deliveries of one update', async () => {
    const s = await state();
    const decisions = await Promise.all(Array.from({ length: 6 }, (_, i) => s.decide(delivery({ eventId: `e-concurrent-${i}` }))));
    expect(decisions.filter((d) => d.kind === 'first')).toHaveLength(1);
    expect(decisions.filter((d) => d.kind !== 'first')).toEqual(Array(5).fill(expect.objectContaining({ kind: 'repeat' })));
  });

  it('keeps one item per finding with its clock, count of deliveries and expiry', async () => {
    const table = await db.newTable();
    const t = dynamoFindingState(db.client, table, { realertHours: 24 });
    await deliver(t, delivery());
    await deliver(t, delivery({ minutes: 15 }));
    const { Item } = await db.client.send(new GetItemCommand({ TableName: table, Key: { pk: { S: stateKey(delivery()) } } }));
    expect(Item).toMatchObject({ deliveries: { N: '2' }, firstAlertAt: { S: '2026-11-20T00:00:00.000Z' }, lastSeenAt: { S: '2026-11-20T00:15:00.000Z' }, severity: { N: '5' } });
    expect(Number(Item!.expiresAt.N)).toBeGreaterThan(Date.now() / 1000 + 80 * 86_400);
  });

  it('fails open: a missing table decides unknown (alert anyway) with the reason', async () => {
    const s = dynamoFindingState(db.client, 'no-such-table', { realertHours: 24 });
    expect(await s.decide(delivery())).toEqual({ kind: 'unknown', reason: expect.stringMatching(/ResourceNotFoundException/) });
    await expect(s.published(delivery(), 'x')).resolves.toBeUndefined();
  });
});

// The replays make ~1,350 calls each: on dynalite only (moto answers about 4x slower; the
// conditions they exercise are the ones checked on both engines above).
describe('FindingState: replayed re-publications over dynalite', () => {
  let db: LocalDynamoDb;
  beforeAll(async () => {
    db = await startDynalite();
  });
  afterAll(() => db.stop());
  const deliver = async (s: FindingState, finding: Finding): Promise<Delivery> => {
    const decision = await s.decide(finding);
    if (decision.kind !== 'repeat' && decision.kind !== 'duplicate') await s.published(finding, 'alerted');
    return decision;
  };

  it.each([
    ['the same severity all week', () => 5, { first: 1, escalated: 0, reminder: 6 }],
    // Raised to HIGH on day 3: the escalation is an alert, and the next reminder counts from it.
    ['raised to HIGH on day 3', (i: number) => (i >= 3 * 96 ? 8 : 5), { first: 1, escalated: 1, reminder: 5 }],
  ])('replays a week of 15-minute updates (673 deliveries), %s', async (_case, severityAt, alerted) => {
    const s = dynamoFindingState(db.client, await db.newTable(), { realertHours: 24 });
    const kinds: string[] = [];
    for (let i = 0; i <= 672; i++) kinds.push((await deliver(s, delivery({ minutes: i * 15, severity: severityAt(i) }))).kind);
    const count = (kind: string) => kinds.filter((k) => k === kind).length;
    expect({ first: count('first'), escalated: count('escalated'), reminder: count('reminder') }).toEqual(alerted);
    expect(count('repeat')).toBe(673 - alerted.first - alerted.escalated - alerted.reminder);
  }, 60_000);

});
