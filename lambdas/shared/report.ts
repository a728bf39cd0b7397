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
}

/** A handler core: from a parsed finding to the alert that says what was found and what was done. */
export type FindingResponder = (finding: Finding) => Promise<Alert>;

export type LambdaHandler = (event: unknown) => Promise<void>;

export function findingHandler(context: HandlerDependencies, respond: FindingResponder): LambdaHandler {
  const { logger } = context;
  return async (event: unknown) => {
    let finding: Finding;
    try {
      finding = parseFindingEvent(event);
    } catch (error) {
      if (!(error instanceof InvalidEventError)) throw error;
      logger.error('event could not be processed', { eventId: error.eventId, detailType: error.detailType, problem: error.message });
      await publish(context, formatUnprocessableAlert({ playbookId: context.playbookId, eventId: error.eventId, detailType: error.detailType, problem: error.message }));
      throw error;
    }
    logger.setCorrelationId(finding.id);
    logger.appendKeys({ eventId: finding.eventId, findingType: finding.type, accountId: finding.accountId, region: finding.region, sample: finding.sample });
    try {
      const alert = await respond(finding);
      const messageId = await publish(context, alert);
      logger.info('alert published', { subject: alert.subject, messageId });
    } finally {
      // Containers are reused: the next invocation must not inherit this finding's keys.
      logger.resetKeys();
    }
  };
}

async function publish(context: HandlerDependencies, alert: Alert): Promise<string | undefined> {
  const output = await context.sns.send(new PublishCommand(toPublishInput(alert, context.topicArn)));
  return output.MessageId;
}
