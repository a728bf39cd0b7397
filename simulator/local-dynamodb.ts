/**
 * A DynamoDB for the simulator's finding state: dynalite (a DynamoDB protocol implementation in
 * JavaScript, in memory) on a loopback port, so the handlers' state module runs unchanged,
 * condition expressions and all. Nothing leaves the machine.
 */
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { localStateTableInput } from '../core/state-table';
import { OFFLINE_CREDENTIALS } from './offline-aws';

// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly stop: () => Promise<void>;
}

/** dynalite on 127.0.0.1 (a free port), tables created at once: a client for it, and a way to stop it. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()));
  const { port } = server.address() as AddressInfo;
  const client = new DynamoDBClient({ endpoint: `http://127.0.0.1:${port}`, region: 'us-east-1', credentials: OFFLINE_CREDENTIALS, maxAttempts: 1 });
  return {
    client,
    stop: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        server.close(() => resolve());
      }),
  };
}

/** dynalite with one state table of the given name. */
export async function startLocalDynamoDb(tableName: string): Promise<LocalDynamoDb> {
  const local = await startDynalite();
  await local.client.send(new CreateTableCommand(localStateTableInput(tableName)));
  return local;
}
