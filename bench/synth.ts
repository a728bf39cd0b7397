/**
 * `cdk synth` as a user runs it (the CLI, the app of cdk.json, every asset bundled), as a ratio to
 * a one-function app synthesized the same way (bench/one-function-app.ts), interleaved rounds.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { median } from './stats';

const ROOT = path.join(__dirname, '..');

function synthSeconds(app?: string): number {
  const out = mkdtempSync(path.join(tmpdir(), 'bench-synth-'));
  const start = process.hrtime.bigint();
  const run = spawnSync('npx', ['cdk', 'synth', '-q', '-o', out, ...(app ? ['--app', app] : [])], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, CI: 'true' } });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  rmSync(out, { recursive: true, force: true });
  if (run.status !== 0) throw new Error(`cdk synth${app ? ` --app ${app}` : ''} failed: ${run.stderr.slice(-2000)}`);
  return seconds;
}

export function synthRatio(rounds = 3): { ratio: number; fullSeconds: number; oneSeconds: number } {
  const ratios: number[] = [];
  const full: number[] = [];
  const one: number[] = [];
  for (let i = 0; i < rounds; i++) {
    one.push(synthSeconds('npx tsx bench/one-function-app.ts'));
    full.push(synthSeconds());
    ratios.push(full[i] / one[i]);
  }
  return { ratio: median(ratios), fullSeconds: median(full), oneSeconds: median(one) };
}

if (require.main === module) {
  const { ratio, fullSeconds, oneSeconds } = synthRatio(Number(process.argv[2] ?? 3));
  console.log(`cdk synth ${fullSeconds.toFixed(1)} s, one-function app ${oneSeconds.toFixed(1)} s: ${ratio.toFixed(2)}x`);
}
