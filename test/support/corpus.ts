import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';

/** The shared corpus of real GuardDuty and CloudTrail events; CI has it too. */
export const CORPUS_DIR = path.resolve(__dirname, '..', '..', '..', 'shared', 'corpus');
export const FIXTURES_DIR = path.resolve(__dirname, '..', 'fixtures');

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

export function fixtureFindings(): EventFile[] {
  return readEvents(path.join(FIXTURES_DIR, 'findings'));
}

/** The finding-type table compiled from the GuardDuty documentation. */
export function corpusFindingTypeTable(): string {
  const file = path.join(CORPUS_DIR, 'finding-types.tsv');
  if (!existsSync(file)) throw new Error(`${file} is missing: the corpus (../shared/corpus) must be present next to the repository`);
  return readFileSync(file, 'utf8');
}
