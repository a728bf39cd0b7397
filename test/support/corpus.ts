import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/** The shared corpus of real GuardDuty and CloudTrail events; CI has it too. */
export const CORPUS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus');
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

/** An event file of this repository (examples/events/..., test/fixtures/...), by its path from the root. */
export function repositoryEvent(file: string): Record<string, unknown> {
  return JSON.parse(readFileSync(path.resolve(__dirname, '..', '..', file), 'utf8')) as Record<string, unknown>;
}

export interface EventFile {
  readonly file: string;
  readonly event: Record<string, unknown>;
}

/** Reads every `*.json` event under `dir`; fails loudly when the directory is missing (never skips). */
export function readEvents(dir: string): EventFile[] {
  if (!existsSync(dir)) {
    throw new Error(`event directory ${dir} is missing (the corpus, ../shared/corpus, must sit next to the repository; fixtures under test/fixtures)`);
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort();
  if (files.length === 0) throw new Error(`no *.json events in ${dir}`);
  return files.map((file) => ({ file: path.join(path.basename(dir), file), event: JSON.parse(readFileSync(path.join(dir, file), 'utf8')) }));
}

export function corpusFindings(): EventFile[] {
  return readEvents(path.join(CORPUS_DIR, 'findings'));
}

/** Findings exported by other projects (Malware Protection among them), in the EventBridge shape. */
export function externalFindings(): EventFile[] {
  return readEvents(path.join(CORPUS_DIR, 'findings-external'));
}

export function fixtureFindings(): EventFile[] {
  return readEvents(path.join(FIXTURES_DIR, 'findings'));
}

let fixtures: EventFile[] | undefined;

/**
 * A fresh copy of our fixture finding `name` (test/fixtures/findings/<name>): the folder is read
 * once per test file, and each call clones, so a test may change what it gets.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function fixtureEvent<T = Record<string, any>>(name: string): T {
  fixtures ??= fixtureFindings();
  const found = fixtures.find((f) => path.basename(f.file) === name);
  if (!found) throw new Error(`no fixture finding ${name} in ${path.join(FIXTURES_DIR, 'findings')}`);
  return structuredClone(found.event) as T;
}

/** The finding-type table compiled from the GuardDuty documentation. */
export function corpusFindingTypeTable(): string {
  const file = path.join(CORPUS_DIR, 'finding-types.tsv');
  if (!existsSync(file)) throw new Error(`${file} is missing: the corpus (../shared/corpus) must be present next to the repository`);
  return readFileSync(file, 'utf8');
}

/**
 * The corpus's `findings-sdk-shape` events are GetFindings API output (PascalCase keys), some already wrapped. EventBridge
 * delivers the same finding as `detail` with every key's first letter lower-cased (`LambdaDetails`
 * → `lambdaDetails`, `IpAddressV4` → `ipAddressV4`), inside the usual envelope. This conversion
 * does exactly that and nothing else; values (names, tags, ids) are kept verbatim.
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_findings_eventbridge.html
 */
export function sdkShapeFindings(): EventFile[] {
  return readEvents(path.join(CORPUS_DIR, 'findings-sdk-shape')).map(({ file, event }) => ({ file, event: toEventBridgeShape(event) }));
}

function toEventBridgeShape(finding: Record<string, unknown>): Record<string, unknown> {
  // Some source authors already wrapped the PascalCase finding in an envelope: only its detail changes.
  if ('detail-type' in finding) return { ...finding, detail: lowerCamelKeys(finding.detail) };
  const detail = lowerCamelKeys(finding) as Record<string, unknown>;
  return {
    version: '0',
    id: `sdk-shape-${String(detail.id)}`,
    'detail-type': 'GuardDuty Finding',
    source: 'aws.guardduty',
    account: detail.accountId,
    time: detail.updatedAt,
    region: detail.region,
    resources: [],
    detail,
  };
}

function lowerCamelKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(lowerCamelKeys);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key.charAt(0).toLowerCase() + key.slice(1), lowerCamelKeys(inner)]));
}
