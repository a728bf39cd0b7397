/**
 * Act only on what GuardDuty says. Anyone allowed to invoke a remediation function (or to put an
 * event on the bus) could hand it a made-up finding naming any instance; before any change, the
 * remediation reads the finding back from GuardDuty, in the security account (the delegated
 * administrator, whose detector in each Region sees every member's findings), and acts only if
 * GuardDuty returns it with the same account, Region, type and resource, not archived.
 */
import { GetFindingsCommand, type GuardDutyClient, ListDetectorsCommand } from '@aws-sdk/client-guardduty';
import type { Finding } from './finding';
import { asString, at } from './json';

export type Verification = { readonly verified: true } | { readonly verified: false; readonly reason: string };

export type FindingVerifier = (finding: Finding) => Promise<Verification>;

/** A verifier over GuardDuty clients of the security account, one per Region (built on first use). */
export function guardDutyVerifier(guardDuty: (region: string) => GuardDutyClient): FindingVerifier {
  return async (finding) => {
    const client = guardDuty(finding.region);
    // One detector per account and Region (GuardDuty API Reference, CreateDetector).
    const detectorId = (await client.send(new ListDetectorsCommand({}))).DetectorIds?.[0];
    if (!detectorId) return { verified: false, reason: `the security account has no GuardDuty detector in ${finding.region}` };
    const found = (await client.send(new GetFindingsCommand({ DetectorId: detectorId, FindingIds: [finding.id] }))).Findings?.[0];
    if (!found) return { verified: false, reason: `GuardDuty does not know finding ${finding.id} in ${finding.region}` };
    const instanceId = asString(at(finding.detail, 'resource', 'instanceDetails', 'instanceId'));
    const mismatches = [
      found.AccountId !== finding.accountId && 'account',
      found.Region !== finding.region && 'Region',
      found.Type !== finding.type && 'type',
      (found.Resource?.InstanceDetails?.InstanceId ?? undefined) !== instanceId && 'instance',
    ].filter((m): m is string => m !== false);
    if (mismatches.length > 0) return { verified: false, reason: `GuardDuty's finding ${finding.id} differs from the event in its ${mismatches.join(', ')}` };
    if (found.Service?.Archived) return { verified: false, reason: `GuardDuty's finding ${finding.id} is archived` };
    return { verified: true };
  };
}
