/**
 * "Safe to read": every value that came from an event reaches a reader quoted, with its URLs and
 * domains defanged, in every alert format. The test replaces every string in real findings and
 * CloudTrail records by a hostile one and reads every format a subscriber gets.
 */
import * as path from 'node:path';
import { Alert, formatFindingAlert } from '../../lambdas/shared/alert';
import { parseApiCallEvent } from '../../lambdas/shared/api-call';
import { parseFindingEvent } from '../../lambdas/shared/finding';
import { formatDigestAlert } from '../../lambdas/digest/digest';
import { describeResource } from '../../lambdas/shared/describe';
import { formatTamperAlert } from '../../lambdas/tamper/tamper';
import { CORPUS_DIR, FIXTURES_DIR, corpusFindings, externalFindings, fixtureFindings, readEvents, sdkShapeFindings } from '../support/corpus';

const HOSTILE = 'Open https://evil.example/run?x=1 "now", mail ops@evil.example';

/**
 * Fields the pipeline reads to decide what an event is (which playbook, which account): a forged
 * value there makes the event unprocessable, which another test covers. Everything else is hostile.
 */
const STRUCTURAL = new Set(['type', 'accountId', 'region', 'partition', 'id', 'resourceType', 'eventName', 'eventSource', 'recipientAccountId', 'awsRegion', 'eventID', 'eventType']);

function poison(value: unknown, key?: string): unknown {
  if (typeof value === 'string') return key !== undefined && STRUCTURAL.has(key) ? value : HOSTILE;
  if (Array.isArray(value)) return value.map((item) => poison(item, key));
  if (value && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, poison(v, k)]));
  return value;
}

const poisoned = (event: Record<string, unknown>) => ({ ...event, detail: poison(event.detail) });

/** The text a subscriber reads, per format. */
const formats = (alert: Alert): [string, string][] => [
  ['subject', alert.subject],
  ['email', alert.email],
  ['sms', alert.sms],
  // The chat card: every string in it (title, code-block body, next steps, keywords, metadata).
  ...chatStrings(alert.chat).map((text): [string, string] => ['chat', text]),
];

function chatStrings(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (value && typeof value === 'object') return Object.values(value).flatMap(chatStrings);
  return [];
}

function expectSafe(alert: Alert): void {
  for (const [format, text] of formats(alert)) {
    // Only links the stack builds (the console) stay live.
    for (const match of text.matchAll(/https?:\/\/[^\s"]*/g)) expect([format, match[0]]).toEqual([format, expect.stringMatching(/^https:\/\/[a-z0-9-]+\.console\.aws\.amazon\.com\//)]);
    expect([format, text]).not.toEqual([format, expect.stringMatching(/evil\.example/)]);
    for (const line of text.split('\n')) {
      for (const match of line.matchAll(/evil\[\.\]example/g)) {
        // Inside a quoted span: an odd number of unescaped quotes before it on its line.
        const quotes = (line.slice(0, match.index).match(/(?<!\\)"/g) ?? []).length;
        expect([format, line, quotes % 2]).toEqual([format, line, 1]);
      }
    }
  }
}

const findings = [...corpusFindings(), ...sdkShapeFindings(), ...externalFindings(), ...fixtureFindings()];

describe('every untrusted value is quoted and defanged', () => {
  it.each(findings.map((f) => [f.file, f.event] as const))('finding %s', (_file, event) => {
    const alert = formatFindingAlert(parseFindingEvent(poisoned(event)), { playbookId: 'notify', summary: 'Alert only.' });
    expect(alert.email).toContain('evil[.]example');
    expectSafe(alert);
  });

  it('storm digest of every poisoned finding', () => {
    // The digest lists each held finding by the label the notify path recorded (report.ts).
    const held = findings.map((f, i) => {
      const finding = parseFindingEvent(poisoned(f.event));
      return { id: `f${i}`, severity: finding.severity, resource: describeResource(finding.detail).label ?? finding.id };
    });
    const window = { key: 'k', accountId: '111122223333', region: 'eu-west-1', type: 'Recon:EC2/PortProbeUnprotectedPort', windowStart: '2026-12-01T00:00:00Z', windowMinutes: 15, findings: held };
    const alert = formatDigestAlert(window, 'notify', true);
    expect(alert.email).toContain('evil[.]example');
    expectSafe(alert);
  });

  const calls = [...readEvents(path.join(CORPUS_DIR, 'cloudtrail')), ...readEvents(path.join(FIXTURES_DIR, 'cloudtrail'))];
  it.each(calls.map((f) => [f.file, f.event] as const))('GuardDuty API call %s', (_file, event) => {
    const alert = formatTamperAlert(parseApiCallEvent(poisoned(event), 'aws.guardduty'), 'guardduty-tamper');
    expect(alert.email).toContain('evil[.]example');
    expectSafe(alert);
  });
});
