import { PLAYBOOKS } from '../../core/catalog';
import { ConfigError, enabledPlaybookIds, loadConfig } from '../../core/config';

describe('Function: loadConfig', () => {
  it('defaults every playbook to its catalog default and the severities to LOW and HIGH', () => {
    const config = loadConfig({});
    expect(enabledPlaybookIds(config)).toEqual(PLAYBOOKS.filter((p) => p.enabledByDefault).map((p) => p.id));
    expect(config).toMatchObject({ alertEmails: [], alertPhoneNumbers: [], minSeverity: 1, smsMinSeverity: 7 });
  });

  it.each([
    ['false', false],
    [false, false],
    ['true', true],
    [true, true],
  ])('reads playbook flag value %p as %p', (value, expected) => {
    expect(loadConfig({ 'playbook:ec2-spambot': value }).playbooks['ec2-spambot']).toBe(expected);
  });

  it('ignores context that is not its own (CDK feature flags)', () => {
    expect(() => loadConfig({ '@aws-cdk/core:newStyleStackSynthesis': true, 'aws:cdk:bundling-stacks': [] })).not.toThrow();
  });

  it('rejects an unknown playbook, naming the flag and listing the valid ids', () => {
    expect(() => loadConfig({ 'playbook:ec2-spambots': 'false' })).toThrow(
      new ConfigError(`context flag 'playbook:ec2-spambots': unknown playbook 'ec2-spambots'. Valid playbooks: ${PLAYBOOKS.map((p) => p.id).join(', ')}`),
    );
  });

  it.each(['yes', 'False', '1', '', 0, null])('rejects playbook flag value %p, listing true and false', (value) => {
    expect(() => loadConfig({ 'playbook:iam-findings': value })).toThrow(/^context flag 'playbook:iam-findings': .* is not a boolean\. Valid values: true, false$/);
  });

  it('reads comma-separated addresses and numbers, trimming blanks and duplicates', () => {
    const config = loadConfig({ alertEmails: ' secops@example.com, ,oncall@example.org,secops@example.com', alertPhoneNumbers: '+14155550100,+447700900123' });
    expect(config.alertEmails).toEqual(['secops@example.com', 'oncall@example.org']);
    expect(config.alertPhoneNumbers).toEqual(['+14155550100', '+447700900123']);
  });

  it('reads lists from cdk.json as arrays', () => {
    expect(loadConfig({ alertEmails: ['a@example.com'], alertPhoneNumbers: ['+33612345678'] })).toMatchObject({
      alertEmails: ['a@example.com'],
      alertPhoneNumbers: ['+33612345678'],
    });
  });

  it.each([
    ['alertEmails', 'secops', /'alertEmails': 'secops' is not an email address/],
    ['alertEmails', 'a@b', /is not an email address/],
    ['alertEmails', 'a b@example.com', /is not an email address/],
    ['alertEmails', 'a@example.com;b@example.com', /is not an email address/],
    ['alertEmails', 42, /'alertEmails': 42 is neither a comma-separated string nor a list/],
    ['alertEmails', [42], /'alertEmails': 42 is not an email address/],
    ['alertPhoneNumbers', '4155550100', /'alertPhoneNumbers': '4155550100' is not an E\.164 phone number such as \+14155550100/],
    ['alertPhoneNumbers', '+0155550100', /is not an E\.164 phone number/],
    ['alertPhoneNumbers', '+1 415 555 0100', /is not an E\.164 phone number/],
    ['alertPhoneNumbers', '+1234567890123456', /is not an E\.164 phone number/],
  ])('rejects %s = %p', (flag, value, message) => {
    expect(() => loadConfig({ [flag]: value })).toThrow(message);
  });

  it.each([
    ['LOW', 1],
    ['medium', 4],
    ['HIGH', 7],
    ['CRITICAL', 9],
    ['0', 0],
    ['5.5', 5.5],
    [8, 8],
    ['10', 10],
  ])('reads minSeverity %p as score %p', (value, score) => {
    expect(loadConfig({ minSeverity: value }).minSeverity).toBe(score);
    expect(loadConfig({ smsMinSeverity: value }).smsMinSeverity).toBe(score);
  });

  it.each(['SEVERE', '', '11', '-1', 'NaN', 'Infinity', true])('rejects severity %p, listing the valid values', (value) => {
    expect(() => loadConfig({ minSeverity: value })).toThrow(
      /^context flag 'minSeverity': .* is not a severity\. Valid values: LOW, MEDIUM, HIGH, CRITICAL or a number from 0 to 10$/,
    );
  });
});

describe('Function: loadConfig (remediation flags)', () => {
  it('defaults to acting for real, the documented exclusion tag and member role, no trusted CIDRs', () => {
    expect(loadConfig({}).remediation).toEqual({
      exclusionTag: 'guardduty-response:exclude',
      dryRun: false,
      memberRoleName: 'GuardDutyResponseMember',
      trustedSshCidrs: [],
      isolateMinSeverity: 7,
      isolateSnapshots: true,
    });
    expect(loadConfig({}).securityAccountId).toBeUndefined();
  });

  it('reads every remediation flag', () => {
    const config = loadConfig({
      exclusionTag: 'SecOps Hold',
      dryRun: 'true',
      memberRoleName: 'SecOps-Responder',
      trustedSshCidrs: '203.0.113.0/24, 2001:db8:1::/48',
      securityAccountId: '111122223333',
      isolateMinSeverity: 'CRITICAL',
      isolateSnapshots: false,
    });
    expect(config.remediation).toEqual({
      exclusionTag: 'SecOps Hold',
      dryRun: true,
      memberRoleName: 'SecOps-Responder',
      trustedSshCidrs: ['203.0.113.0/24', '2001:db8:1::/48'],
      isolateMinSeverity: 9,
      isolateSnapshots: false,
    });
    expect(config.securityAccountId).toBe('111122223333');
  });

  it('accepts the longest member role prefix and an organization id', () => {
    const config = loadConfig({ memberRoleName: 'r'.repeat(53), organizationId: 'o-a1b2c3d4e5' });
    expect(config.remediation.memberRoleName).toHaveLength(53);
    expect(config.organizationId).toBe('o-a1b2c3d4e5');
    expect(loadConfig({}).organizationId).toBeUndefined();
  });

  it.each([
    ['exclusionTag', 'aws:exclude', /'exclusionTag': 'aws:exclude' is not a tag key/],
    ['exclusionTag', 'x'.repeat(129), /is not a tag key of 1 to 128/],
    ['exclusionTag', 'bad<tag>', /is not a tag key/],
    ['dryRun', 'yes', /'dryRun': 'yes' is not a boolean\. Valid values: true, false/],
    ['exclusionTag', 'guardduty-response:finding', /'exclusionTag': 'guardduty-response:finding' is a tag key guardduty-response writes itself/],
    ['exclusionTag', 'guardduty-response:previous-groups:eni-1', /is a tag key guardduty-response writes itself \(guardduty-response:previous-groups:eni-\*\)/],
    ['memberRoleName', 'role with spaces', /'memberRoleName': 'role with spaces' is not an IAM role name prefix of 1 to 53/],
    // 54 + '-revoke-ssh' would be 65 characters: IAM role names hold 64.
    ['memberRoleName', 'r'.repeat(54), /is not an IAM role name prefix of 1 to 53 .*<prefix>-<handler>, at most 64/],
    ['smsMonthlyBudgetUsd', '-5', /'smsMonthlyBudgetUsd': '-5' is not an amount of US dollars\. Valid values: a positive number/],
    ['smsMonthlyBudgetUsd', '0', /is not an amount of US dollars/],
    ['realertHours', '1.5', /'realertHours': '1\.5' is not a number of hours\. Valid values: a whole number from 0 \(no reminders\) to 8760/],
    ['realertHours', '9000', /is not a number of hours/],
    ['organizationId', 'o-short', /'organizationId': 'o-short' is not an AWS Organizations id: 'o-' and 10 to 32 lowercase letters or digits/],
    ['organizationId', 'O-ABCDEFGHIJ', /is not an AWS Organizations id/],
    ['trustedSshCidrs', '203.0.113.0', /'trustedSshCidrs': '203\.0\.113\.0' is not a CIDR block such as/],
    ['trustedSshCidrs', '203.0.113.7/24', /'203\.0\.113\.7\/24' has bits set after the \/24 prefix; write the network address/],
    ['trustedSshCidrs', '0.0.0.0/0', /'0\.0\.0\.0\/0' is the whole Internet/],
    ['trustedSshCidrs', '::/0', /'::\/0' is the whole Internet/],
    ['trustedSshCidrs', '300.1.1.0/24', /is not a CIDR block/],
    ['trustedSshCidrs', '10.0.0.0/33', /is not a CIDR block/],
    ['securityAccountId', '1111', /'securityAccountId': '1111' is not a 12-digit AWS account id/],
    ['isolateMinSeverity', 'URGENT', /'isolateMinSeverity': 'URGENT' is not a severity\. Valid values: LOW, MEDIUM, HIGH, CRITICAL/],
    ['isolateSnapshots', 'sometimes', /'isolateSnapshots': 'sometimes' is not a boolean\. Valid values: true, false/],
  ])('rejects %s = %p', (flag, value, message) => {
    expect(() => loadConfig({ [flag]: value })).toThrow(message);
  });
});

describe('Chat channel flags', () => {
  const slack = { slackWorkspaceId: 'T0123ABCD', slackChannelId: 'C0123ABCD' };
  const teams = { teamsTenantId: '11111111-2222-3333-4444-555555555555', teamsTeamId: '11111111-2222-3333-4444-666666666666', teamsChannelId: '19%3aabc123%40thread.tacv2' };

  it('configures no channel by default, Slack and Teams when all their ids are given', () => {
    expect(loadConfig({}).chat).toEqual({});
    expect(loadConfig({ ...slack, ...teams }).chat).toEqual({
      slack: { workspaceId: 'T0123ABCD', channelId: 'C0123ABCD' },
      teams: { tenantId: teams.teamsTenantId, teamId: teams.teamsTeamId, channelId: '19%3aabc123%40thread.tacv2' },
    });
  });

  it.each([
    [{ slackWorkspaceId: 'T0123ABCD' }, /'slackWorkspaceId', 'slackChannelId' configure a Slack channel together: slackChannelId is missing/],
    [{ teamsTeamId: teams.teamsTeamId }, /configure a Microsoft Teams channel together: teamsTenantId, teamsChannelId are missing/],
    [{ ...slack, slackWorkspaceId: 't0123abcd' }, /'slackWorkspaceId': 't0123abcd' is not a Slack workspace id such as T0123ABCD/],
    [{ ...slack, slackChannelId: '#alerts' }, /'slackChannelId': '#alerts' is not a Slack channel id such as C0123ABCD/],
    [{ ...teams, teamsTenantId: 'contoso' }, /'teamsTenantId': 'contoso' is not a Microsoft Teams tenant id \(a UUID\)/],
    [{ ...teams, teamsChannelId: '19:abc123@thread.tacv2' }, /'teamsChannelId': '19:abc123@thread\.tacv2' is not a URL-encoded Microsoft Teams channel id such as 19%3aabc123%40thread\.tacv2/],
  ])('rejects %p', (context, message) => {
    expect(() => loadConfig(context)).toThrow(message);
  });
});
