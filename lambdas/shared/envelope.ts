/** The EventBridge envelope every handler checks first: one place for the checks and their messages. */
import { InvalidEventError } from './errors';
import { JsonObject, asObject, asString } from './json';
import { boundedJson } from './text';

/** What the shell needs of any parsed event: ids for the logs. */
export interface ParsedEvent {
  /** The EventBridge envelope id. */
  readonly eventId: string;
  /** The logs' correlation id: the finding id, or the CloudTrail event id. */
  readonly correlationId: string;
  /** Keys added to every log line of this invocation. */
  readonly logKeys: Readonly<Record<string, unknown>>;
}

export interface Envelope {
  readonly envelope: JsonObject;
  readonly eventId?: string;
  readonly detailType?: string;
  readonly detail: JsonObject;
  /** Throws an InvalidEventError that carries the envelope's id and detail-type. */
  readonly fail: (problem: string) => never;
}

export function parseEnvelope(event: unknown, source: string, detailType: string): Envelope {
  const envelope = asObject(event);
  if (!envelope) throw new InvalidEventError(`the event is not a JSON object but ${describeKind(event)}`);
  const eventId = asString(envelope.id);
  const actualDetailType = asString(envelope['detail-type']);
  const fail = (problem: string): never => {
    throw new InvalidEventError(problem, eventId, actualDetailType);
  };
  if (envelope.source !== source) fail(`source is ${shown(envelope.source)}, expected "${source}"`);
  if (actualDetailType !== detailType) fail(`detail-type is ${shown(envelope['detail-type'])}, expected "${detailType}"`);
  const detail = asObject(envelope.detail) ?? fail('the event has no detail object');
  return { envelope, eventId, detailType: actualDetailType, detail, fail };
}

function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/**
 * A value from the event as a could-not-process alert shows it: `missing` when absent (never
 * "undefined"), else its JSON, bounded (the alert cleans it again).
 */
export function shown(value: unknown): string {
  if (value === undefined) return 'missing';
  return boundedJson(value, 100);
}
