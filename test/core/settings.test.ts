import { REMEDIATION_HANDLERS, settingsOf } from '../../core/catalog';
import { RemediationSettingValues, SETTING_CODECS, SettingName, decodeSettings, encodeSettings } from '../../core/settings';
import { synthStack } from '../support/synth';

const VALUES: RemediationSettingValues = {
  dryRun: true,
  exclusionTag: 'SecOps:Hold, please',
  memberRoleName: 'SecOps-isolate',
  trustedSshCidrs: ['203.0.113.0/24', '2001:db8::/32'],
  securityAccountId: '111122223333',
  isolateSnapshots: false,
};

describe('Settings: one codec between the stack and the handlers', () => {
  it.each(REMEDIATION_HANDLERS)('decodes what it encodes for %s, and only the settings that handler reads', (handler) => {
    const names = settingsOf(handler);
    expect(names.length).toBeGreaterThan(3);
    const env = encodeSettings(names, VALUES);
    expect(Object.keys(env).sort()).toEqual(names.map((n) => SETTING_CODECS[n].env).sort());
    const decoded = decodeSettings(names, env);
    for (const name of names) expect([name, decoded[name]]).toEqual([name, VALUES[name]]);
  });

  it('gives each remediation function exactly its handler settings: revoke-ssh no isolation setting, isolate no trusted CIDRs', () => {
    const { template } = synthStack({ 'playbook:isolate-instance': 'true', trustedSshCidrs: '203.0.113.0/24' });
    const all = Object.values(SETTING_CODECS).map((c) => c.env as string);
    const variables = (playbookId: string) =>
      Object.keys(Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.PLAYBOOK_ID === playbookId)!.Properties.Environment.Variables).filter((v) => all.includes(v));
    const expected = (names: readonly SettingName[]) => names.map((n) => SETTING_CODECS[n].env).sort();
    expect(variables('revoke-ssh-ingress').sort()).toEqual(expected(settingsOf('revoke-ssh')));
    expect(variables('isolate-instance').sort()).toEqual(expected(settingsOf('isolate')));
    expect(variables('revoke-ssh-ingress')).not.toContain('ISOLATE_SNAPSHOTS');
    expect(variables('isolate-instance')).not.toContain('TRUSTED_SSH_CIDRS');
    expect(variables('ec2-spambot')).toEqual([]);
  });

  it.each([
    [{ DRY_RUN: 'yes' }, ['dryRun'], /DRY_RUN is 'yes', not true or false/],
    [{}, ['exclusionTag'], /EXCLUSION_TAG is not set, not a non-empty string/],
    [{}, ['trustedSshCidrs'], /TRUSTED_SSH_CIDRS is not set/],
  ] as const)('names the variable that is missing or malformed: %p', (env, names, message) => {
    expect(() => decodeSettings(names, env)).toThrow(message);
  });
});
