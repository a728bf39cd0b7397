import { Logger } from '@aws-lambda-powertools/logger';
import { SNSClient } from '@aws-sdk/client-sns';
import { HANDLER_ENV } from '../../lib/contract';
import { requiredEnv } from '../shared/environment';
import { findingHandler } from '../shared/report';
import { notify } from './notify';

// Built once per container, reused by every invocation.
const playbookId = requiredEnv(HANDLER_ENV.playbookId);
export const handler = findingHandler(
  { sns: new SNSClient({}), topicArn: requiredEnv(HANDLER_ENV.topicArn), playbookId, logger: new Logger() },
  notify(playbookId),
);
