/**
 * The shell every handler shares: parse the event, run the handler's core, publish its alert.
 * An event that cannot be processed is logged with its id, reported on the topic, and the
 * invocation fails, so Lambda retries it and then keeps it in the dead-letter queue.
 */
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import type { Logger } from '@aws-lambda-powertools/logger';
import { Alert, formatUnprocessableAlert, toPublishInput } from './alert';
import { InvalidEventError } from './errors';
import { Finding, parseFindingEvent } from './finding';

export interface HandlerDependencies {
  readonly sns: SNSClient;
  readonly topicArn: string;
  readonly playbookId: string;
  readonly logger: Logger;
  /** The IAM roles of this stack's functions: their own calls are recognised, never alerted. */
  readonly ownRoleArns: readonly string[];
}

export type LambdaHandler = (event: unknown) => Promise<void>;

/** What the shell needs of any parsed event: ids for the logs. */
export interface ParsedEvent {
  /** The EventBridge envelope id. */
  readonly eventId: string;
  /** The logs' correlation id: the finding id, or the CloudTrail event id. */
  readonly correlationId: string;
  /** Keys added to every log line of this invocation. */
  readonly logKeys: Readonly<Record<string, unknown>>;
}

/**
 * A handler core: from a parsed event to the alert that says what was found and what was done,
 * or `undefined` with the reason when the event deserves no alert (the stack's own call).
 */
export type Responder<E> = (event: E) => Promise<Alert | { readonly skip: string }>;

export function eventHandler<E extends ParsedEvent>(context: HandlerDependencies, parse: (event: unknown) => E, respond: Responder<E>): LambdaHandler {
  const { logger } = context;
  return async (event: unknown) => {
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
      const outcome = await respond(parsed);
      if ('skip' in outcome) {
        logger.info('no alert', { reason: outcome.skip });
        return;
      }
      const messageId = await publish(context, outcome);
      logger.info('alert published', { subject: outcome.subject, messageId });
    } finally {
      // Containers are reused: the next invocation must not inherit this event's keys.
      logger.resetKeys();
    }
  };
}

/** A handler core for findings. */
export type FindingResponder = Responder<Finding>;

export function findingHandler(context: HandlerDependencies, respond: FindingResponder): LambdaHandler {
  return eventHandler(context, parseFindingEvent, respond);
}

async function publish(context: HandlerDependencies, alert: Alert): Promise<string | undefined> {
  const output = await context.sns.send(new PublishCommand(toPublishInput(alert, context.topicArn)));
  return output.MessageId;
}
