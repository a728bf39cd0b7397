/**
 * The README tables that are derived from code. test/readme.test.ts fails when README.md differs;
 * `npx tsx lib/readme-tables.ts` prints them to paste.
 */
import { PLAYBOOKS } from './catalog';

export function playbookTable(): string {
  const rows = PLAYBOOKS.map(
    (p) =>
      `| \`${p.id}\` | ${p.enabledByDefault ? 'on' : 'off'} | ${p.tier} | ${p.findingTypes.length > 0 ? p.findingTypes.map((t) => `\`${t}\``).join('<br>') : '(everything else)'} | ${p.summary} | \`${p.handler}\` |`,
  );
  return ['| playbook (`-c playbook:<id>=true\\|false`) | default | tier | finding types | what it does | handler |', '| --- | --- | --- | --- | --- | --- |', ...rows].join('\n');
}

if (require.main === module) console.log(playbookTable());
