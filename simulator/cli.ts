/**
 * `npm run simulate -- [-c key=value ...] [--world FILE ...] [--json] [--state FILE] [--fail-after N] [--unknown-to-guardduty] [EVENT_FILE_OR_DIR ...]`
 *
 * Synthesizes the app with the given context (cdk.json's context, then `-c` flags, validated as
 * `cdk synth` validates them), routes each event through the synthesized rules and runs the
 * handlers offline. Exit status: 0, 1 when any event could not be processed (after processing all
 * the others) or a flag or world file is bad, 2 for a usage error.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { buildApp } from '../infra/app';
import { ConfigError, loadConfig } from '../core/config';
import { Ec2World, WorldFileError } from './ec2-world';
import { renderHuman, styles } from './render';
import { EventResult, Simulator, StateFileError } from './simulate';

export const REPO_ROOT = path.resolve(__dirname, '..');
export const EXAMPLE_EVENTS_DIR = path.join(REPO_ROOT, 'examples', 'events');
export const EXAMPLE_WORLD_DIR = path.join(REPO_ROOT, 'examples', 'world');

/** Above this many events, progress goes to stderr. */
export const PROGRESS_THRESHOLD = 50;

export interface Io {
  readonly stdout: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly stderr: { write(text: string): unknown; readonly isTTY?: boolean };
  readonly env: Readonly<Record<string, string | undefined>>;
}

export const USAGE = `usage: npm run simulate -- [-c key=value ...] [--world FILE ...] [--json] [--state FILE] [--fail-after N] [--unknown-to-guardduty] [EVENT_FILE_OR_DIR ...]

  -c, --context key=value   a CDK context flag, as with cdk synth (repeatable)
  --world FILE              AWS CLI JSON output (describe-instances, describe-security-groups,
                            describe-volumes) that EC2 calls see; repeatable, merged
                            (default: examples/world/*.json)
  --json                    one JSON object per event per line on stdout
  --state FILE              keep the finding state between runs in FILE (read if it exists, written
                            at the end): repeats, reminders, holds and digests span runs
  --fail-after N            the Nth mutating EC2 or Auto Scaling call of the run fails (InternalError):
                            give the same event twice to watch the remediation resume
  --unknown-to-guardduty    GuardDuty knows none of the events (as for forged ones): remediations
                            verify each finding with GetFindings, change nothing, alert [NOT VERIFIED]
  -h, --help                this help

Without event files, replays examples/events/. A directory means its *.json files.
`;

interface Arguments {
  readonly context: Record<string, string>;
  readonly worldFiles: string[];
  readonly json: boolean;
  readonly unknownToGuardDuty: boolean;
  readonly failAfter?: number;
  readonly stateFile?: string;
  readonly paths: string[];
  readonly help: boolean;
}

class UsageError extends Error {}

export function parseArguments(argv: readonly string[]): Arguments {
  const args: Arguments = { context: {}, worldFiles: [], json: false, unknownToGuardDuty: false, paths: [], help: false };
  const valueOf = (flag: string, i: number): string => {
    const value = argv[i + 1];
    if (value === undefined || value.startsWith('-')) throw new UsageError(`${flag} needs a value`);
    return value;
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '-c' || arg === '--context') {
      addContext(args.context, valueOf(arg, i));
      i++;
    } else if (arg.startsWith('--context=')) {
      addContext(args.context, arg.slice('--context='.length));
    } else if (arg === '--world') {
      args.worldFiles.push(valueOf(arg, i));
      i++;
    } else if (arg.startsWith('--world=')) {
      args.worldFiles.push(arg.slice('--world='.length));
    } else if (arg === '--json') {
      (args as { json: boolean }).json = true;
    } else if (arg === '--state') {
      (args as { stateFile?: string }).stateFile = valueOf(arg, i);
      i++;
    } else if (arg === '--fail-after') {
      const value = valueOf(arg, i);
      if (!/^[1-9]\d{0,5}$/.test(value)) throw new UsageError(`--fail-after needs a positive whole number, not '${value}'`);
      (args as { failAfter?: number }).failAfter = Number(value);
      i++;
    } else if (arg === '--unknown-to-guardduty') {
      (args as { unknownToGuardDuty: boolean }).unknownToGuardDuty = true;
    } else if (arg === '-h' || arg === '--help') {
      (args as { help: boolean }).help = true;
    } else if (arg.startsWith('-') && arg !== '-') {
      throw new UsageError(`unknown option ${arg}`);
    } else {
      args.paths.push(arg);
    }
  }
  return args;
}

function addContext(context: Record<string, string>, pair: string): void {
  const eq = pair.indexOf('=');
  if (eq <= 0) throw new UsageError(`context '${pair}' is not key=value`);
  context[pair.slice(0, eq)] = pair.slice(eq + 1);
}

/** Runs the simulator; returns the exit status. */
export async function runSimulate(argv: readonly string[], io: Io): Promise<number> {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr.write(`simulate: ${error.message}\n${USAGE}`);
    return 2;
  }
  if (args.help) {
    io.stdout.write(USAGE);
    return 0;
  }

  let simulator: Simulator;
  let worldFiles: string[];
  try {
    worldFiles = args.worldFiles.length > 0 ? args.worldFiles : jsonFilesIn(EXAMPLE_WORLD_DIR);
    const world = Ec2World.fromDocuments(worldFiles.map((file) => ({ file, json: readJson(file) })));
    // The home Region, as `cdk deploy` would pick it: it matters only with `-c regions=...`.
    const homeRegion = io.env.CDK_DEFAULT_REGION ?? io.env.AWS_REGION;
    const { template, coveredRegions } = synthesizeApp(args.context, homeRegion);
    simulator = new Simulator(template, world, { guardDutyKnowsReplayedFindings: !args.unknownToGuardDuty, failAfter: args.failAfter, stateFile: args.stateFile, coveredRegions });
    // A state file is read before the first event: a bad one stops the run here, naming it.
    if (args.stateFile) await simulator.open();
  } catch (error) {
    if (!(error instanceof ConfigError || error instanceof WorldFileError || error instanceof InputError || error instanceof StateFileError)) throw error;
    io.stderr.write(`guardduty-response: ${error.message}\n`);
    return 1;
  }

  let inputs: { file: string; event?: unknown; problem?: string }[];
  try {
    inputs = (args.paths.length > 0 ? args.paths : [EXAMPLE_EVENTS_DIR]).flatMap(expandPath).flatMap(readEvents);
  } catch (error) {
    if (!(error instanceof InputError)) throw error;
    io.stderr.write(`simulate: ${error.message}\n`);
    return 2;
  }

  const style = styles(Boolean(io.stdout.isTTY) && !args.json && io.env.NO_COLOR === undefined);
  if (!args.json) {
    io.stdout.write(
      style.dim(
        `guardduty-response simulator: ${simulator.enabledPlaybooks.length} playbooks on; world: ${worldFiles.map(relative).join(', ') || 'empty'}; ${inputs.length} event(s)\n\n`,
      ),
    );
  }
  const progress = inputs.length > PROGRESS_THRESHOLD;
  let failed = 0;
  for (const [index, input] of inputs.entries()) {
    const result: EventResult =
      input.problem === undefined
        ? await simulator.run(input.file, input.event)
        : { file: input.file, eventId: null, findingType: null, playbooks: [], actions: [], alerts: [], suppressed: [], errors: [input.problem] };
    if (result.errors.length > 0) failed++;
    io.stdout.write(args.json ? `${JSON.stringify(result)}\n` : renderHuman(result, style));
    if (progress && (io.stderr.isTTY || (index + 1) % PROGRESS_THRESHOLD === 0 || index + 1 === inputs.length)) {
      io.stderr.write(`${io.stderr.isTTY ? '\r' : ''}simulate: ${index + 1}/${inputs.length} events${io.stderr.isTTY && index + 1 < inputs.length ? '' : '\n'}`);
    }
  }
  // The storm digest runs after the replay, as its schedule would.
  const digest = await simulator.digest();
  if (digest.alerts.length > 0 || digest.errors.length > 0) {
    if (digest.errors.length > 0) failed++;
    io.stdout.write(args.json ? `${JSON.stringify(digest)}\n` : renderHuman(digest, style));
  }
  await simulator.close();
  if (failed > 0) io.stderr.write(`simulate: ${failed} of ${inputs.length} event(s) could not be processed\n`);
  return failed > 0 ? 1 : 0;
}

/**
 * The main stack's template, as `cdk synth` would write it (without bundling the Lambda code), and the Regions whose events reach it: with `regions`, the home
 * Region and the listed ones (the forwarding stacks'); without, any Region (one stack per Region).
 */
function synthesizeApp(cliContext: Readonly<Record<string, string>>, homeRegion: string | undefined): SynthesizedApp {
  // The simulator reads the template only: no bundling, and no stack trace of each construct's
  // creation (a quarter of the synthesis), which only `cdk synth`'s error messages use.
  const context = { ...cdkJsonContext(), ...cliContext, 'aws:cdk:bundling-stacks': [], 'aws:cdk:disable-creation-stack-traces': true };
  // Synthesis is the slow part of a run (about a second); a process that runs the simulator more
  // than once with the same flags (the tests) synthesizes once. Results are never mutated.
  const key = JSON.stringify([context, homeRegion ?? null]);
  const cached = synthesized.get(key);
  if (cached) return cached;
  const result = synthesizeFresh(context, homeRegion);
  synthesized.set(key, result);
  return result;
}

interface SynthesizedApp {
  readonly template: Record<string, unknown>;
  readonly coveredRegions?: readonly string[];
}

const synthesized = new Map<string, SynthesizedApp>();

function synthesizeFresh(context: Record<string, unknown>, homeRegion: string | undefined): SynthesizedApp {
  const app = new App({ context, builtinCloudFormationValidation: false });
  const stack = buildApp(app, homeRegion);
  const regions = loadConfig(app.node.getAllContext()).regions;
  return {
    template: app.synth().getStackArtifact(stack.artifactId).template as Record<string, unknown>,
    ...(regions.length > 0 && homeRegion && { coveredRegions: [...new Set([homeRegion, ...regions])] }),
  };
}

/** `cdk synth` merges cdk.json's context under the `-c` flags; so does the simulator. */
function cdkJsonContext(): Record<string, unknown> {
  const file = path.join(REPO_ROOT, 'cdk.json');
  return existsSync(file) ? ((JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {}) : {};
}

class InputError extends Error {}

function jsonFilesIn(dir: string): string[] {
  if (!existsSync(dir)) throw new InputError(`${relative(dir)} does not exist`);
  return readdirSync(dir)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => path.join(dir, f));
}

function expandPath(target: string): string[] {
  if (!existsSync(target)) throw new InputError(`${target}: no such file or directory`);
  return statSync(target).isDirectory() ? jsonFilesIn(target) : [target];
}

function readJson(file: string): unknown {
  if (!existsSync(file)) throw new InputError(`world file ${file}: no such file`);
  try {
    return JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new WorldFileError(file, `is not JSON (${(error as Error).message})`);
  }
}

/** A file holds one event, or a list of events (`file#1`, `file#2`...). A bad file is reported, not fatal. */
function readEvents(file: string): { file: string; event?: unknown; problem?: string }[] {
  const name = relative(file);
  let parsed: unknown;
  try {
    parsed = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    return [{ file: name, problem: `${name} could not be read as JSON: ${(error as Error).message}` }];
  }
  if (!Array.isArray(parsed)) return [{ file: name, event: parsed }];
  return parsed.map((event, i) => ({ file: `${name}#${i + 1}`, event }));
}

function relative(file: string): string {
  const rel = path.relative(process.cwd(), file);
  return rel.startsWith('..') ? file : rel;
}

