import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { EXAMPLE_EVENTS_DIR, Io, runSimulate } from '../../simulator/cli';
import { EventResult } from '../../simulator/simulate';

/**
 * A storm replayed through the simulator, as deployed: 300 new findings of one type in one
 * account within ten minutes produce stormThreshold alerts and one digest that accounts for the
 * rest.
 */
async function simulate(argv: string[]): Promise<{ status: number; results: EventResult[] }> {
  let stdout = '';
  const io: Io = { stdout: { write: (text: string) => (stdout += text), isTTY: false }, stderr: { write: () => true, isTTY: false }, env: {} };
  const status = await runSimulate(argv, io);
  return { status, results: stdout.trimEnd().split('\n').map((line) => JSON.parse(line)) };
}

describe('Storm control, replayed', () => {
  it('turns 300 new findings of one type in ten minutes into 20 alerts and one digest of the other 280', async () => {
    const base = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'), 'utf8'));
    const T0 = Date.parse('2026-11-20T03:00:00.000Z');
    const events = Array.from({ length: 300 }, (_, i) => {
      const at = new Date(T0 + i * 2_000).toISOString();
      return {
        ...base,
        id: `storm-event-${i}`,
        detail: {
          ...base.detail,
          id: `storm-finding-${i}`,
          arn: `${base.detail.arn}-storm-${i}`,
          createdAt: at,
          updatedAt: at,
          resource: { ...base.detail.resource, instanceDetails: { ...base.detail.resource.instanceDetails, instanceId: `i-${String(i).padStart(17, '0')}` } },
        },
      };
    });
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'storm-')), 'storm.json');
    writeFileSync(file, JSON.stringify(events));
    const { status, results } = await simulate(['--json', file]);
    expect(status).toBe(0);
    const deliveries = results.slice(0, 300);
    const digest = results[300];
    expect(results).toHaveLength(301);
    expect(deliveries.filter((r) => r.alerts.length === 1)).toHaveLength(20);
    expect(deliveries.filter((r) => r.suppressed[0]?.startsWith('held for the storm digest'))).toHaveLength(280);
    // Every id is accounted for: alerted one by one, or held (and then in the digest).
    expect(deliveries.every((r) => r.alerts.length + r.suppressed.length === 1)).toBe(true);
    expect(digest.file).toBe('(storm digest)');
    expect(digest.alerts).toHaveLength(1);
    expect(digest.alerts[0].subject).toMatch(/^\[MEDIUM\] \[STORM\] 280 new Backdoor:EC2\/Spambot findings in 111122223333\/eu-west-1/);
    expect(digest.alerts[0].email).toContain('Held findings:    280');
    expect(digest.alerts[0].email).toContain('- and 255 more');
    expect(digest.alerts[0].attributes.channel).toBe('all');
  }, 60_000);
});

describe('Simulator: --state FILE keeps the finding state between runs', () => {
  it('remembers what a first run alerted: the same finding, updated in a second run, is reminded of, not alerted as new', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'state-'));
    const state = path.join(dir, 'state.json');
    const example = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'), 'utf8'));
    const update = path.join(dir, 'update.json');
    writeFileSync(update, JSON.stringify({ ...example, id: 'a-later-event', detail: { ...example.detail, updatedAt: '2099-01-01T00:00:00.000Z' } }));
    const first = await simulate(['--json', '--state', state, path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')]);
    expect(first.results[0].alerts).toHaveLength(1);
    expect(JSON.parse(readFileSync(state, 'utf8'))).toMatchObject({ guardDutyResponseState: 1, items: expect.arrayContaining([expect.objectContaining({ pk: { S: expect.stringMatching(/^finding#/) } })]) });
    const second = await simulate(['--json', '--state', state, update]);
    // 2099 is far more than realertHours later: the second run reminds (it knows the first alert); without the state it would alert as new.
    expect(second.results[0].alerts[0].subject).toMatch(/\[STILL ACTIVE\]/);
    const without = await simulate(['--json', update]);
    expect(without.results[0].alerts[0].subject).not.toMatch(/\[STILL ACTIVE\]/);
  });

  it('refuses a state file it did not write, naming it', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'state-'));
    const bad = path.join(dir, 'bad.json');
    writeFileSync(bad, '{"items": 3}');
    let stderr = '';
    const status = await runSimulate(['--state', bad], { stdout: { write: () => true, isTTY: false }, stderr: { write: (t: string) => (stderr += t), isTTY: false }, env: {} });
    expect(status).toBe(1);
    expect(stderr).toMatch(/state file .*bad\.json: is not a state file this simulator wrote/);
  });
});
