/**
 * The routing rule: every finding event produces exactly one alert, from the most specific
 * enabled playbook that claims it, for every flag combination below. The rules of core/routing.ts
 * (wired as the stack wires them, test/support/route-template.ts) are evaluated with EventBridge's
 * matching semantics and compared with an oracle computed from the catalog alone; a synthesis of
 * a few of the configurations must have exactly that wiring, so the oracle speaks for what is
 * deployed without synthesizing every configuration.
 */
import { FINDING_PLAYBOOKS, FindingPlaybook, PLAYBOOK_IDS, Tier } from '../../core/catalog';
import { ResponseConfig, loadConfig } from '../../core/config';
import { matchesEventPattern } from '../../core/event-pattern';
import { FINDING_TYPES } from '../../core/finding-types';
import { alertingDeliveries, routeEvent, rulesFromTemplate } from '../../simulator/template-router';
import { EventFile, corpusFindings, fixtureEvent, fixtureFindings } from '../support/corpus';
import { templateOfRoutes, wiringOf } from '../support/route-template';
import { synthStack } from '../support/synth';

/** Does the playbook claim the event? Its types, its severity floor, and its `where` field with EventBridge's any-element semantics. */
function claims(playbook: FindingPlaybook, event: Record<string, unknown>, config: ResponseConfig): boolean {
  const detail = event.detail as { type: string; severity: number };
  if (!playbook.findingTypes.some((s) => matchesEventPattern({ t: [{ wildcard: s }] }, { t: detail.type }))) return false;
  if (playbook.severityFloor && !(detail.severity >= config.remediation[playbook.severityFloor])) return false;
  if (!playbook.where) return true;
  const leaf = playbook.where.path.reduceRight<unknown>((inner, key) => ({ [key]: inner }), [...playbook.where.values]);
  return matchesEventPattern({ detail: leaf as Record<string, unknown> }, event);
}

/** The expected playbook, from the catalog: the enabled claimant of the most specific tier, else the fallback. */
function oracle(context: Record<string, unknown>, event: Record<string, unknown>): string[] {
  const config = loadConfig(context);
  const detail = event.detail as { type: string; severity: number };
  const enabled = FINDING_PLAYBOOKS.filter((p) => config.playbooks[p.id]);
  // No numeric severity: no claim can be decided; the fallback alone reports it (as could-not-process).
  if (typeof detail.severity !== 'number') return enabled.filter((p) => p.tier === 'fallback').map((p) => p.id);
  if (detail.severity < config.minSeverity) return [];
  for (const tier of ['specific', 'response', 'family'] as Tier[]) {
    const claimant = enabled.filter((p) => p.tier === tier && claims(p, event, config));
    if (claimant.length > 0) return claimant.map((p) => p.id);
  }
  return enabled.filter((p) => p.tier === 'fallback').map((p) => p.id);
}

/** One event per documented type, built on a real event, at every severity band. */
function eventsForEveryKnownType(base: EventFile): EventFile[] {
  return Object.keys(FINDING_TYPES).map((type, i) => {
    const event = structuredClone(base.event) as { detail: Record<string, unknown> };
    event.detail.type = type;
    event.detail.severity = [2, 5, 7.5, 9.2][i % 4];
    return { file: `synthetic:${type}`, event };
  });
}

/** The same findings without a usable severity: missing, null, a string. */
function unscored(bases: readonly EventFile[]): EventFile[] {
  return bases.flatMap((base) =>
    [undefined, null, 'HIGH', '8.0'].map((severity) => {
      const event = structuredClone(base.event) as { detail: Record<string, unknown> };
      if (severity === undefined) delete event.detail.severity;
      else event.detail.severity = severity;
      return { file: `${base.file} with severity ${JSON.stringify(severity)}`, event };
    }),
  );
}

const corpus = corpusFindings();
const fixtures = fixtureFindings();
const events: EventFile[] = [...corpus, ...fixtures, ...eventsForEveryKnownType(corpus[0]), ...unscored(fixtures)];

const configurations: [string, Record<string, unknown>][] = [
  ['every playbook on', {}],
  ...PLAYBOOK_IDS.map((id): [string, Record<string, unknown>] => [`${id} off`, { [`playbook:${id}`]: 'false' }]),
  ['only the fallback on', Object.fromEntries(PLAYBOOK_IDS.filter((id) => id !== 'all-other-findings').map((id) => [`playbook:${id}`, 'false']))],
  ['the fallback and the specific playbooks off', Object.fromEntries(FINDING_PLAYBOOKS.filter((p) => p.tier !== 'family').map((p) => [`playbook:${p.id}`, 'false']))],
  ['minSeverity MEDIUM', { minSeverity: 'MEDIUM' }],
  ['minSeverity 7.5 and s3-findings off', { minSeverity: '7.5', 'playbook:s3-findings': 'false' }],
  ['every playbook on, including those off by default', Object.fromEntries(PLAYBOOK_IDS.map((id) => [`playbook:${id}`, 'true']))],
  ['isolation on from MEDIUM, minSeverity MEDIUM', { 'playbook:isolate-instance': 'true', isolateMinSeverity: 'MEDIUM', minSeverity: 'MEDIUM' }],
  ['isolation on, family playbooks off', { 'playbook:isolate-instance': 'true', 'playbook:iam-findings': 'false', 'playbook:s3-findings': 'false' }],
];

describe('Routing: the synthesized template is wired exactly as the routes say', () => {
  // Three shapes of the wiring: both buses with deferred claims; no unclaimed bus; every playbook, isolation from MEDIUM.
  it.each([configurations[0], configurations[configurations.length - 1], ['the fallback and the families off', Object.fromEntries(FINDING_PLAYBOOKS.filter((p) => p.tier !== 'specific').map((p) => [`playbook:${p.id}`, 'false']))] as const])(
    'with %s',
    (_name, context) => {
      const synthesized = wiringOf(synthStack(context).template.toJSON());
      expect(synthesized.length).toBeGreaterThan(2);
      expect(synthesized).toEqual(wiringOf(templateOfRoutes(loadConfig(context))));
    },
  );
});

describe('Routing: the rules over the corpus, fixtures and every documented type', () => {
  it('replays a corpus and fixtures that are not empty', () => {
    expect(corpus.length).toBeGreaterThanOrEqual(30);
    expect(events.length).toBeGreaterThan(250);
  });

  it.each(configurations)('sends each finding to the most specific enabled playbook with %s', (_name, context) => {
    const json = templateOfRoutes(loadConfig(context));
    const rules = rulesFromTemplate(json);
    const mismatches = events
      .map(({ file, event }) => ({ file, got: alertingDeliveries(routeEvent(json, rules, event)).map((d) => d.rule.key), want: oracle(context, event) }))
      .filter(({ got, want }) => got.join() !== want.join());
    expect(mismatches).toEqual([]);
  });

  it('never drops a finding at or above minSeverity while the fallback is on, and never alerts twice', () => {
    const json = templateOfRoutes(loadConfig({ 'playbook:iam-findings': 'false', 'playbook:ec2-spambot': 'false' }));
    const rules = rulesFromTemplate(json);
    const counts = new Set(events.map(({ event }) => alertingDeliveries(routeEvent(json, rules, event)).length));
    expect([...counts]).toEqual([1]);
  });

  it('routes the fixtures where a reader expects', () => {
    const { template } = synthStack();
    const json = template.toJSON();
    const rules = rulesFromTemplate(json);
    const route = (name: string) => alertingDeliveries(routeEvent(json, rules, fixtureEvent(name))).map((d) => d.rule.key);
    expect(route('spambot.json')).toEqual(['ec2-spambot']);
    expect(route('future.json')).toEqual(['all-other-findings']);
  });

  it.each([
    [{}, 'port-probe-22.json', ['revoke-ssh-ingress'], []],
    [{}, 'port-probe-22-and-others.json', ['revoke-ssh-ingress'], ['all-other-findings']],
    [{}, 'port-probe-3389.json', ['all-other-findings'], []],
    [{ 'playbook:revoke-ssh-ingress': 'false' }, 'port-probe-22.json', ['all-other-findings'], []],
    [{}, 'ssh-bruteforce-target.json', ['all-other-findings'], []],
    [{ 'playbook:revoke-ssh-ingress-bruteforce': 'true' }, 'ssh-bruteforce-target.json', ['revoke-ssh-ingress-bruteforce'], []],
    [{ 'playbook:revoke-ssh-ingress-bruteforce': 'true' }, 'ssh-bruteforce-actor.json', ['all-other-findings'], []],
    [{ 'playbook:isolate-instance': 'true' }, 'c2-high.json', ['isolate-instance'], []],
    [{ 'playbook:isolate-instance': 'true' }, 'c2-medium.json', ['all-other-findings'], []],
    [{ 'playbook:isolate-instance': 'true', isolateMinSeverity: '5' }, 'c2-medium.json', ['isolate-instance'], []],
    [{}, 'c2-high.json', ['all-other-findings'], []],
    [{ 'playbook:isolate-instance': 'true' }, 'runtime-miner-container.json', ['all-other-findings'], []],
    [{ 'playbook:isolate-instance': 'true' }, 'runtime-miner-instance.json', ['isolate-instance'], []],
    [{ 'playbook:isolate-instance': 'true' }, 'spambot.json', ['ec2-spambot'], []],
  ])('with %j routes %s to %j (and defers it in %j)', (context, name, alerting, deferring) => {
    const json = templateOfRoutes(loadConfig(context));
    const deliveries = routeEvent(json, rulesFromTemplate(json), fixtureEvent(name));
    expect(alertingDeliveries(deliveries).map((d) => d.rule.key)).toEqual(alerting);
    expect(deliveries.filter((d) => d.deferredTo).map((d) => `${d.rule.key}->${d.deferredTo}`)).toEqual(deferring.map((k) => `${k}->revoke-ssh-ingress`));
  });

  it('ignores GuardDuty events that are not findings', () => {
    const { template } = synthStack();
    const json = template.toJSON();
    const health = { source: 'aws.guardduty', 'detail-type': 'GuardDuty Runtime Protection Unhealthy', detail: { type: 'Backdoor:EC2/Spambot', severity: 8 } };
    expect(routeEvent(json, rulesFromTemplate(json), health)).toEqual([]);
  });
});
