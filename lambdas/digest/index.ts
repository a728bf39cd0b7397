import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { HANDLER_ENV } from '../../core/contract';
import { CLIENT_TIMING, dependenciesFromEnvironment, requiredEnv } from '../shared/environment';
import { dynamoStormDigest } from '../shared/storm';
import { createDigestHandler } from './digest';

// Built once per container, reused by every invocation.
export const handler = createDigestHandler({
  ...dependenciesFromEnvironment(),
  stormDigest: dynamoStormDigest(new DynamoDBClient(CLIENT_TIMING), requiredEnv(HANDLER_ENV.stateTable)),
});
