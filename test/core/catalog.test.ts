import { FINDING_PLAYBOOKS, PLAYBOOKS, PLAYBOOK_IDS, Playbook, TIERS } from '../../core/catalog';
import { FINDING_TYPES } from '../../core/finding-types';
import { matchesEventPattern } from '../../core/event-pattern';
import { corpusFindings } from '../support/corpus';

/** Does a catalog type selector (an EventBridge wildcard) claim `type`? Evaluated by the same matcher as the rules. */
function claims(selector: string, type: string): boolean {
  return matchesEventPattern({ type: [{ wildcard: selector }] }, { type });
}

describe('Module: catalog', () => {
  it('pins the playbook ids, tiers and defaults', () => {
    const describe = (p: Playbook) => `${p.id} ${p.trigger === 'finding' ? p.tier : p.trigger} ${p.enabledByDefault ? 'on' : 'off'} ${p.handler}`;
    expect(PLAYBOOKS.map(describe).sort()).toEqual([
      'all-other-findings fallback on notify',
      'ec2-malicious-ip-caller specific on notify',
      'ec2-metadata-dns-rebind specific on notify',
      'ec2-network-port-unusual specific on notify',
      'ec2-port-scan specific on notify',
      'ec2-spambot specific on notify',
      'ec2-traffic-unusual specific on notify',
      'guardduty-config-change api-call on tamper',
      'iam-cloudtrail-logging-disabled specific on notify',
      'iam-findings family on notify',
      'iam-password-policy-change specific on notify',
      'isolate-instance response off isolate',
      'revoke-ssh-ingress specific on revoke-ssh',
      'revoke-ssh-ingress-bruteforce specific off revoke-ssh',
      's3-findings family on notify',
      's3-iam-malicious-ip-caller specific on notify',
    ]);
  });

  it('uses kebab-case ids, each once', () => {
    for (const id of PLAYBOOK_IDS) expect(id).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    expect(new Set(PLAYBOOK_IDS).size).toBe(PLAYBOOK_IDS.length);
  });

  it('has exactly one fallback, and it claims nothing by name', () => {
    const fallbacks = FINDING_PLAYBOOKS.filter((p) => p.tier === 'fallback');
    expect(fallbacks.map((p) => p.id)).toEqual(['all-other-findings']);
    expect(fallbacks[0].findingTypes).toEqual([]);
  });

  it('names only documented finding types when a selector has no wildcard', () => {
    const exact = FINDING_PLAYBOOKS.flatMap((p) => p.findingTypes).filter((s) => !s.includes('*'));
    expect(exact.length).toBeGreaterThan(0);
    for (const type of exact) expect(FINDING_TYPES).toHaveProperty([type]);
  });

  it('has selectors that claim at least one documented type each', () => {
    for (const selector of FINDING_PLAYBOOKS.flatMap((p) => p.findingTypes)) {
      expect(Object.keys(FINDING_TYPES).some((type) => claims(selector, type))).toBe(true);
    }
  });

  it('uses no character that EventBridge wildcards treat specially besides *', () => {
    for (const selector of FINDING_PLAYBOOKS.flatMap((p) => p.findingTypes)) expect(selector).not.toMatch(/\\|\*\*/);
  });

  // Disjoint claims within a tier are what make "exactly one alert" hold (core/routing.ts).
  it.each(TIERS.filter((t) => t !== 'fallback'))('never lets two %s playbooks claim the same type', (tier) => {
    const playbooks = FINDING_PLAYBOOKS.filter((p) => p.tier === tier);
    const types = new Set([...Object.keys(FINDING_TYPES), ...corpusFindings().map((e) => String((e.event.detail as { type: unknown }).type))]);
    for (const type of types) {
      const claimants = playbooks.filter((p) => p.findingTypes.some((s) => claims(s, type))).map((p) => p.id);
      expect({ type, claimants: claimants.length > 1 ? claimants : [] }).toEqual({ type, claimants: [] });
    }
  });

  it.each([
    ['Stealth:IAMUser/CloudTrailLoggingDisabled', 'iam-cloudtrail-logging-disabled'],
    ['Recon:IAMUser/MaliciousIPCaller.Custom', 's3-iam-malicious-ip-caller'],
    ['Exfiltration:S3/MaliciousIPCaller', 's3-iam-malicious-ip-caller'],
    ['UnauthorizedAccess:S3/MaliciousIPCaller.Custom', 's3-iam-malicious-ip-caller'],
    ['Policy:IAMUser/RootCredentialUsage', 'iam-findings'],
    ['Stealth:S3/ServerAccessLoggingDisabled', 's3-findings'],
    ['PenTest:S3/KaliLinux', 's3-findings'],
  ])('has %s claimed by %s', (type, id) => {
    const claimants = FINDING_PLAYBOOKS.filter((p) => p.findingTypes.some((s) => claims(s, type))).map((p) => p.id);
    expect(claimants).toContain(id);
  });

  // Tiers that share the unclaimed bus must not share a type: the fallback's complement could not subtract one from the other.
  it('never lets a response playbook and a family playbook claim the same type', () => {
    const response = FINDING_PLAYBOOKS.filter((p) => p.tier === 'response');
    const family = FINDING_PLAYBOOKS.filter((p) => p.tier === 'family');
    expect(response.length).toBeGreaterThan(0);
    const overlaps = Object.keys(FINDING_TYPES).filter((type) => response.some((r) => r.findingTypes.some((s) => claims(s, type))) && family.some((f) => f.findingTypes.some((s) => claims(s, type))));
    expect(overlaps).toEqual([]);
  });

  it('claims for isolate-instance the families the issue names, and only on instances', () => {
    const isolate = FINDING_PLAYBOOKS.find((p) => p.id === 'isolate-instance')!;
    for (const type of ['Backdoor:EC2/C&CActivity.B', 'CryptoCurrency:EC2/BitcoinTool.B!DNS', 'Trojan:EC2/DropPoint', 'CryptoCurrency:Runtime/BitcoinTool.B', 'Execution:Runtime/ReverseShell']) {
      expect({ type, claimed: isolate.findingTypes.some((s) => claims(s, type)) }).toEqual({ type, claimed: true });
    }
    expect(isolate.where).toMatchObject({ path: ['resource', 'resourceType'], values: ['Instance'] });
    expect(isolate.severityFloor).toBe('isolateMinSeverity');
  });

  it.each(['AttackSequence:S3/CompromisedData', 'Object:S3/MaliciousFile', 'Canary:EC2/Stateless.IntegTest'])(
    'leaves %s to the fallback',
    (type) => {
      expect(FINDING_PLAYBOOKS.filter((p) => p.tier !== 'fallback' && p.findingTypes.some((s) => claims(s, type)))).toEqual([]);
    },
  );
});
