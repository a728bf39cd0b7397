import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { HANDLER_ENV } from '../../lib/contract';
import { requiredEnv } from '../shared/environment';
import { createNotifyHandler } from './handler';

// Built once per container, reused by every invocation.
export const handler = createNotifyHandler({
  sns: new SNSClient({}),
  topicArn: requiredEnv(HANDLER_ENV.topicArn),
  playbookId: requiredEnv(HANDLER_ENV.playbookId),
  logger: new Logger(),
});
