import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { AddressInfo } from 'node:net';
import { localStateTableInput } from '../../lib/state-table';

// dynalite has no type declarations: a DynamoDB protocol implementation in JavaScript (memory-level).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => import('node:http').Server;

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  /** A fresh state table (its own name), created and ready. */
  readonly newTable: () => Promise<string>;
  readonly stop: () => Promise<void>;
}

let tables = 0;

function localClient(endpoint: string): DynamoDBClient {
  return new DynamoDBClient({ endpoint, region: 'us-east-1', credentials: { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' }, maxAttempts: 1 });
}

async function withTables(client: DynamoDBClient, stop: () => Promise<void>): Promise<LocalDynamoDb> {
  return {
    client,
    newTable: async () => {
      const name = `finding-state-${++tables}`;
      await client.send(new CreateTableCommand(localStateTableInput(name)));
      return name;
    },
    stop,
  };
}

/** dynalite on a free port of 127.0.0.1, tables created at once. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  return withTables(localClient(`http://127.0.0.1:${port}`), () => new Promise((resolve) => server.close(() => resolve())));
}

/** A DynamoDB endpoint already running (moto's): tables are created on it. */
export function dynamoDbAt(endpoint: string): Promise<LocalDynamoDb> {
  return withTables(localClient(endpoint), async () => undefined);
}
