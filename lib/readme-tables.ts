/**
 * The README tables that are derived from code. test/readme.test.ts fails when README.md differs;
 * `npx tsx lib/readme-tables.ts` prints them to paste.
 */
import { PLAYBOOKS, Playbook } from './catalog';
import { GUARDDUTY_WRITE_OPERATIONS, GUARDDUTY_WRITE_OPERATION_NAMES, OperationRule } from './guardduty-operations';

export function playbookTable(): string {
  const rows = PLAYBOOKS.map((p: Playbook) => `| \`${p.id}\` | ${p.enabledByDefault ? 'on' : 'off'} | ${triggerOf(p)} | ${matchesOf(p)} | ${p.summary} | \`${p.handler}\` |`);
  return ['| playbook (`-c playbook:<id>=true\\|false`) | default | trigger | matches | what it does | handler |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function triggerOf(p: Playbook): string {
  return p.trigger === 'finding' ? `finding, ${p.tier}` : 'CloudTrail API call';
}

function matchesOf(p: Playbook): string {
  if (p.trigger === 'api-call') return `${p.eventNames.length} state-changing \`${p.eventSource}\` operations (table below)`;
  return p.findingTypes.length > 0 ? p.findingTypes.map((t) => `\`${t}\``).join('<br>') : '(everything else)';
}

/** The GuardDuty operations the tamper playbook alerts on, with their severity and what raises it. */
export function operationTable(): string {
  const rows = GUARDDUTY_WRITE_OPERATION_NAMES.map((name) => {
    const rule: OperationRule = GUARDDUTY_WRITE_OPERATIONS[name];
    const raised = (rule.escalations ?? []).map((e) => `${e.severity} when ${e.when}`).join('; ');
    return `| \`${name}\` | ${rule.severity} | ${rule.reason}${raised ? ` Raised: ${raised}.` : ''} |`;
  });
  return ['| operation | severity | why |', '| --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) console.log(`${playbookTable()}\n\n${operationTable()}`);
