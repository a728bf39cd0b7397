/**
 * The README tables that are derived from code. test/readme.test.ts fails when README.md differs;
 * `npx tsx scripts/readme-tables.ts` prints them to paste.
 */
import { PLAYBOOKS, Playbook, REMEDIATION_HANDLERS, VERIFY_FINDING_PERMISSION, ec2PermissionsOf } from '../core/catalog';
import { GUARDDUTY_WRITE_OPERATIONS, GUARDDUTY_WRITE_OPERATION_NAMES, OperationRule } from '../core/guardduty-operations';

export function playbookTable(): string {
  const rows = PLAYBOOKS.map((p: Playbook) => `| \`${p.id}\` | ${p.enabledByDefault ? 'on' : 'off'} | ${triggerOf(p)} | ${matchesOf(p)} | ${p.summary} | \`${p.handler}\` |`);
  return ['| playbook (`-c playbook:<id>=true\\|false`) | default | trigger | matches | what it does | handler |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

function triggerOf(p: Playbook): string {
  return p.trigger === 'finding' ? `finding, ${p.tier}` : 'CloudTrail API call';
}

function matchesOf(p: Playbook): string {
  if (p.trigger === 'api-call') return `${p.eventNames.length} state-changing \`${p.eventSource}\` operations (table below)`;
  const types = p.findingTypes.length > 0 ? p.findingTypes.map((t) => `\`${t}\``).join('<br>') : '(everything else)';
  return p.where ? `${types} where ${p.where.text}` : types;
}

/** The IAM permissions of each remediation handler (its role in the security account, and the member role). */
export function permissionTable(): string {
  const rows = REMEDIATION_HANDLERS.flatMap((h) =>
    ec2PermissionsOf(h).map((p) => {
      const resource = p.resources === '*' ? '`*`' : p.resources.map((kind) => `\`${kind}\``).join(', ');
      const condition = [
        p.tagKeys && `; tag keys ${p.tagKeys.map((k) => `\`${k}\``).join(', ')} only`,
        p.createAction && `; only when created by \`${p.createAction}\``,
        p.resourceTag && `; only resources tagged \`${p.resourceTag}\``,
        p.requestTag && `; only when the request tags \`${p.requestTag}\``,
        p.referencedOnly && `; the exclusion Deny spares ${p.referencedOnly.map((k) => `\`${k}\``).join(', ')} (only referred to)`,
      ]
        .filter(Boolean)
        .join('');
      return `| \`${h}\` | ${p.actions.map((a) => `\`${a}\``).join(', ')} | ${resource}${condition} | ${p.why} |`;
    }),
  );
  const verify = `| every remediation (function role only) | ${VERIFY_FINDING_PERMISSION.actions.map((a) => `\`${a}\``).join(', ')} | \`*\` | ${VERIFY_FINDING_PERMISSION.why} |`;
  return ['| handler | actions | resources (in the account, any region) | why |', '| --- | --- | --- | --- |', ...rows, verify].join('\n');
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

if (require.main === module) console.log(`${playbookTable()}\n\n${operationTable()}\n\n${permissionTable()}`);
