/**
 * Every state-changing GuardDuty API operation (the SDK's commands other than Get*, List*,
 * Describe*; test/core/guardduty-operations.test.ts fails when @aws-sdk/client-guardduty gains one
 * this table lacks) with the severity of its tamper alert and why.
 *
 * The severity is decided from the request, not only the name: `escalations` raise it when the
 * CloudTrail requestParameters (camelCase, as CloudTrail logs them) show that the call blinds
 * GuardDuty. Pure data and predicates: the catalog, the handler and the README read it.
 */
import type { SeverityLabel } from './severity';

/** CloudTrail's `requestParameters`: untrusted, any shape. */
export type RequestParameters = { readonly [key: string]: unknown };

export interface Escalation {
  readonly severity: SeverityLabel;
  /** Completes "raised when ...". */
  readonly when: string;
  readonly test: (params: RequestParameters) => boolean;
}

export interface OperationRule {
  readonly severity: SeverityLabel;
  /** One line: what the call does to GuardDuty's visibility. */
  readonly reason: string;
  readonly escalations?: readonly Escalation[];
}

const object = (value: unknown): RequestParameters | undefined =>
  typeof value === 'object' && value !== null && !Array.isArray(value) ? (value as RequestParameters) : undefined;
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);
const isFalse = (value: unknown) => value === false || value === 'false';
const isTrue = (value: unknown) => value === true || value === 'true';
const upper = (value: unknown) => (typeof value === 'string' ? value.toUpperCase() : undefined);

/** Feature or data-source switches a request turns off (features[], additionalConfiguration[], legacy dataSources). */
export function disabledProtections(params: RequestParameters): string[] {
  const off: string[] = [];
  for (const feature of list(params.features).map(object)) {
    if (!feature) continue;
    if (upper(feature.status) === 'DISABLED') off.push(String(feature.name ?? 'unnamed feature'));
    for (const extra of list(feature.additionalConfiguration).map(object)) {
      if (extra && upper(extra.status) === 'DISABLED') off.push(`${String(feature.name ?? 'feature')}/${String(extra.name ?? 'configuration')}`);
    }
  }
  const sources = object(params.dataSources);
  if (sources) {
    if (isFalse(object(sources.s3Logs)?.enable)) off.push('S3 data events (dataSources.s3Logs)');
    if (isFalse(object(object(sources.kubernetes)?.auditLogs)?.enable)) off.push('EKS audit logs (dataSources.kubernetes.auditLogs)');
    if (isFalse(object(object(sources.malwareProtection)?.scanEc2InstanceWithFindings)?.ebsVolumes)) {
      off.push('EBS malware scans (dataSources.malwareProtection)');
    }
  }
  return off;
}

/** Organization auto-enable switched to NONE/false, overall or per feature. */
function stopsAutoEnable(params: RequestParameters): boolean {
  if (isFalse(params.autoEnable) || upper(params.autoEnableOrganizationMembers) === 'NONE') return true;
  return list(params.features).some((f) => upper(object(f)?.autoEnable) === 'NONE' || list(object(f)?.additionalConfiguration).some((c) => upper(object(c)?.autoEnable) === 'NONE'));
}

const ARCHIVE_FILTER: Escalation = { severity: 'HIGH', when: 'its action is ARCHIVE (a suppression rule: matching findings are never published)', test: (p) => upper(p.action) === 'ARCHIVE' };
const ACTIVATES_NEW_TRUSTED_LIST: Escalation = {
  severity: 'HIGH',
  when: 'it creates the list active (no findings for the listed addresses from now on)',
  test: (p) => isTrue(p.activate),
};
const ACTIVATES_TRUSTED_LIST: Escalation = {
  severity: 'HIGH',
  when: 'it activates the list or points it at another file (no findings for the listed addresses)',
  test: (p) => isTrue(p.activate) || typeof p.location === 'string',
};
const DEACTIVATES_THREAT_LIST: Escalation = {
  severity: 'MEDIUM',
  when: 'it deactivates the list or points it at another file (its detections stop)',
  test: (p) => isFalse(p.activate) || typeof p.location === 'string',
};
const TURNS_PROTECTION_OFF: Escalation = { severity: 'HIGH', when: 'it turns a protection feature or data source off', test: (p) => disabledProtections(p).length > 0 };
/** A detector request that leaves the Region unmonitored (disabled) or a protection off: CRITICAL either way. */
const detectorOff = (disabled: string, protectionOff: string): Escalation[] => [
  { severity: 'CRITICAL', when: disabled, test: (p) => isFalse(p.enable) },
  { severity: 'CRITICAL', when: protectionOff, test: (p) => disabledProtections(p).length > 0 },
];
const RULE_TO_DRY_RUN: Escalation = { severity: 'HIGH', when: 'it sets the rule to DRY_RUN (metrics only, no findings)', test: (p) => upper(p.mode) === 'DRY_RUN' };

export const GUARDDUTY_WRITE_OPERATIONS = {
  AcceptAdministratorInvitation: { severity: 'MEDIUM', reason: 'The account accepts an administrator, which gains visibility and control of its GuardDuty.' },
  AcceptInvitation: { severity: 'MEDIUM', reason: 'Deprecated name of AcceptAdministratorInvitation: the account accepts an administrator.' },
  ArchiveFindings: {
    severity: 'MEDIUM',
    reason: 'Hides existing findings from the current view.',
    escalations: [{ severity: 'HIGH', when: 'more than 10 findings are archived in one call', test: (p) => list(p.findingIds).length > 10 }],
  },
  CreateCustomDetectionRuleAssociation: { severity: 'LOW', reason: 'Enables a custom detection rule for an account (adds detections).' },
  CreateCustomDetectionRuleOrgConfiguration: { severity: 'LOW', reason: 'Applies a custom detection rule across the organization (adds detections).' },
  CreateDetector: {
    severity: 'LOW',
    reason: 'Enables GuardDuty in a Region; unexpected only if nobody planned it.',
    // A detector created disabled is a disable: the Region looks covered and is not.
    escalations: detectorOff('it creates the detector disabled (enable: false): the Region looks covered, and nothing is monitored', 'it creates the detector with a protection feature or data source off'),
  },
  CreateFilter: { severity: 'LOW', reason: 'Creates a saved filter.', escalations: [ARCHIVE_FILTER] },
  CreateIPSet: { severity: 'MEDIUM', reason: 'Creates a trusted IP list: GuardDuty generates no findings for listed addresses once it is active.', escalations: [ACTIVATES_NEW_TRUSTED_LIST] },
  CreateInvestigation: { severity: 'LOW', reason: 'Starts an investigation.' },
  CreateMalwareProtectionPlan: { severity: 'LOW', reason: 'Adds Malware Protection for S3 to a bucket.' },
  CreateMembers: { severity: 'LOW', reason: 'Adds member accounts.' },
  CreatePublishingDestination: { severity: 'MEDIUM', reason: 'Adds an export destination for findings, possibly a copy to a bucket outside your control.' },
  CreateSampleFindings: { severity: 'LOW', reason: 'Generates sample findings (they arrive labelled [SAMPLE]); can be used to flood responders.' },
  CreateThreatEntitySet: { severity: 'LOW', reason: 'Adds a custom threat entity list (adds detections).' },
  CreateThreatIntelSet: { severity: 'LOW', reason: 'Adds a custom threat IP list (adds detections).' },
  CreateTrustedEntitySet: { severity: 'MEDIUM', reason: 'Creates a trusted entity set: no findings for listed addresses and domains once it is active.', escalations: [ACTIVATES_NEW_TRUSTED_LIST] },
  DeclineInvitations: { severity: 'LOW', reason: 'Declines membership invitations.' },
  DeleteCustomDetectionRuleAssociation: { severity: 'HIGH', reason: 'Stops a custom detection rule from being evaluated in an account.' },
  DeleteCustomDetectionRuleOrgConfiguration: { severity: 'HIGH', reason: 'Removes an organization-wide custom detection rule configuration.' },
  DeleteDetector: { severity: 'CRITICAL', reason: 'Deletes the detector: all monitoring in the Region stops and its findings are deleted.' },
  DeleteFilter: { severity: 'LOW', reason: 'Removes a saved filter or suppression rule (usually makes GuardDuty louder).' },
  DeleteIPSet: { severity: 'LOW', reason: 'Removes a trusted IP list (makes GuardDuty louder).' },
  DeleteInvitations: { severity: 'LOW', reason: 'Deletes membership invitations.' },
  DeleteMalwareProtectionPlan: { severity: 'HIGH', reason: 'Removes Malware Protection for S3 from a bucket.' },
  DeleteMembers: { severity: 'HIGH', reason: 'Removes member accounts from the administrator: their findings stop arriving here.' },
  DeletePublishingDestination: { severity: 'HIGH', reason: 'Stops the export of findings to their S3 destination (SIEM or archive pipeline).' },
  DeleteThreatEntitySet: { severity: 'MEDIUM', reason: 'Removes a custom threat entity list and its detections.' },
  DeleteThreatIntelSet: { severity: 'MEDIUM', reason: 'Removes a custom threat IP list and its detections.' },
  DeleteTrustedEntitySet: { severity: 'LOW', reason: 'Removes a trusted entity set (makes GuardDuty louder).' },
  DisableOrganizationAdminAccount: { severity: 'CRITICAL', reason: 'Removes the delegated GuardDuty administrator of the organization.' },
  DisassociateFromAdministratorAccount: { severity: 'CRITICAL', reason: 'The account leaves its administrator: its findings no longer reach the administrator.' },
  DisassociateFromMasterAccount: { severity: 'CRITICAL', reason: 'Deprecated name of DisassociateFromAdministratorAccount: the account leaves its administrator.' },
  DisassociateMembers: { severity: 'HIGH', reason: 'The administrator drops member accounts from central visibility.' },
  EnableOrganizationAdminAccount: { severity: 'MEDIUM', reason: 'Makes an account the delegated GuardDuty administrator of the organization.' },
  InviteMembers: { severity: 'LOW', reason: 'Invites member accounts.' },
  SendObjectMalwareScan: { severity: 'LOW', reason: 'Scans one S3 object on demand.' },
  StartMalwareScan: { severity: 'LOW', reason: 'Starts an on-demand EBS malware scan.' },
  StartMonitoringMembers: { severity: 'LOW', reason: 'Resumes monitoring of member accounts.' },
  StopMonitoringMembers: { severity: 'HIGH', reason: 'Stops GuardDuty monitoring of member accounts: no new findings from them.' },
  TagResource: { severity: 'LOW', reason: 'Tags a GuardDuty resource.' },
  UnarchiveFindings: { severity: 'LOW', reason: 'Restores archived findings.' },
  UntagResource: { severity: 'LOW', reason: 'Removes tags from a GuardDuty resource.' },
  UpdateCustomDetectionRuleAssociation: { severity: 'MEDIUM', reason: 'Changes how a custom detection rule runs in an account.', escalations: [RULE_TO_DRY_RUN] },
  UpdateCustomDetectionRuleOrgConfiguration: { severity: 'MEDIUM', reason: 'Changes an organization-wide custom detection rule configuration.', escalations: [RULE_TO_DRY_RUN] },
  UpdateDetector: {
    severity: 'LOW',
    reason: 'Changes detector settings; enabling or changing the publishing frequency only.',
    escalations: detectorOff('it disables the detector (enable: false): all monitoring in the Region stops', 'it turns a protection feature or data source off'),
  },
  UpdateFilter: { severity: 'LOW', reason: 'Changes a saved filter.', escalations: [ARCHIVE_FILTER] },
  UpdateFindingsFeedback: { severity: 'LOW', reason: 'Marks findings useful or not useful.' },
  UpdateIPSet: { severity: 'MEDIUM', reason: 'Changes a trusted IP list.', escalations: [ACTIVATES_TRUSTED_LIST] },
  UpdateMalwareProtectionPlan: {
    severity: 'MEDIUM',
    reason: 'Changes what Malware Protection for S3 scans and does.',
    escalations: [
      {
        severity: 'HIGH',
        when: 'it stops tagging infected objects',
        test: (p) => upper(object(object(p.actions)?.tagging)?.status) === 'DISABLED',
      },
    ],
  },
  UpdateMalwareScanSettings: {
    severity: 'MEDIUM',
    reason: 'Changes EBS malware scan settings.',
    escalations: [{ severity: 'HIGH', when: 'it adds exclusion criteria (tagged instances are never scanned)', test: (p) => object(object(p.scanResourceCriteria)?.exclude) !== undefined }],
  },
  UpdateMemberDetectors: { severity: 'MEDIUM', reason: 'The administrator changes member detectors.', escalations: [TURNS_PROTECTION_OFF] },
  UpdateOrganizationConfiguration: {
    severity: 'MEDIUM',
    reason: 'Changes how GuardDuty is enabled for the organization.',
    escalations: [{ severity: 'HIGH', when: 'it stops enabling GuardDuty or a feature for member accounts (auto-enable NONE or false)', test: stopsAutoEnable }],
  },
  UpdatePublishingDestination: { severity: 'HIGH', reason: 'Repoints the export of findings to another bucket or key (can divert or break it).' },
  UpdateThreatEntitySet: { severity: 'LOW', reason: 'Changes a custom threat entity list.', escalations: [DEACTIVATES_THREAT_LIST] },
  UpdateThreatIntelSet: { severity: 'LOW', reason: 'Changes a custom threat IP list.', escalations: [DEACTIVATES_THREAT_LIST] },
  UpdateTrustedEntitySet: { severity: 'MEDIUM', reason: 'Changes a trusted entity set.', escalations: [ACTIVATES_TRUSTED_LIST] },
} as const satisfies Readonly<Record<string, OperationRule>>;

export type GuardDutyWriteOperation = keyof typeof GUARDDUTY_WRITE_OPERATIONS;

export const GUARDDUTY_WRITE_OPERATION_NAMES = Object.keys(GUARDDUTY_WRITE_OPERATIONS).sort() as GuardDutyWriteOperation[];

export function isGuardDutyWriteOperation(name: string): name is GuardDutyWriteOperation {
  return Object.prototype.hasOwnProperty.call(GUARDDUTY_WRITE_OPERATIONS, name);
}

/** The severity of a call and every reason for it: the operation's own, then each escalation that applies. */
export function operationSeverity(operation: GuardDutyWriteOperation, params: RequestParameters): { severity: SeverityLabel; reasons: string[] } {
  const rule: OperationRule = GUARDDUTY_WRITE_OPERATIONS[operation];
  const order: readonly SeverityLabel[] = ['LOW', 'MEDIUM', 'HIGH', 'CRITICAL'];
  let severity = rule.severity;
  const reasons = [rule.reason];
  for (const escalation of rule.escalations ?? []) {
    if (!escalation.test(params)) continue;
    reasons.push(`${escalation.severity}: ${escalation.when}.`);
    if (order.indexOf(escalation.severity) > order.indexOf(severity)) severity = escalation.severity;
  }
  return { severity, reasons };
}
