/**
 * The storm digest (lambdas/shared/storm.ts): every few minutes, one message per window of held
 * findings (one type, in one account and Region): how many, the highest severity, the resources
 * (a bounded list, then a count) and where to look. A window's findings are marked done only
 * after SNS accepted its message; a failed publish fails the invocation and they wait for the
 * next run.
 */
import { PublishCommand } from '@aws-sdk/client-sns';
import { ALERT_ATTRIBUTES, ALERT_CHANNELS } from '../../core/contract';
import { severityLabel } from '../../core/severity';
import { Alert, fitSubject, section, toPublishInput } from '../shared/alert';
import { withChat } from '../shared/chat';
import type { HandlerDependencies, LambdaHandler } from '../shared/handler-shell';
import type { HeldWindow, StormDigest } from '../shared/storm';
import { clean, plain, token, truncate } from '../shared/text';

/** How many held findings a digest names one by one; the rest are counted. */
export const DIGEST_LIST_LENGTH = 25;

export interface DigestDependencies extends HandlerDependencies {
  readonly stormDigest: StormDigest;
}

/** One window's digest. `sms`: whether phones may get it (at most one SMS per digest run). */
export function formatDigestAlert(window: HeldWindow, playbookId: string, sms: boolean): Alert {
  // A loop, not Math.max(...severities): spreading an array of about 125,000 values overflows the
  // stack (measured, Node 22), and a window that cannot be formatted would never be digested.
  const top = window.findings.reduce((highest, f) => Math.max(highest, f.severity), 0);
  const label = severityLabel(top);
  const type = plain(window.type, 120) ?? 'unknown type';
  const where = `${token(window.accountId, 20) ?? 'unknown account'}/${token(window.region, 30) ?? 'unknown region'}`;
  const count = window.findings.length;
  const listed = [...window.findings].sort((a, b) => b.severity - a.severity).slice(0, DIGEST_LIST_LENGTH);
  const console = /^[a-z0-9-]{1,30}$/.test(window.region) ? `https://${window.region}.console.aws.amazon.com/guardduty/home?region=${window.region}#/findings?macros=current` : undefined;
  const email = [
    `GuardDuty raised more new ${type} findings in ${where} than storm control lets alert one by one (window of ${window.windowMinutes} minutes from ${token(window.windowStart, 30)}). These ${count} were held and are grouped here; the first ones of the window were alerted on their own.\n`,
    section('Storm', [
      ['Type', type],
      ['Where', where],
      ['Held findings', String(count)],
      ['Highest severity', `${label} (${Math.round(top * 10) / 10})`],
    ]),
    ['Resources', ...listed.map((f) => `  - ${severityLabel(f.severity)} ${clean(f.resource, 120) ?? 'unknown resource'} (finding ${token(f.id, 80)})`), ...(count > listed.length ? [`  - and ${count - listed.length} more`] : []), ''].join('\n'),
    section('Investigate', [
      ['Console', console],
      ['Filter', `type = ${type}`],
    ]),
  ]
    .filter((part): part is string => part !== undefined)
    .join('\n');
  return withChat({
    subject: fitSubject([[`[${label}] [STORM] ${count} new ${type} findings`, `in ${where}`], [`[${label}] [STORM] ${count} findings`, `in ${where}`]]),
    email,
    sms: truncate(`[${label}] [STORM] ${count} new GuardDuty ${type} findings in ${where}`, 140, '...'),
    attributes: {
      [ALERT_ATTRIBUTES.severityLabel]: label,
      [ALERT_ATTRIBUTES.severityScore]: Math.round(top * 10) / 10,
      [ALERT_ATTRIBUTES.findingType]: type,
      [ALERT_ATTRIBUTES.playbookId]: playbookId,
      [ALERT_ATTRIBUTES.account]: token(window.accountId, 20) ?? 'unknown',
      [ALERT_ATTRIBUTES.region]: token(window.region, 30) ?? 'unknown',
      [ALERT_ATTRIBUTES.channel]: sms ? ALERT_CHANNELS.all : ALERT_CHANNELS.emailOnly,
    },
  }, { eventType: 'GuardDutyFindingStorm', links: [['Open GuardDuty findings in the console (filter by the type above)', console]] });
}

export function createDigestHandler(dependencies: DigestDependencies): LambdaHandler {
  const { logger } = dependencies;
  return async () => {
    const windows = await dependencies.stormDigest.held();
    let failure: unknown;
    for (const [i, window] of windows.entries()) {
      const alert = formatDigestAlert(window, dependencies.playbookId, i === 0);
      try {
        logger.info('alert to publish', { subject: alert.subject, email: alert.email });
        await dependencies.sns.send(new PublishCommand(toPublishInput(alert, dependencies.topicArn)));
        await dependencies.stormDigest.digested(window);
        logger.info('digest published', { window: window.key, findings: window.findings.length });
      } catch (error) {
        // The window's findings stay held: the next run publishes them.
        logger.error('digest failed', { window: window.key, error: error instanceof Error ? error.message : String(error) });
        failure ??= error;
      }
    }
    if (failure) throw failure;
  };
}
