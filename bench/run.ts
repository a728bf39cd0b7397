/**
 * Benchmarks with targets (`npm run bench`). Speed and size live here, never in timed tests.
 * Exits non-zero when a target is missed.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { gzipSync } from 'node:zlib';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { buildSync } from 'esbuild';
import { formatFindingAlert } from '../lambdas/shared/alert';
import { parseFindingEvent } from '../lambdas/shared/finding';
import { createNotifyHandler } from '../lambdas/notify/notify';
import { PlaybookId, playbookById, settingsOf } from '../core/catalog';
import { loadConfig } from '../core/config';
import { encodeSettings } from '../core/settings';
import { GuardDutyResponseStack } from '../infra/guardduty-response-stack';
import { Ec2World } from '../simulator/ec2-world';
import { startLocalDynamoDb } from '../simulator/local-dynamodb';
import { Simulator } from '../simulator/simulate';
import { dynamoFindingState } from '../lambdas/shared/finding-state';
import { routeEvent, rulesFromTemplate } from '../simulator/template-router';
import { corpusFindings } from '../test/support/corpus';

interface Result {
  readonly name: string;
  readonly value: number;
  readonly unit: string;
  readonly target: number;
  readonly higherIsBetter: boolean;
}

function rate(work: () => void, items: number, seconds = 1): number {
  work(); // warm-up
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < seconds) {
    work();
    done += items;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  return done / elapsed;
}

function synthTemplate(): Record<string, unknown> {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [] }, builtinCloudFormationValidation: false });
  const stack = new GuardDutyResponseStack(app, 'Bench', { env: { account: '111122223333', region: 'eu-west-1' }, config: loadConfig({}) });
  return Template.fromStack(stack).toJSON();
}

const events = corpusFindings().map((f) => f.event);
const results: Result[] = [];

const synthStart = process.hrtime.bigint();
const template = synthTemplate();
results.push({ name: 'synth (no bundling)', value: Number(process.hrtime.bigint() - synthStart) / 1e9, unit: 's', target: 10, higherIsBetter: false });

const rules = rulesFromTemplate(template);
results.push({
  name: 'routing through the synthesized rules',
  value: rate(() => events.forEach((e) => routeEvent(template, rules, e)), events.length),
  unit: 'events/s',
  target: 10_000,
  higherIsBetter: true,
});
results.push({
  name: 'parse + format an alert',
  value: rate(() => events.forEach((e) => formatFindingAlert(parseFindingEvent(e), { playbookId: 'bench', summary: 'Alert only.' })), events.length),
  unit: 'alerts/s',
  target: 5_000,
  higherIsBetter: true,
});

// A warm invocation end to end, SNS answered in memory: what a container does per finding.
mockClient(SNSClient).on(PublishCommand).resolves({ MessageId: 'bench' });
const handler = createNotifyHandler({
  sns: new SNSClient({ region: 'eu-west-1' }),
  topicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts',
  playbookId: 'bench',
  logger: new Logger({ logLevel: 'SILENT' }),
  ownRoleArns: [],
  deferredClaims: [],
});
/** Microseconds per event over about a second of sequential invocations, after one warm-up pass. */
async function warmInvocationUs(): Promise<number> {
  for (const event of events) await handler(event);
  let invocations = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1e9) {
    for (const event of events) await handler(event);
    invocations += events.length;
    elapsed = Number(process.hrtime.bigint() - start);
  }
  return elapsed / 1e3 / invocations;
}

// Every handler's bundle, built with the same esbuild options as infra/constructs/response-function.ts: the deployed size.
function bundleOf(handler: string): Uint8Array {
  return buildSync({
    entryPoints: [path.join(__dirname, '..', 'lambdas', handler, 'index.ts')],
    bundle: true,
    write: false,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    mainFields: ['module', 'main'],
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  }).outputFiles[0].contents;
}

/** Cold init: a fresh Node process loading the bundle (what Lambda does before the first invocation), median of 5. */
function coldInitMs(bundle: Uint8Array, playbookId: PlaybookId): number {
  const file = path.join(mkdtempSync(path.join(tmpdir(), 'gdr-bench-')), 'index.mjs');
  writeFileSync(file, bundle);
  const script = `const t = performance.now(); await import(${JSON.stringify(file)}); console.log(performance.now() - t);`;
  // The environment the stack gives the function, its settings through the same codec.
  const env = {
    ...process.env,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    PLAYBOOK_ID: playbookId,
    AWS_REGION: 'eu-west-1',
    STATE_TABLE: 'bench-state',
    ...(playbookById(playbookId).trigger === 'finding' && { REALERT_HOURS: '24' }),
    ...encodeSettings(settingsOf(playbookById(playbookId).handler), {
      dryRun: false,
      exclusionTag: 'guardduty-response:exclude',
      memberRoleName: 'GuardDutyResponseMember-bench',
      trustedSshCidrs: [],
      securityAccountId: '111122223333',
      isolateSnapshots: true,
    }),
  };
  // An empty output (the bundle threw while loading) must not read as 0 ms.
  const runs = Array.from({ length: 5 }, () => {
    const out = spawnSync(process.execPath, ['--input-type=module', '-e', script], { env, encoding: 'utf8' }).stdout.trim();
    return out === '' ? Number.NaN : Number(out);
  });
  if (runs.some((ms) => !Number.isFinite(ms))) throw new Error(`cold init: the ${playbookId} bundle did not load`);
  return runs.sort((a, b) => a - b)[2];
}

// Size targets per handler: the EC2 client alone is about 600 KiB minified, so remediations get more
// room; they also carry the GuardDuty (verification) and DynamoDB (finding state, locks) clients.
const HANDLER_BENCH: readonly { handler: string; playbookId: PlaybookId; maxKiB: number; maxGzipKiB: number }[] = [
  { handler: 'notify', playbookId: 'ec2-spambot', maxKiB: 600, maxGzipKiB: 150 },
  { handler: 'tamper', playbookId: 'guardduty-config-change', maxKiB: 600, maxGzipKiB: 150 },
  { handler: 'revoke-ssh', playbookId: 'revoke-ssh-ingress', maxKiB: 1300, maxGzipKiB: 360 },
  { handler: 'isolate', playbookId: 'isolate-instance', maxKiB: 1300, maxGzipKiB: 360 },
];
for (const { handler, playbookId, maxKiB, maxGzipKiB } of HANDLER_BENCH) {
  const bundle = bundleOf(handler);
  results.push({ name: `${handler} bundle (minified)`, value: bundle.length / 1024, unit: 'KiB', target: maxKiB, higherIsBetter: false });
  results.push({ name: `${handler} bundle (gzip, the zip upload)`, value: gzipSync(bundle).length / 1024, unit: 'KiB', target: maxGzipKiB, higherIsBetter: false });
  results.push({ name: `${handler} cold init (load the bundle)`, value: coldInitMs(bundle, playbookId), unit: 'ms', target: 300, higherIsBetter: false });
}

/** Events per second through the simulator (route, run the handlers offline, capture alerts), over the corpus. */
async function simulatorRate(): Promise<number> {
  const simulator = new Simulator(template, Ec2World.empty());
  for (const event of events) await simulator.run('warm-up', event);
  let done = 0;
  const start = process.hrtime.bigint();
  let elapsed = 0;
  while (elapsed < 1) {
    for (const event of events) await simulator.run('bench', event);
    done += events.length;
    elapsed = Number(process.hrtime.bigint() - start) / 1e9;
  }
  await simulator.close();
  return done / elapsed;
}

/**
 * The finding-state check per delivery (decide + published, as the handler shell makes them),
 * against dynalite on loopback: the median and the 99th percentile over 500 deliveries of 50
 * findings (first sightings, then repeats). dynalite is slower than DynamoDB's service-side work
 * but has no network: the figure is the module's own cost plus a local round trip.
 */
async function stateCheckMicros(): Promise<{ median: number; p99: number }> {
  const local = await startLocalDynamoDb('bench-state');
  const state = dynamoFindingState(local.client, 'bench-state', { realertHours: 24 });
  const base = events[0] as { id: string; detail: Record<string, unknown> };
  const samples: number[] = [];
  for (let i = 0; i < 500; i++) {
    const event = { ...base, id: `bench-${i}`, detail: { ...base.detail, id: `f-${i % 50}`, arn: `arn:aws:guardduty:eu-west-1:111122223333:detector/d/finding/f-${i % 50}`, updatedAt: new Date(Date.UTC(2026, 10, 20, 0, i)).toISOString() } };
    const finding = parseFindingEvent(event);
    const start = process.hrtime.bigint();
    const decision = await state.decide(finding);
    if (decision.kind !== 'repeat' && decision.kind !== 'duplicate') await state.published(finding, 'bench');
    samples.push(Number(process.hrtime.bigint() - start) / 1e3);
  }
  await local.stop();
  samples.sort((a, b) => a - b);
  return { median: samples[Math.floor(samples.length / 2)], p99: samples[Math.floor(samples.length * 0.99)] };
}

async function main(): Promise<void> {
  const stateCheck = await stateCheckMicros();
  results.push({ name: 'finding-state check, median (dynalite)', value: stateCheck.median / 1000, unit: 'ms/event', target: 20, higherIsBetter: false });
  results.push({ name: 'finding-state check, p99 (dynalite)', value: stateCheck.p99 / 1000, unit: 'ms/event', target: 50, higherIsBetter: false });
  // Every event now makes 2-3 round trips to the run's finding state (dynalite on loopback).
  results.splice(2, 0, { name: 'simulator over the corpus', value: await simulatorRate(), unit: 'events/s', target: 150, higherIsBetter: true });
  results.splice(3, 0, { name: 'warm invocation (SNS in memory)', value: await warmInvocationUs(), unit: 'us/event', target: 1000, higherIsBetter: false });
  report();
}

function report(): void {
let missed = 0;
for (const r of results) {
  const ok = r.higherIsBetter ? r.value >= r.target : r.value <= r.target;
  if (!ok) missed++;
  console.log(`${ok ? 'ok  ' : 'MISS'} ${r.name.padEnd(40)} ${r.value.toFixed(r.value < 100 ? 2 : 0).padStart(10)} ${r.unit.padEnd(9)} (target ${r.higherIsBetter ? '>=' : '<='} ${r.target})`);
}
process.exitCode = missed > 0 ? 1 : 0;
}

void main();
