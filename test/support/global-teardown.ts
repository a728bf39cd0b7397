/** Removes the run's temporary folder (global-setup.ts), whatever the tests' outcome. */
import { rmSync } from 'node:fs';
import * as path from 'node:path';
import { RUN_FOLDER_PREFIX } from './global-setup';

export default function teardown(): void {
  const folder = process.env.TMPDIR;
  // Only the folder setup made: never a TMPDIR the caller set.
  if (folder && path.basename(folder).startsWith(RUN_FOLDER_PREFIX)) rmSync(folder, { recursive: true, force: true });
}
