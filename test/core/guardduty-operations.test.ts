import * as GuardDutySdk from '@aws-sdk/client-guardduty';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { GUARDDUTY_WRITE_OPERATIONS, GUARDDUTY_WRITE_OPERATION_NAMES, GuardDutyWriteOperation, operationSeverity } from '../../core/guardduty-operations';
import { CORPUS_DIR } from '../support/corpus';

/** The SDK model's operations, read from @aws-sdk/client-guardduty's command classes. */
const sdkOperations = Object.keys(GuardDutySdk)
  .filter((name) => /^[A-Z]\w*Command$/.test(name))
  .map((name) => name.slice(0, -'Command'.length));
const readOnly = (name: string) => /^(Get|List|Describe)/.test(name);

describe('Module: guardduty-operations', () => {
  it('lists exactly the state-changing operations of the GuardDuty SDK model', () => {
    expect(sdkOperations.length).toBeGreaterThan(90);
    expect(GUARDDUTY_WRITE_OPERATION_NAMES).toEqual(sdkOperations.filter((name) => !readOnly(name)).sort());
  });

  it('agrees with the corpus list of write operations', () => {
    const corpus = readFileSync(path.join(CORPUS_DIR, 'guardduty-write-api.txt'), 'utf8')
      .split('\n')
      .filter((line) => line.trim() !== '' && !line.startsWith('#'))
      .map((line) => line.split('\t')[0]);
    expect([...GUARDDUTY_WRITE_OPERATION_NAMES].sort()).toEqual(corpus.sort());
  });

  it.each([
    'AcceptInvitation', 'AcceptAdministratorInvitation', 'ArchiveFindings', 'CreateDetector', 'CreateIPSet', 'CreateMembers', 'CreateSampleFindings',
    'CreateThreatIntelSet', 'DeclineInvitations', 'DeleteDetector', 'DeleteIPSet', 'DeleteInvitations', 'DeleteMembers', 'DeleteThreatIntelSet',
    'DisassociateFromMasterAccount', 'DisassociateFromAdministratorAccount', 'DisassociateMembers', 'InviteMembers', 'StartMonitoringMembers',
    'StopMonitoringMembers', 'UnarchiveFindings', 'UpdateDetector', 'UpdateFindingsFeedback', 'UpdateIPSet', 'UpdateThreatIntelSet',
    'CreateFilter', 'UpdateFilter', 'DeleteFilter', 'CreatePublishingDestination', 'UpdatePublishingDestination', 'DeletePublishingDestination',
    'CreateMalwareProtectionPlan', 'UpdateMalwareProtectionPlan', 'DeleteMalwareProtectionPlan', 'UpdateMalwareScanSettings',
    'CreateTrustedEntitySet', 'UpdateTrustedEntitySet', 'DeleteTrustedEntitySet', 'UpdateOrganizationConfiguration',
  ])('includes %s', (operation) => {
    expect(GUARDDUTY_WRITE_OPERATION_NAMES).toContain(operation);
  });

  it('has a one-line reason for every operation and every escalation', () => {
    for (const name of GUARDDUTY_WRITE_OPERATION_NAMES) {
      const rule = GUARDDUTY_WRITE_OPERATIONS[name];
      expect(rule.reason).toMatch(/^[A-Z].{10,160}\.$/);
      for (const escalation of 'escalations' in rule ? rule.escalations : []) expect(escalation.when).not.toMatch(/\n|\.$/);
    }
  });

  it.each<[GuardDutyWriteOperation, Record<string, unknown>, string]>([
    ['DeleteDetector', { detectorId: 'd' }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', enable: false }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', enable: 'false' }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', features: [{ name: 'S3_DATA_EVENTS', status: 'DISABLED' }] }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', features: [{ name: 'RUNTIME_MONITORING', status: 'ENABLED', additionalConfiguration: [{ name: 'EC2_AGENT_MANAGEMENT', status: 'disabled' }] }] }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', dataSources: { s3Logs: { enable: false } } }, 'CRITICAL'],
    ['UpdateDetector', { detectorId: 'd', enable: true }, 'LOW'],
    ['UpdateDetector', { detectorId: 'd', findingPublishingFrequency: 'SIX_HOURS', features: [{ name: 'S3_DATA_EVENTS', status: 'ENABLED' }] }, 'LOW'],
    ['CreateFilter', { name: 'quiet', action: 'ARCHIVE' }, 'HIGH'],
    ['CreateFilter', { name: 'view', action: 'NOOP' }, 'LOW'],
    ['UpdateFilter', { filterName: 'quiet', action: 'archive' }, 'HIGH'],
    ['CreateIPSet', { name: 'office', activate: true, location: 's3://x' }, 'HIGH'],
    ['CreateIPSet', { name: 'office', activate: false, location: 's3://x' }, 'MEDIUM'],
    ['UpdateIPSet', { ipSetId: 'i', activate: true }, 'HIGH'],
    ['UpdateIPSet', { ipSetId: 'i', location: 's3://elsewhere' }, 'HIGH'],
    ['UpdateIPSet', { ipSetId: 'i', name: 'renamed' }, 'MEDIUM'],
    ['CreateTrustedEntitySet', { activate: true }, 'HIGH'],
    ['DisassociateFromAdministratorAccount', {}, 'CRITICAL'],
    ['DisassociateFromMasterAccount', {}, 'CRITICAL'],
    ['DisassociateMembers', { accountIds: ['1'] }, 'HIGH'],
    ['StopMonitoringMembers', { accountIds: ['1'] }, 'HIGH'],
    ['DeletePublishingDestination', { destinationId: 'x' }, 'HIGH'],
    ['UpdateOrganizationConfiguration', { autoEnableOrganizationMembers: 'NONE' }, 'HIGH'],
    ['UpdateOrganizationConfiguration', { autoEnableOrganizationMembers: 'ALL' }, 'MEDIUM'],
    ['UpdateThreatIntelSet', { activate: false }, 'MEDIUM'],
    ['ArchiveFindings', { findingIds: Array.from({ length: 11 }, (_, i) => `f${i}`) }, 'HIGH'],
    ['ArchiveFindings', { findingIds: ['f'] }, 'MEDIUM'],
    ['CreateSampleFindings', {}, 'LOW'],
  ])('rates %s with %j as %s', (operation, params, severity) => {
    expect(operationSeverity(operation, params).severity).toBe(severity);
  });

  it('never throws on hostile or empty request parameters', () => {
    const hostile: unknown[] = [{}, { features: 'DISABLED' }, { features: [null, 1, 'x', { additionalConfiguration: {} }] }, { dataSources: [] }, { findingIds: 'a' }, { actions: null }];
    for (const name of GUARDDUTY_WRITE_OPERATION_NAMES) {
      for (const params of hostile) expect(() => operationSeverity(name, params as Record<string, unknown>)).not.toThrow();
    }
  });
});
