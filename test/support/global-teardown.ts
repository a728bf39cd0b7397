/**
 * Stops the moto servers the workers started, then removes the run's temporary folder
 * (global-setup.ts), whatever the tests' outcome.
 */
import { readdirSync, rmSync } from 'node:fs';
import * as path from 'node:path';
import { MOTO_PID_RECORD_PREFIX, RUN_FOLDER_PREFIX } from './global-setup';

export default function teardown(): void {
  const folder = process.env.TMPDIR;
  // Only the folder setup made: never a TMPDIR the caller set.
  if (!folder || !path.basename(folder).startsWith(RUN_FOLDER_PREFIX)) return;
  // Each worker's server serves its test files until the run ends (useMoto), and a worker killed or
  // timed out leaves its server too: nothing else would stop them (a test file's
  // process.once('exit') registers on jest's sandboxed process, which never emits it). Each record
  // names a server: its process group (the server runs detached) is stopped.
  for (const name of readdirSync(folder).filter((entry) => entry.startsWith(MOTO_PID_RECORD_PREFIX))) {
    try {
      process.kill(-Number(name.slice(MOTO_PID_RECORD_PREFIX.length)), 'SIGKILL');
    } catch {
      // Already gone.
    }
  }
  rmSync(folder, { recursive: true, force: true });
}
