/**
 * Who made a GuardDuty API call and what it asked for, in plain words, from the CloudTrail record.
 * Everything here comes from the caller: names and free text are `quoted`, ids and enums are `token`s.
 */
import { GuardDutyWriteOperation, RequestParameters, disabledProtections } from '../../core/guardduty-operations';
import { Line, listOf } from '../shared/describe';
import { JsonObject, asArray, asObject, asString, at } from '../shared/json';
import { quoted, token, truncate } from '../shared/text';

export interface Principal {
  /** For the subject: `alice`, `role Admin (session bob)`, `root`, `AWS service config.amazonaws.com`. */
  readonly short: string;
  readonly lines: readonly Line[];
}

const CONSOLE = 'signin.amazonaws.com';

export function describePrincipal(identity: JsonObject, userAgent: string | undefined): Principal {
  const type = asString(identity.type);
  const arn = token(identity.arn, 300);
  const issuer = asObject(at(identity, 'sessionContext', 'sessionIssuer')) ?? {};
  const session = asString(identity.arn)?.split('/').pop();
  const invokedBy = token(identity.invokedBy, 100);
  let short: string | undefined;
  switch (type) {
    case 'IAMUser':
      short = quoted(identity.userName, 64);
      break;
    case 'Root':
      short = 'root';
      break;
    case 'AssumedRole': {
      const role = quoted(issuer.userName, 64);
      const sessionName = quoted(session, 64);
      short = role && (sessionName && sessionName !== role ? `role ${role} (session ${sessionName})` : `role ${role}`);
      break;
    }
    case 'AWSService':
      short = invokedBy && `AWS service ${invokedBy}`;
      break;
    case 'FederatedUser':
      short = quoted(session, 64);
      break;
    case 'AWSAccount':
      short = token(identity.accountId, 20) && `account ${token(identity.accountId, 20)}`;
      break;
  }
  const viaConsole = invokedBy === CONSOLE || userAgent === CONSOLE || (userAgent?.includes('console.amazonaws.com') ?? false);
  const mfa = at(identity, 'sessionContext', 'attributes', 'mfaAuthenticated');
  return {
    short: short ?? token(identity.principalId, 64) ?? arn ?? 'an unknown principal',
    lines: [
      ['Identity type', token(type, 40) ?? 'unknown (no userIdentity in the record)'],
      ['Principal', arn],
      ['User', quoted(identity.userName, 64)],
      ['Role', token(issuer.arn, 300)],
      ['Session', type === 'AssumedRole' ? quoted(session, 64) : undefined],
      ['Principal account', token(identity.accountId, 20)],
      ['Access key', token(identity.accessKeyId, 40)],
      ['Via', viaConsole ? 'AWS Management Console' : invokedBy ? `AWS service ${invokedBy}` : undefined],
      ['MFA', mfa === 'true' || mfa === true ? 'yes' : mfa === 'false' || mfa === false ? 'no' : undefined],
    ],
  };
}

export interface RequestDescription {
  /** For the subject, past tense: `GuardDuty detector deleted`. */
  readonly headline: string;
  readonly lines: readonly Line[];
}

/** The GuardDuty lists, by the operation-name stem that manages them. */
const LISTS: Readonly<Record<string, { noun: string; idKey: string }>> = {
  IPSet: { noun: 'trusted IP list', idKey: 'ipSetId' },
  TrustedEntitySet: { noun: 'trusted entity set', idKey: 'trustedEntitySetId' },
  ThreatIntelSet: { noun: 'threat IP list', idKey: 'threatIntelSetId' },
  ThreatEntitySet: { noun: 'threat entity set', idKey: 'threatEntitySetId' },
};

const MEMBER_VERBS: Readonly<Record<string, string>> = {
  CreateMembers: 'added',
  DeleteMembers: 'deleted',
  DisassociateMembers: 'disassociated',
  InviteMembers: 'invited',
  StartMonitoringMembers: 'monitored again',
  StopMonitoringMembers: 'no longer monitored',
};

export function describeRequest(operation: GuardDutyWriteOperation, params: RequestParameters): RequestDescription {
  const detector: Line = ['Detector', token(params.detectorId, 64)];
  const accounts = asArray(params.accountIds).map((a) => token(a, 20));
  const listMatch = /^(Create|Update|Delete)(IPSet|TrustedEntitySet|ThreatIntelSet|ThreatEntitySet)$/.exec(operation);
  if (listMatch) return describeList(listMatch[1], LISTS[listMatch[2]], params, detector);
  if (operation in MEMBER_VERBS) {
    const count = accounts.filter(Boolean).length;
    return {
      headline: `GuardDuty member account${count === 1 ? '' : 's'} ${MEMBER_VERBS[operation]}${count > 0 ? `: ${listOf(accounts)}` : ''}`,
      lines: [detector, ['Member accounts', listOf(accounts)]],
    };
  }
  switch (operation) {
    case 'DeleteDetector':
      return { headline: 'GuardDuty detector deleted', lines: [detector] };
    case 'CreateDetector': {
      const { headline } = detectorChange(params, { disabled: 'GuardDuty detector created DISABLED', off: 'GuardDuty detector created with protection off', otherwise: 'GuardDuty detector created' });
      return { headline, lines: [['Enable', token(params.enable, 10)], ['Publishing frequency', token(params.findingPublishingFrequency, 30)]] };
    }
    case 'UpdateDetector': {
      const { headline, off } = detectorChange(params, { disabled: 'GuardDuty detector disabled', off: 'GuardDuty protection turned off', otherwise: 'GuardDuty detector settings changed' });
      return {
        headline,
        lines: [detector, ['Enable', token(params.enable, 10)], ['Turned off', listOf(off.map((o) => token(o, 80)))], ['Publishing frequency', token(params.findingPublishingFrequency, 30)]],
      };
    }
    case 'CreateFilter':
    case 'UpdateFilter': {
      const name = quoted(params.name ?? params.filterName, 64) ?? 'unnamed';
      const archive = String(params.action ?? '').toUpperCase() === 'ARCHIVE';
      const criteria = describeCriteria(params.findingCriteria);
      const verb = operation === 'CreateFilter' ? 'created' : 'changed';
      return {
        headline: archive ? `filter ${name} auto-archives findings ${criteria ?? '(criteria unchanged)'}` : `GuardDuty filter ${name} ${verb}`,
        lines: [detector, ['Filter', name], ['Action', token(params.action, 20)], ['Criteria', criteria], ['Rank', token(params.rank, 10)], ['Description', quoted(params.description, 300)]],
      };
    }
    case 'ArchiveFindings':
    case 'UnarchiveFindings': {
      const ids = asArray(params.findingIds).map((id) => token(id, 64));
      return { headline: `${ids.length} GuardDuty finding${ids.length === 1 ? '' : 's'} ${operation === 'ArchiveFindings' ? 'archived' : 'unarchived'}`, lines: [detector, ['Findings', listOf(ids)]] };
    }
    case 'DisassociateFromAdministratorAccount':
    case 'DisassociateFromMasterAccount':
      return { headline: 'account left its GuardDuty administrator', lines: [detector] };
    case 'AcceptAdministratorInvitation':
    case 'AcceptInvitation':
      return { headline: 'GuardDuty administrator accepted', lines: [detector, ['Administrator', token(params.administratorId ?? params.masterId, 20)]] };
    case 'DisableOrganizationAdminAccount':
    case 'EnableOrganizationAdminAccount': {
      const account = token(params.adminAccountId, 20);
      const verb = operation === 'DisableOrganizationAdminAccount' ? 'removed' : 'set';
      return { headline: `delegated GuardDuty administrator ${verb}${account ? `: ${account}` : ''}`, lines: [['Administrator account', account]] };
    }
    case 'CreatePublishingDestination':
    case 'UpdatePublishingDestination':
    case 'DeletePublishingDestination': {
      const verb = { CreatePublishingDestination: 'added', UpdatePublishingDestination: 'changed', DeletePublishingDestination: 'deleted' }[operation];
      return {
        headline: `GuardDuty findings export destination ${verb}`,
        lines: [
          detector,
          ['Destination', token(params.destinationId, 64)],
          ['Destination ARN', token(at(params, 'destinationProperties', 'destinationArn'), 300)],
          ['KMS key', token(at(params, 'destinationProperties', 'kmsKeyArn'), 300)],
        ],
      };
    }
    case 'CreateSampleFindings':
      return { headline: 'GuardDuty sample findings generated', lines: [detector, ['Types', listOf(asArray(params.findingTypes).map((t) => token(t, 120)))]] };
    default:
      return { headline: `GuardDuty ${operation} called`, lines: [detector] };
  }
}

function describeList(verb: string, list: { noun: string; idKey: string }, params: RequestParameters, detector: Line): RequestDescription {
  const name = quoted(params.name, 64);
  const id = token(params[list.idKey], 64);
  const label = name ?? id ?? '';
  const activate = params.activate === true || params.activate === 'true' ? true : params.activate === false || params.activate === 'false' ? false : undefined;
  let what: string;
  if (verb === 'Create') what = activate ? 'created and activated' : 'created';
  else if (verb === 'Delete') what = 'deleted';
  else if (activate === true) what = 'activated';
  else if (activate === false) what = 'deactivated';
  else what = typeof params.location === 'string' ? 'pointed at another file' : 'changed';
  return {
    headline: `${list.noun}${label ? ` ${label}` : ''} ${what}`,
    lines: [detector, ['List', name], ['List id', id], ['Location', quoted(params.location, 300)], ['Format', token(params.format, 30)], ['Activate', token(params.activate, 10)]],
  };
}

const CRITERIA_OPERATORS: readonly [string, string][] = [
  ['eq', '='],
  ['equals', '='],
  ['neq', '!='],
  ['notEquals', '!='],
  ['gt', '>'],
  ['greaterThan', '>'],
  ['gte', '>='],
  ['greaterThanOrEqual', '>='],
  ['lt', '<'],
  ['lessThan', '<'],
  ['lte', '<='],
  ['lessThanOrEqual', '<='],
];

/** `of type Recon:EC2/PortProbeUnprotectedPort where severity < 4`, or "matching every finding". */
export function describeCriteria(findingCriteria: unknown): string | undefined {
  const criterion = asObject(at(findingCriteria, 'criterion'));
  if (!criterion) return findingCriteria === undefined ? undefined : 'matching every finding';
  const parts: string[] = [];
  let conditions = 0;
  const entries = Object.entries(criterion).sort(([a], [b]) => (a === 'type' ? -1 : b === 'type' ? 1 : a.localeCompare(b)));
  for (const [field, condition] of entries.slice(0, 8)) {
    const name = token(field, 80) ?? 'field';
    for (const [key, symbol] of CRITERIA_OPERATORS) {
      const raw = asObject(condition)?.[key];
      if (raw === undefined) continue;
      const values = listOf((Array.isArray(raw) ? raw : [raw]).map((v) => token(v, 120)));
      if (!values) continue;
      if (field === 'type' && symbol === '=') parts.push(`of type ${values}`);
      else parts.push(`${conditions++ === 0 ? 'where' : 'and'} ${name} ${symbol} ${values}`);
    }
  }
  if (parts.length === 0) return 'matching every finding';
  // The values are cleaned above; the operators are ours (clean would turn < into a look-alike).
  return truncate(parts.join(' '), 600);
}

/** What a detector request does to monitoring, worded for the verb (created or updated). */
function detectorChange(params: JsonObject, words: { readonly disabled: string; readonly off: string; readonly otherwise: string }): { headline: string; off: string[] } {
  const off = disabledProtections(params);
  const headline =
    params.enable === false || params.enable === 'false' ? words.disabled : off.length > 0 ? `${words.off}: ${listOf(off.map((o) => token(o, 80)))}` : words.otherwise;
  return { headline, off };
}
