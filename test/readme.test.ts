import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { FLAG_DEFAULTS } from '../core/config';
import { operationTable, permissionTable, playbookTable } from '../scripts/readme-tables';

const readme = readFileSync(path.join(__dirname, '..', 'README.md'), 'utf8');

describe('Document: README', () => {
  it('has the playbook table generated from the catalog', () => {
    const table = /<!-- playbooks:begin[^\n]*-->\n([\s\S]*?)\n<!-- playbooks:end -->/.exec(readme)?.[1];
    expect(table).toBe(playbookTable());
  });

  it('has the GuardDuty operation table generated from core/guardduty-operations.ts', () => {
    const table = /<!-- operations:begin[^\n]*-->\n([\s\S]*?)\n<!-- operations:end -->/.exec(readme)?.[1];
    expect(table).toBe(operationTable());
  });

  it('has the remediation IAM table generated from the catalog', () => {
    const table = /<!-- permissions:begin[^\n]*-->\n([\s\S]*?)\n<!-- permissions:end -->/.exec(readme)?.[1];
    expect(table).toBe(permissionTable());
  });

  it.each(Object.entries(FLAG_DEFAULTS))('documents flag %s with its default', (flag, defaultValue) => {
    const row = readme.split('\n').find((line) => line.startsWith(`| \`${flag}\` |`));
    expect(row).toBeDefined();
    expect(row!.split('|')[2].trim()).toBe(defaultValue === '' ? 'none' : `\`${defaultValue}\``);
  });

  it('documents the playbook flag', () => {
    expect(readme).toContain('| `playbook:<id>` |');
  });

  it('gives a two-command quick start whose test command is the one CI runs', () => {
    const quickStart = /## Quick start\n\n```sh\n([\s\S]*?)```/.exec(readme)?.[1].trim().split('\n');
    expect(quickStart).toHaveLength(2);
    const ci = readFileSync(path.join(__dirname, '..', '.ci', 'run'), 'utf8');
    const testCommand = quickStart![1].split('#')[0].trim();
    expect(testCommand).toBe('npm test');
    expect(ci).toMatch(/^npm test\b/m);
  });
});
