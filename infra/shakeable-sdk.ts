/**
 * AWS SDK clients whose unused schemas esbuild can drop.
 *
 * Each SDK client describes its operations' shapes in one module (dist-es/schemas/schemas_0.js)
 * whose objects use computed keys on string constants: `{ [_xN]: "Min" }` with
 * `const _xN = "xmlName"`. esbuild must assume a computed key may run code, so it keeps every
 * such statement, used or not: the whole EC2 module (539 KiB minified, half a remediation bundle,
 * of which its 14 operations need 46 KiB) and most of GuardDuty's. Measured by `npm run bench`
 * (cold start) and bench/cold-start.ts.
 *
 * This writes, once per package version, a copy of each client (its ES build) whose schemas use the
 * constants' values as plain keys (`{ "xmlName": "Min" }`: the same objects), under
 * node_modules/.cache, and the bundles alias the package to it. The copy has no node_modules of its
 * own: its imports resolve to the project's node_modules, as the original's do (these packages
 * carry no nested dependencies; `shakeableSdkAliases` refuses one that does).
 */
import { cpSync, existsSync, readFileSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';

const ROOT = path.join(__dirname, '..');
const CACHE = path.join(ROOT, 'node_modules', '.cache', 'guardduty-response', 'shakeable-sdk');

/** The SDK clients the Lambda bundles carry. */
export const BUNDLED_SDK_CLIENTS = ['client-auto-scaling', 'client-dynamodb', 'client-ec2', 'client-guardduty', 'client-sns', 'client-sts'] as const;

/** A constant declaration of the schemas module: `const _xN = "xmlName";` (a JSON string literal). */
const STRING_CONSTANT = /^const (_[A-Za-z0-9_$]+) = ("(?:[^"\\]|\\.)*");$/gm;
const COMPUTED_KEY = /\[(_[A-Za-z0-9_$]+)\]:/g;

/** The schemas module with each computed key on a string constant written as that string. */
export function withPlainKeys(source: string): string {
  const constants = new Map<string, string>();
  for (const [, name, literal] of source.matchAll(STRING_CONSTANT)) constants.set(name, literal);
  return source.replace(COMPUTED_KEY, (key, name: string) => (constants.has(name) ? `${constants.get(name)}:` : key));
}

function copyOf(client: string, cacheDir: string): string {
  const packageDir = path.join(ROOT, 'node_modules', '@aws-sdk', client);
  if (existsSync(path.join(packageDir, 'node_modules'))) throw new Error(`@aws-sdk/${client} has nested dependencies; a copy outside the package would not resolve them`);
  const { version } = JSON.parse(readFileSync(path.join(packageDir, 'package.json'), 'utf8')) as { version: string };
  const target = path.join(cacheDir, `${client}@${version}`);
  if (existsSync(path.join(target, 'dist-es', 'index.js'))) return target;
  // Written beside and renamed into place, so a concurrent synthesis never sees half a copy.
  const staging = `${target}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  // The package as published, but for the CommonJS build and the types (dist-es imports ../package.json).
  cpSync(packageDir, staging, { recursive: true, filter: (source) => !/[\\/]dist-(cjs|types)$/.test(source) });
  const schemas = path.join(staging, 'dist-es', 'schemas');
  for (const file of readdirSync(schemas).filter((f) => f.endsWith('.js'))) {
    writeFileSync(path.join(schemas, file), withPlainKeys(readFileSync(path.join(schemas, file), 'utf8')));
  }
  try {
    renameSync(staging, target);
  } catch (error) {
    // Another process renamed its copy first: the same bytes.
    rmSync(staging, { recursive: true, force: true });
    if (!existsSync(path.join(target, 'dist-es', 'index.js'))) throw error;
  }
  return target;
}

/** Found or written once per process: every function of the stack asks. */
const aliasesByCache = new Map<string, Readonly<Record<string, string>>>();

/** esbuild aliases: each bundled SDK client to its copy with plain keys (written under `cacheDir` when missing). */
export function shakeableSdkAliases(cacheDir: string = CACHE): Readonly<Record<string, string>> {
  let aliases = aliasesByCache.get(cacheDir);
  if (!aliases) {
    aliases = Object.fromEntries(BUNDLED_SDK_CLIENTS.map((client) => [`@aws-sdk/${client}`, path.join(copyOf(client, cacheDir), 'dist-es', 'index.js')]));
    aliasesByCache.set(cacheDir, aliases);
  }
  return aliases;
}
