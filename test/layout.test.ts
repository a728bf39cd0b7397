/**
 * The dependency rules of the layout (README, "Layout"), checked on what the bundler really
 * follows: a Lambda bundle must hold nothing of the CDK (aws-cdk-lib, constructs) and nothing of
 * the stack or the simulator; the kernel imports nothing of the repository outside itself.
 * esbuild resolves the same graph the stack bundles (without writing anything), in well under a
 * second per entry, so this does not wait for the full-synth test.
 */
import { buildSync } from 'esbuild';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { HANDLER_NAMES } from '../core/catalog';

const ROOT = path.join(__dirname, '..');
const BUILD = { bundle: true, write: false, metafile: true, platform: 'node', format: 'esm', logLevel: 'silent', absWorkingDir: ROOT } as const;
const inputsOf = (entry: string): string[] => Object.keys(buildSync({ ...BUILD, entryPoints: [entry] }).metafile!.inputs);

describe('Layout: what a Lambda bundle may contain', () => {
  it.each(HANDLER_NAMES)('lambdas/%s/index.ts reaches no CDK, stack or simulator module', (handler) => {
    const inputs = inputsOf(path.join('lambdas', handler, 'index.ts'));
    expect(inputs.length).toBeGreaterThan(10);
    expect(inputs.filter((input) => /node_modules\/(aws-cdk-lib|constructs)\/|^(infra|simulator|bin|scripts|test)\//.test(input))).toEqual([]);
    // Only the kernel and the handlers' own code come from this repository.
    expect([...new Set(inputs.filter((input) => !input.startsWith('node_modules/')).map((input) => input.split('/')[0]))].sort()).toEqual(['core', 'lambdas']);
  });

  it('catches a forbidden import: a bundle that reaches a construct lists it', () => {
    // The check above is only as good as the bundler's graph: prove it sees such an import (constructs: small, so fast).
    const { metafile } = buildSync({ ...BUILD, stdin: { contents: "export { Construct } from 'constructs';", resolveDir: ROOT } });
    expect(Object.keys(metafile!.inputs).some((input) => /node_modules\/constructs\//.test(input))).toBe(true);
  });
});

describe('Layout: the kernel stands alone', () => {
  it.each(readdirSync(path.join(ROOT, 'core')).filter((f) => f.endsWith('.ts')))('core/%s imports only core/ and packages without the CDK', (file) => {
    const source = readFileSync(path.join(ROOT, 'core', file), 'utf8');
    const specifiers = [...source.matchAll(/(?:from|import)\s*['"]([^'"]+)['"]/g)].map((m) => m[1]);
    expect(specifiers.filter((s) => (s.startsWith('.') && !s.startsWith('./')) || /^(aws-cdk-lib|constructs)(\/|$)/.test(s))).toEqual([]);
  });
});
