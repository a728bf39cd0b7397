/**
 * The shell every handler shares: parse the event, run the handler's core, publish its alert.
 * An event that cannot be processed is logged with its id, reported on the topic, and the
 * invocation fails, so Lambda retries it and then keeps it in the dead-letter queue.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@aws-lambda-powertools/logger';
import { matchesEventPattern } from '../../core/event-pattern';
import { ASYNC_RETRY_ATTEMPTS } from '../../core/timing';
import type { DeferredClaim } from '../../core/routing';
import { Alert, formatFindingAlert, formatReminderAlert, formatUnprocessableAlert, toPublishInput } from './alert';
import type { ParsedEvent } from './envelope';
import { InvalidEventError } from './errors';
import { Finding, parseFindingEvent } from './finding';
import type { DeliveryLog } from './delivery-log';
import type { FindingState } from './finding-state';
import type { StormControl, StormDigest } from './storm';
import { describeResource } from './describe';

export interface HandlerDependencies {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly playbookId: string;
  readonly logger: Logger;
  /** The IAM roles of this stack's functions: their own calls are recognised, never alerted. */
  readonly ownRoleArns: readonly string[];
  /** Findings another (specific) playbook claims and alerts on: this function skips them (core/routing.ts). */
  readonly deferredClaims: readonly DeferredClaim[];
  /**
   * Decides which deliveries of a finding alert (finding-state.ts).
   * @default - every delivery alerts
   */
  readonly findingState?: FindingState;
  /**
   * One alert per event, for events without a finding (delivery-log.ts).
   * @default - every delivery alerts
   */
  readonly deliveryLog?: DeliveryLog;
  /**
   * Holds the new findings of a storm for the digest (storm.ts).
   * @default - every new finding alerts on its own
   */
  readonly stormControl?: StormControl;
  /** The digest's view of the held findings (storm.ts): the digest handler only. */
  readonly stormDigest?: StormDigest;
}

/** What Lambda passes besides the event: the time left (Lambda's context object has more). */
export interface InvocationContext {
  readonly getRemainingTimeInMillis: () => number;
  readonly awsRequestId?: string;
}

export type LambdaHandler = (event: unknown, context?: InvocationContext) => Promise<void>;

/** The time left in this invocation; without a Lambda context (simulator, tests), unbounded. */
export interface Invocation {
  readonly remainingMs: () => number;
  /** Lambda's request id: the same for the retries of one asynchronous invocation. */
  readonly requestId?: string;
}


/**
 * What an alert of a failed invocation says will happen to its event, true on every attempt (an
 * asynchronous invocation is not told which attempt it is): Lambda retries it, then sends it to
 * the dead-letter queue.
 */
export const RETRIED_THEN_KEPT = `Lambda retries the event (${ASYNC_RETRY_ATTEMPTS} times at most), then keeps it in the dead-letter queue.`;

/**
 * What a handler core decides: the alert that says what was found and what was done; or no
 * alert, with the reason (the stack's own call); or the alert of a partial failure, after which
 * the invocation fails so that the event reaches the dead-letter queue.
 */
export type HandlerResult =
  | Alert
  | { readonly skip: string }
  | { readonly alert: Alert; readonly failure: Error }
  /** An alert whose publication is recorded once SNS accepted it. */
  | { readonly alert: Alert; readonly published: () => Promise<void> }
  /** Not now, and no alert: the invocation fails so that Lambda retries it (e.g. another delivery holds the instance). */
  | { readonly retry: string };

export type Responder<E> = (event: E, invocation: Invocation) => Promise<HandlerResult>;

export function eventHandler<E extends ParsedEvent>(context: HandlerDependencies, parse: (event: unknown) => E, respond: Responder<E>): LambdaHandler {
  const { logger } = context;
  return async (event: unknown, lambdaContext?: InvocationContext) => {
    const invocation: Invocation = { remainingMs: () => lambdaContext?.getRemainingTimeInMillis() ?? Number.POSITIVE_INFINITY, requestId: lambdaContext?.awsRequestId };
    let parsed: E;
    try {
      parsed = parse(event);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.error('event could not be processed', { eventId: error.eventId, detailType: error.detailType, problem: error.message });
      await publish(context, formatUnprocessableAlert({ playbookId: context.playbookId, eventId: error.eventId, detailType: error.detailType, problem: error.message }));
      throw error;
    }
    logger.setCorrelationId(parsed.correlationId);
    logger.appendKeys({ eventId: parsed.eventId, ...parsed.logKeys });
    try {
      let response: HandlerResult;
      try {
        response = await respond(parsed, invocation);
      } catch (error) {
        // Never leave without an alert, even on a bug: report the event, then fail into the DLQ.
        const problem = `the ${context.playbookId} handler failed: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`;
        logger.error('handler failed', { problem });
        await publish(context, formatUnprocessableAlert({ playbookId: context.playbookId, eventId: parsed.eventId, detailType: undefined, problem }));
        throw error;
      }
      if ('skip' in response) {
        logger.info('no alert', { reason: response.skip });
        return;
      }
      if ('retry' in response) {
        logger.warn('retry later', { reason: response.retry });
        throw new RetryLaterError(response.retry);
      }
      const alert = 'alert' in response ? response.alert : response;
      // Logged whole before publishing: if SNS fails after a remediation, what was changed and the
      // commands that undo it are still in the function's log (kept 90 days, retained with the stack).
      logger.info('alert to publish', { subject: alert.subject, email: alert.email });
      const messageId = await publish(context, alert);
      logger.info('alert published', { subject: alert.subject, messageId });
      if ('published' in response) await response.published();
      if ('failure' in response) {
        logger.error('remediation failed', { failure: response.failure.message });
        throw response.failure;
      }
    } finally {
      // Containers are reused: the next invocation must not inherit this event's keys.
      logger.resetKeys();
    }
  };
}

/**
 * One alert per event (delivery-log.ts): a duplicate delivery of an event whose alert went out is
 * logged, not alerted; a failed invocation's retry runs in full.
 */
export function deliveredOnce<E extends ParsedEvent>(log: DeliveryLog | undefined, logger: Logger, respond: Responder<E>): Responder<E> {
  if (!log) return respond;
  return async (event, invocation) => {
    const claim = await log.claim(event.eventId, invocation.requestId ?? event.eventId);
    if (claim === 'duplicate') return { skip: 'duplicate delivery of an event already alerted' };
    if (claim === 'in-progress') return { skip: 'the same event is being handled by another invocation, which alerts' };
    if (claim === 'unknown') logger.warn('delivery log unavailable: alerting anyway (fail open)', { eventId: event.eventId });
    const response = await respond(event, invocation);
    if ('skip' in response || 'retry' in response || 'failure' in response || 'published' in response) return response;
    return { alert: response, published: () => log.published(event.eventId) };
  };
}

/** A handler core for findings. */
export type FindingResponder = Responder<Finding>;

export function findingHandler(context: HandlerDependencies, respond: FindingResponder, parse: (event: unknown) => Finding = parseFindingEvent): LambdaHandler {
  return eventHandler(context, parse, async (parsed, invocation) => {
    const claim = context.deferredClaims.find((c) => matchesEventPattern({ detail: c.detail }, { detail: parsed.detail }));
    if (claim) return { skip: `${parsed.type} is claimed by ${claim.playbookId}, which alerts on it` };
    // What this delivery is to the finding's conversation (first, escalated, reminder, repeat...):
    // decided before the playbook runs, so the alert can say it; a remediation runs every time.
    const history = context.findingState ? await context.findingState.decide(parsed) : undefined;
    if (history?.kind === 'unknown') context.logger.warn('finding state unavailable: alerting anyway (fail open)', { reason: history.reason });
    const finding: Finding = history ? { ...parsed, history } : parsed;
    let response: HandlerResult;
    try {
      response = await respond(finding, invocation);
    } catch (error) {
      // A playbook never leaves without its alert, even on a bug: say what is known, keep the event.
      const failure = error instanceof Error ? error : new Error(String(error));
      const alert = formatFindingAlert(finding, {
        playbookId: context.playbookId,
        tag: 'FAILED',
        summary: `The playbook failed unexpectedly (${failure.name}: ${failure.message}). What it may have changed is not known: check the resource and CloudTrail. ${RETRIED_THEN_KEPT}`,
      });
      return { alert, failure };
    }
    if (!history || !context.findingState || 'skip' in response || 'retry' in response || 'failure' in response || 'published' in response) return response;
    const state = context.findingState;
    const published = () => state.published(finding, response.outcomeSummary ?? response.subject);
    // A change is always told; a delivery that changed nothing only when the conversation needs it.
    if (response.changed) return { alert: response, published };
    switch (history.kind) {
      case 'repeat':
        return { skip: `repeat of an alerted finding: ${history.reason}` };
      case 'duplicate':
        return { skip: 'duplicate delivery of an event already alerted' };
      case 'reminder':
        return { alert: formatReminderAlert(finding, history, context.playbookId), published };
      case 'first':
        // A new finding in a storm of its type is held for the digest instead (storm.ts).
        if (context.stormControl && (await context.stormControl.admit(finding, { id: finding.id, severity: finding.severity, resource: describeResource(finding.detail).label ?? finding.id })) === 'held') {
          await state.published(finding, 'held for the storm digest');
          return { skip: 'held for the storm digest: more new findings of this type than stormThreshold in the window' };
        }
        return { alert: response, published };
      default:
        return { alert: response, published };
    }
  });
}

/** The invocation fails without an alert, for Lambda to retry it (it is not a failure of the playbook). */
export class RetryLaterError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'RetryLaterError';
  }
}

async function publish(context: HandlerDependencies, alert: Alert): Promise<string | undefined> {
  const output = await context.sns.send(new PublishCommand(toPublishInput(alert, context.topicArn)));
  return output.MessageId;
}
