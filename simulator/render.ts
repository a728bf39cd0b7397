/** Human output of the simulator: per event, the playbooks, the AWS calls and the alert as received. */
import { asciiJson } from '../lambdas/shared/restore-commands';
import { clean } from '../lambdas/shared/text';
import { EventResult } from './simulate';

export interface Style {
  readonly bold: (text: string) => string;
  readonly dim: (text: string) => string;
  readonly heading: (text: string) => string;
  readonly error: (text: string) => string;
}

/** ANSI colours only when writing to a terminal (and NO_COLOR is unset): files and pipes get plain text. */
export function styles(colour: boolean): Style {
  const wrap = (code: string) => (text: string) => (colour ? `\u001b[${code}m${text}\u001b[0m` : text);
  return { bold: wrap('1'), dim: wrap('2'), heading: wrap('1;36'), error: wrap('1;31') };
}

const indent = (text: string, prefix: string) =>
  text
    .split('\n')
    .map((line) => (line === '' ? prefix.trimEnd() : prefix + line))
    .join('\n');

export function renderHuman(result: EventResult, style: Style): string {
  // Everything from an event is cleaned as alerts are (control, ANSI, bidi characters, bounded):
  // a finding type or id must not rewrite the terminal the simulator prints to.
  const lines: string[] = [style.heading(`== ${clean(result.file, 300) ?? ''}`)];
  lines.push(`  event:     ${clean(result.eventId, 100) ?? '(no id)'}  ${clean(result.findingType, 200) ?? '(no type)'}`);
  lines.push(
    `  playbooks: ${
      result.playbooks.length > 0 ? style.bold(result.playbooks.join(', ')) : style.dim('none matched (below minSeverity, switched off, or not an event any playbook handles)')
    }`,
  );
  if (result.actions.length === 0) {
    lines.push(`  AWS calls: ${style.dim('none')}`);
  } else {
    lines.push('  AWS calls:');
    for (const call of result.actions) {
      const dryRun = call.params.DryRun === true ? style.bold(' [dry run]') : '';
      lines.push(`    ${call.service}:${call.operation} in ${clean(call.account, 20)}/${clean(call.region, 30)}${dryRun}`);
      lines.push(`      ${asciiJson(call.params)}`);
    }
  }
  for (const alert of result.alerts) {
    lines.push(`  alert:`);
    lines.push(`    Subject: ${style.bold(alert.subject)}`);
    lines.push(`    SMS:     ${alert.sms}`);
    const card = alert.chat as { content?: { title?: unknown } } | null;
    if (card) lines.push(`    Chat:    ${String(card.content?.title ?? '')} (the card's JSON is in --json output)`);
    lines.push(`    Attributes: ${Object.entries(alert.attributes).map(([k, v]) => `${k}=${v}`).join(' ')}`);
    lines.push('    Email:');
    lines.push(indent(alert.email.trimEnd(), '      | '));
  }
  for (const reason of result.suppressed) lines.push(`  no alert:  ${style.dim(clean(reason, 300) ?? '')}`);
  for (const error of result.errors) lines.push(`  ${style.error('error:')} ${clean(error, 1000)}`);
  return `${lines.join('\n')}\n\n`;
}
