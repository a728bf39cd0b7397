/**
 * One temporary folder per test run, removed by global-teardown.ts: synthesis in a test (an App
 * without an outdir), moto, esbuild and the tests' own mkdtemp calls all write under os.tmpdir(),
 * and jest's workers end without the exit hooks that would remove the CDK's cdk.out folders, so
 * every run used to leave about 95 of them (7 GB over a few days of runs on this machine). The
 * workers start after this hook and inherit TMPDIR.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const RUN_FOLDER_PREFIX = 'guardduty-response-test-run-';
/** useMoto records each server it starts here (`<prefix><pid>`, the worker that uses it inside). */
export const MOTO_PID_RECORD_PREFIX = 'moto-server-';

export default function setup(): void {
  process.env.TMPDIR = mkdtempSync(path.join(tmpdir(), RUN_FOLDER_PREFIX));
}
