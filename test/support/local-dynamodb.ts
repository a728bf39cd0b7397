import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { createStateTable, startDynalite as startDynaliteServer } from '../../simulator/local-dynamodb';

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  /** A fresh state table (its own name), created and ready. */
  readonly newTable: () => Promise<string>;
  readonly stop: () => Promise<void>;
}

let tables = 0;

function withTables(client: DynamoDBClient, stop: () => Promise<void>): LocalDynamoDb {
  return {
    client,
    newTable: async () => {
      // Unique on an engine that outlives this file too (a worker's moto server, in its default account).
      const name = `finding-state-${process.pid}-${Date.now()}-${++tables}`;
      await createStateTable(client, name);
      return name;
    },
    stop,
  };
}

/** dynalite (a DynamoDB protocol implementation from npm), in this process. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const { client, stop } = await startDynaliteServer();
  return withTables(client, stop);
}

/** A DynamoDB endpoint already running (moto's): tables are created on it. */
export async function dynamoDbAt(endpoint: string): Promise<LocalDynamoDb> {
  const client = new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
  return withTables(client, async () => client.destroy());
}
