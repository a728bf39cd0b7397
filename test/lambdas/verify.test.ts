import 'aws-sdk-client-mock-jest';
import { GetFindingsCommand, GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { parseFindingEvent } from '../../lambdas/shared/finding';
import { guardDutyVerifier } from '../../lambdas/shared/verify';
import { fixtureEvent } from '../support/corpus';

const guardDuty = mockClient(GuardDutyClient);
const finding = () => parseFindingEvent(fixtureEvent('c2-high.json'));
/** GuardDuty's own copy of the finding, as GetFindings returns it. */
const asGuardDutyHasIt = (overrides: Record<string, unknown> = {}) => {
  const f = finding();
  return { Id: f.id, AccountId: f.accountId, Region: f.region, Type: f.type, Resource: { InstanceDetails: { InstanceId: 'i-0abc1234def567890' } }, Service: { Archived: false }, ...overrides };
};
const verify = () => guardDutyVerifier((region) => new GuardDutyClient({ region }))(finding());

describe('Function: guardDutyVerifier', () => {
  beforeEach(() => {
    guardDuty.reset();
    guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: ['d-1'] });
  });

  it("confirms a finding GuardDuty returns unchanged, asking the security account's detector in the finding's Region", async () => {
    guardDuty.on(GetFindingsCommand).resolves({ Findings: [asGuardDutyHasIt()] as never });
    expect(await verify()).toEqual({ verified: true });
    expect(guardDuty).toHaveReceivedCommandWith(GetFindingsCommand, { DetectorId: 'd-1', FindingIds: [finding().id] });
    expect(await guardDuty.call(0).thisValue.config.region()).toBe(finding().region);
  });

  it.each([
    ['unknown to GuardDuty', [], /does not know finding/],
    ['of another account', [asGuardDutyHasIt({ AccountId: '999999999999' })], /differs from the event in its account/],
    ['of another type', [asGuardDutyHasIt({ Type: 'Recon:EC2/Portscan' })], /differs from the event in its type/],
    ['about another instance', [asGuardDutyHasIt({ Resource: { InstanceDetails: { InstanceId: 'i-0000000000000000f' } } })], /differs from the event in its instance/],
    ['archived', [asGuardDutyHasIt({ Service: { Archived: true } })], /is archived/],
  ])('refuses a finding %s', async (_case, findings, reason) => {
    guardDuty.on(GetFindingsCommand).resolves({ Findings: findings as never });
    const result = await verify();
    expect(result.verified).toBe(false);
    expect(!result.verified && result.reason).toMatch(reason);
  });

  it('refuses when the security account has no detector in the Region', async () => {
    guardDuty.on(ListDetectorsCommand).resolves({ DetectorIds: [] });
    expect(await verify()).toEqual({ verified: false, reason: expect.stringMatching(/no GuardDuty detector in eu-west-1/) });
  });

  it('lets a GuardDuty error through, so the invocation fails and is retried', async () => {
    guardDuty.on(GetFindingsCommand).rejects(Object.assign(new Error('denied'), { name: 'AccessDeniedException' }));
    await expect(verify()).rejects.toThrow('denied');
  });
});
