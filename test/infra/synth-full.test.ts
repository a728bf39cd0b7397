/**
 * The one test that synthesizes as `cdk synth` does: Lambda code bundled by local esbuild and the
 * built-in CloudFormation validation on. Every other stack test skips both to stay fast.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { PLAYBOOKS } from '../../core/catalog';
import { synthStack } from '../support/synth';

describe('Stack: full synthesis', () => {
  const { stack } = synthStack({ alertEmails: 'secops@example.com' }, { full: true });
  const outdir = (stack.node.root as App).outdir;
  const bundles = readdirSync(outdir)
    .filter((entry) => entry.startsWith('asset.'))
    .map((entry) => path.join(outdir, entry))
    .filter((dir) => existsSync(path.join(dir, 'index.mjs')));

  it('bundles each handler once (playbooks share it), as a minified ES module that keeps its function names and ships no source map', () => {
    // The default playbooks' handlers, and the storm digest.
    expect(bundles).toHaveLength(new Set(PLAYBOOKS.filter((p) => p.enabledByDefault).map((p) => p.handler)).size + 1);
    for (const bundle of bundles) {
      const code = readFileSync(path.join(bundle, 'index.mjs'), 'utf8');
      // Booleans, not toMatch: a failure must not print a 370 KB bundle.
      expect(/export\s*\{[^}]*\bas handler\b/.test(code)).toBe(true);
      // No map to load at start (no --enable-source-maps either); frames keep their names instead.
      expect(code.includes('sourceMappingURL')).toBe(false);
      expect(existsSync(path.join(bundle, 'index.mjs.map'))).toBe(false);
      // keepNames: esbuild names each function through its (minified) __name helper: h(fn,"toPublishInput").
      expect(/[\w$]+\([\w$]+,\s*"toPublishInput"\)/.test(code)).toBe(true);
      // Minified: long lines (the few line breaks left are inside template literals).
      expect(code.length / code.split('\n').length).toBeGreaterThan(2000);
    }
  });

  it('carries the AWS SDK inside each bundle and never aws-cdk-lib', () => {
    for (const bundle of bundles) {
      const code = readFileSync(path.join(bundle, 'index.mjs'), 'utf8');
      expect(code.includes('com.amazonaws.sns#PublishInput') || code.includes('"PublishInput"')).toBe(true);
      expect(/from\s*"@aws-sdk\//.test(code)).toBe(false);
      expect(code.includes('aws-cdk-lib')).toBe(false);
      // The credential chain is the environment's (lambda-credentials.ts), without SSO, ini files or metadata clients.
      expect(code.includes('"fromEnv"')).toBe(true);
      expect(['"fromSSO"', '"fromIni"', '"fromInstanceMetadata"', '"fromTokenFile"'].filter((name) => code.includes(name))).toEqual([]);
      // Only the schemas of the operations it calls (infra/shakeable-sdk.ts): none of the 700 others.
      expect(['RunInstancesRequest', 'CreateVpcPeeringConnectionRequest'].filter((shape) => code.includes(`"${shape}"`))).toEqual([]);
    }
  });

  it('carries no Auto Scaling client where nothing calls Auto Scaling (only isolation does, and it is off by default)', () => {
    expect(PLAYBOOKS.filter((p) => p.enabledByDefault).map((p) => p.handler)).not.toContain('isolate');
    for (const bundle of bundles) {
      // The client's service id; the detach command that the shared step interpreter names is smaller.
      expect(readFileSync(path.join(bundle, 'index.mjs'), 'utf8').includes('"Auto Scaling"')).toBe(false);
    }
  });

  it('passes the built-in CloudFormation validation', () => {
    const report = JSON.parse(readFileSync(path.join(outdir, 'validation-report.json'), 'utf8'));
    expect(report.pluginReports.flatMap((r: { violations?: unknown[] }) => r.violations ?? [])).toEqual([]);
  });
});
