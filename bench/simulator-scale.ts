/**
 * The simulator at scale, in a process of its own: the time per event after start-up (the
 * marginal rate between the 2,000th and the 10,000th event), as a ratio to one GetItem on a local
 * DynamoDB timed in the same loop; the peak memory (max RSS) after 2,000 and after 10,000 events;
 * and the live heap after a full collection at both, which shows what the events leave behind (a
 * client or a logger kept per event shows there; the peak mostly shows the synthesis and V8's
 * headroom). The events are the corpus's findings, each copy with its own event id and finding
 * id, so every one is a new finding for the finding state, as in an incident.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { median } from './stats';

export interface SimulatorScale {
  readonly eventsPerSecond: number;
  /** The time per event after start-up, as a ratio to one GetItem on a local DynamoDB of the same process. */
  readonly perEventRatio: number;
  readonly getItemUs: number;
  /** The finding state's DynamoDB round trips per event after start-up. */
  readonly stateCallsPerEvent: number;
  /** The time per event after start-up, as a ratio to its DynamoDB round trips at one GetItem each. */
  readonly perStateCallRatio: number;
  readonly peakMb2k: number;
  readonly peakMb10k: number;
  /** Live heap (after a full collection) at 10,000 events minus at 2,000. */
  readonly heapGrowthMb: number;
}

const MARKS = [2_000, 10_000] as const;
/** One reference GetItem every this many events, timed apart from the events. */
const REFERENCE_EVERY = 20;

interface Mark {
  readonly at: number;
  /** Seconds spent in simulator.run up to this event. */
  readonly seconds: number;
  /** The simulator's DynamoDB calls up to this event. */
  readonly stateCalls: number;
  readonly peakMb: number;
  readonly liveHeapMb: number;
}

async function child(): Promise<void> {
  const { DynamoDBClient, GetItemCommand } = await import('@aws-sdk/client-dynamodb');
  // Every DynamoDB call of the process, counted where every client sends it (the simulator's state
  // client is its own); the reference GetItems are subtracted.
  let dynamoCalls = 0;
  const send = DynamoDBClient.prototype.send;
  DynamoDBClient.prototype.send = function (this: InstanceType<typeof DynamoDBClient>, ...args: Parameters<typeof send>) {
    dynamoCalls++;
    return send.apply(this, args);
  } as typeof send;
  const { synthStack } = await import('../test/support/synth');
  const { Ec2World } = await import('../simulator/ec2-world');
  const { Simulator } = await import('../simulator/simulate');
  const { startLocalDynamoDb } = await import('../simulator/local-dynamodb');
  const { corpusFindings } = await import('../test/support/corpus');
  const template = synthStack().template.toJSON();
  const events = corpusFindings().map((f) => f.event as { id?: string; detail: Record<string, unknown> });
  const simulator = new Simulator(template, Ec2World.empty(), { now: () => new Date('2026-11-20T03:30:00Z') });
  // The reference: the cheapest round trip the finding state makes, on an engine of its own.
  const reference = await startLocalDynamoDb('reference');
  const getItemUs: number[] = [];
  const marks: Mark[] = [];
  let inRun = 0n;
  for (let i = 1; i <= MARKS[MARKS.length - 1]; i++) {
    const base = events[i % events.length];
    const event = { ...base, id: `scale-${i}`, detail: { ...base.detail, id: `scale${i}`, arn: `${String(base.detail.arn ?? 'arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/x').replace(/[^/]*$/, '')}scale${i}` } };
    let start = process.hrtime.bigint();
    await simulator.run('scale', event);
    inRun += process.hrtime.bigint() - start;
    if (i % REFERENCE_EVERY === 0) {
      start = process.hrtime.bigint();
      await reference.client.send(new GetItemCommand({ TableName: 'reference', Key: { pk: { S: `r${i}` } } }));
      getItemUs.push(Number(process.hrtime.bigint() - start) / 1e3);
    }
    if ((MARKS as readonly number[]).includes(i)) {
      const peakMb = process.resourceUsage().maxRSS / 1024;
      // Outside the timed calls; the child runs with --expose-gc.
      (globalThis as { gc?: () => void }).gc!();
      marks.push({ at: i, seconds: Number(inRun) / 1e9, stateCalls: dynamoCalls - getItemUs.length, peakMb, liveHeapMb: process.memoryUsage().heapUsed / 2 ** 20 });
    }
  }
  await simulator.close();
  await reference.stop();
  process.stdout.write(JSON.stringify({ marks, getItemUs: median(getItemUs) }));
}

const ROOT = path.join(__dirname, '..');

/**
 * The Node.js options `npm run simulate` runs with (package.json's script), so that the figures are
 * those of the command users run: `--heap-growing-percent=20` among them. V8 otherwise lets the old
 * generation grow to several times the live heap before a full collection (its growing factor
 * adapts between 1.1 and 4); the simulator keeps a live heap near 56 MB and allocates fast (every
 * event is a few DynamoDB round trips through the SDK and dynalite), so the peak was 330 MB at
 * 10,000 events with about 125 MB of it garbage awaiting collection. A fixed factor of 1.2: 230 MB,
 * and 3-6% more time per event (measured 2026-12-02, interleaved runs of this child).
 */
export function simulateNodeOptions(): string[] {
  return nodeOptionsOf((JSON.parse(readFileSync(path.join(ROOT, 'package.json'), 'utf8')) as { scripts: Record<string, string> }).scripts.simulate);
}

/** The options of a `node [options] <entry>.ts [arguments]` script. */
export function nodeOptionsOf(script: string): string[] {
  const [command, ...args] = script.trim().split(/\s+/);
  const entry = args.findIndex((arg) => arg.endsWith('.ts'));
  if (command !== 'node' || entry < 0) throw new Error(`package.json's simulate script is not 'node [options] <entry>.ts': ${script}`);
  return args.slice(0, entry);
}

export function simulatorScale(): SimulatorScale {
  const run = spawnSync(process.execPath, [...simulateNodeOptions(), '--expose-gc', __filename, '--child'], { cwd: ROOT, encoding: 'utf8', maxBuffer: 1 << 20 });
  if (run.status !== 0) throw new Error(`simulator scale run failed: ${run.stderr.slice(-2000)}`);
  const { marks, getItemUs } = JSON.parse(run.stdout.trim().split('\n').pop()!) as { marks: Mark[]; getItemUs: number };
  const [first, last] = marks;
  const secondsPerEvent = (last.seconds - first.seconds) / (last.at - first.at);
  const stateCallsPerEvent = (last.stateCalls - first.stateCalls) / (last.at - first.at);
  return {
    eventsPerSecond: 1 / secondsPerEvent,
    perEventRatio: (secondsPerEvent * 1e6) / getItemUs,
    getItemUs,
    stateCallsPerEvent,
    perStateCallRatio: (secondsPerEvent * 1e6) / (stateCallsPerEvent * getItemUs),
    peakMb2k: first.peakMb,
    peakMb10k: last.peakMb,
    heapGrowthMb: last.liveHeapMb - first.liveHeapMb,
  };
}

if (process.argv.includes('--child')) {
  void child();
} else if (require.main === module) {
  const scale = simulatorScale();
  console.log(`simulator: ${scale.eventsPerSecond.toFixed(0)} events/s after start-up (${scale.perEventRatio.toFixed(1)}x one GetItem of ${scale.getItemUs.toFixed(0)} us per event; ${scale.stateCallsPerEvent.toFixed(2)} DynamoDB calls per event, ${scale.perStateCallRatio.toFixed(2)}x that many GetItems); peak ${scale.peakMb2k.toFixed(0)} MB at 2,000 events, ${scale.peakMb10k.toFixed(0)} MB at 10,000; live heap +${scale.heapGrowthMb.toFixed(1)} MB from 2,000 to 10,000`);
}
