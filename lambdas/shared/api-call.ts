/**
 * An API call recorded by CloudTrail as EventBridge delivers it ("AWS API Call via CloudTrail"),
 * checked once. Every field is the caller's to choose (user agent, parameters): they stay
 * untrusted JSON here and are cleaned where they are shown.
 */
import { API_CALL_DETAIL_TYPE } from '../../core/contract';
import { parseEnvelope } from './envelope';
import { JsonObject, asObject, asString } from './json';
import type { ParsedEvent } from './envelope';

export interface ApiCall extends ParsedEvent {
  /** CloudTrail's own event id (`detail.eventID`). */
  readonly cloudTrailEventId?: string;
  readonly eventSource: string;
  readonly eventName: string;
  readonly eventTime?: string;
  /** The account whose trail recorded the call. */
  readonly accountId: string;
  readonly region: string;
  readonly sourceIp?: string;
  readonly userAgent?: string;
  /** Present when the call failed (AccessDenied...): an attempt is a signal too. */
  readonly errorCode?: string;
  readonly errorMessage?: string;
  readonly requestParameters: JsonObject;
  readonly userIdentity: JsonObject;
  readonly detail: JsonObject;
}

export function parseApiCallEvent(event: unknown, expectedSource: string): ApiCall {
  const { envelope, eventId, detail, fail } = parseEnvelope(event, expectedSource, API_CALL_DETAIL_TYPE);
  const eventName = asString(detail.eventName) ?? fail('detail.eventName (the API operation) is missing');
  const eventSource = asString(detail.eventSource) ?? fail('detail.eventSource is missing');
  const accountId = asString(detail.recipientAccountId) ?? asString(envelope.account) ?? fail('neither detail.recipientAccountId nor account is present');
  const region = asString(detail.awsRegion) ?? asString(envelope.region) ?? fail('neither detail.awsRegion nor region is present');
  const cloudTrailEventId = asString(detail.eventID);
  return {
    eventId: eventId ?? cloudTrailEventId ?? `${eventName}@${asString(detail.eventTime) ?? 'unknown time'}`,
    correlationId: cloudTrailEventId ?? eventId ?? eventName,
    logKeys: { eventName, eventSource, accountId, region, errorCode: asString(detail.errorCode) },
    cloudTrailEventId,
    eventSource,
    eventName,
    eventTime: asString(detail.eventTime),
    accountId,
    region,
    sourceIp: asString(detail.sourceIPAddress),
    userAgent: asString(detail.userAgent),
    errorCode: asString(detail.errorCode),
    errorMessage: asString(detail.errorMessage),
    // Missing or null when the call had no parameters (DeleteDetector has one, CreateSampleFindings may have none).
    requestParameters: asObject(detail.requestParameters) ?? {},
    userIdentity: asObject(detail.userIdentity) ?? {},
    detail,
  };
}
