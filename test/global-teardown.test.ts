import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { MOTO_PID_RECORD_PREFIX, RUN_FOLDER_PREFIX } from './support/global-setup';
import teardown from './support/global-teardown';

/** Runs the teardown as jest would at the end of a run whose TMPDIR is `folder`. */
function teardownWith(folder: string): void {
  const runFolder = process.env.TMPDIR;
  process.env.TMPDIR = folder;
  try {
    teardown();
  } finally {
    process.env.TMPDIR = runFolder;
  }
}

describe('global teardown', () => {
  it('stops a moto server whose worker ended before its afterAll (its whole process group), then removes the run folder', async () => {
    const folder = mkdtempSync(path.join(tmpdir(), RUN_FOLDER_PREFIX));
    // A stand-in for moto_server, started as useMoto starts it: detached, in a process group of its own.
    const server = spawn('sleep', ['60'], { detached: true, stdio: 'ignore' });
    const stopped = new Promise<NodeJS.Signals | null>((resolve) => server.once('exit', (_code, signal) => resolve(signal)));
    writeFileSync(path.join(folder, `${MOTO_PID_RECORD_PREFIX}${server.pid}`), '');
    teardownWith(folder);
    expect(await stopped).toBe('SIGKILL');
    expect(existsSync(folder)).toBe(false);
  });

  it('leaves a TMPDIR it did not make alone', () => {
    const folder = mkdtempSync(path.join(tmpdir(), 'not-a-run-'));
    teardownWith(folder);
    expect(existsSync(folder)).toBe(true);
  });
});
