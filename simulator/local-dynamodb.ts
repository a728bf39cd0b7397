/**
 * A DynamoDB for the simulator's finding state (and the state tests): dynalite, a DynamoDB
 * protocol implementation in JavaScript, in memory. The handlers' state modules run unchanged over
 * a real SDK client: every request is serialized, signed and sent as DynamoDB's JSON protocol, and
 * dynalite parses, validates and answers it, condition expressions and all.
 *
 * The request goes to dynalite's HTTP request listener in this process instead of over a loopback
 * socket: the bytes and headers are the ones the socket would carry, without a port, a connection
 * pool or HTTP parsing. A GetItem or PutItem round trip took 350-510 us instead of 570-690 us over
 * loopback (2,000 of each, this 2-core machine, 2026-12-02). Nothing leaves the process.
 */
import { CreateTableCommand, DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import { localStateTableInput } from '../core/state-table';
import { OFFLINE_CREDENTIALS } from './offline-aws';

/*
 * dynalite keeps its items in memory-level, which stores every key and JSON value as a Buffer by
 * default. A small Buffer is a slice of an 8 KiB pool slab and keeps the whole slab alive: after
 * 10,000 simulated findings the process held 166 MB of ArrayBuffers for a few MB of items, and
 * encoding and decoding them was 6% of its CPU time. Stored as strings ('utf8', one of
 * memory-level's documented store encodings), nothing is pinned and nothing is transcoded; after
 * the change, 0.1 MB of ArrayBuffers. dynalite builds its MemoryLevel with no store option, so the
 * default is set here, on the copy dynalite resolves, before dynalite reads it.
 */
// eslint-disable-next-line @typescript-eslint/no-require-imports
const memoryLevel = require(require.resolve('memory-level', { paths: [path.dirname(require.resolve('dynalite'))] })) as {
  MemoryLevel: new (options?: Record<string, unknown>) => object;
};
const { MemoryLevel } = memoryLevel;
memoryLevel.MemoryLevel = class extends MemoryLevel {
  constructor(options?: Record<string, unknown>) {
    super({ storeEncoding: 'utf8', ...options });
  }
};
// dynalite ships no type declarations.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const dynalite = require('dynalite') as (options: Record<string, unknown>) => Server;

export interface LocalDynamoDb {
  readonly client: DynamoDBClient;
  readonly stop: () => Promise<void>;
}

/** The parts of the SDK's HttpRequest that a request listener reads. */
interface SdkHttpRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string | Uint8Array;
}

type RequestListener = (req: IncomingMessage, res: ServerResponse) => void;

const bytesOf = (body: string | Uint8Array | undefined): Buffer =>
  // The SDK's JSON body is a Uint8Array subclass that warns when read as a string: copy its bytes.
  typeof body === 'string' ? Buffer.from(body, 'utf8') : body ? Buffer.from(body.buffer, body.byteOffset, body.byteLength) : Buffer.alloc(0);

/**
 * An SDK request handler that hands each request to an HTTP request listener of this process: the
 * request as a readable stream with the headers a server would see (lower-case names), the answer
 * collected from the listener's `statusCode`, `setHeader` and `end`.
 */
function inProcessHandler(listener: RequestListener) {
  return {
    handle: (request: SdkHttpRequest) =>
      new Promise<{ response: { statusCode: number; headers: Record<string, string>; body: Uint8Array } }>((resolve) => {
        const req = Object.assign(Readable.from([bytesOf(request.body)]), {
          method: request.method,
          url: request.path,
          headers: Object.fromEntries(Object.entries(request.headers).map(([name, value]) => [name.toLowerCase(), value])),
        });
        const headers: Record<string, string> = {};
        const res = {
          statusCode: 200,
          setHeader: (name: string, value: unknown) => void (headers[name.toLowerCase()] = String(value)),
          end: (body?: string) => resolve({ response: { statusCode: res.statusCode, headers, body: Buffer.from(body ?? '', 'utf8') } }),
        };
        // A listener that throws rejects this promise (the executor's exception).
        listener(req as unknown as IncomingMessage, res as unknown as ServerResponse);
      }),
    destroy: () => undefined,
  };
}

/** dynalite in this process (a new table turns ACTIVE on a later turn of the event loop): a client for it, and a way to stop it. */
export async function startDynalite(): Promise<LocalDynamoDb> {
  const server = dynalite({ createTableMs: 0, deleteTableMs: 0, updateTableMs: 0 });
  const [listener] = server.listeners('request') as RequestListener[];
  const client = new DynamoDBClient({
    // Never contacted: the handler answers. A syntactically valid endpoint keeps the SDK from resolving DynamoDB's.
    endpoint: 'http://dynalite.invalid',
    region: 'us-east-1',
    credentials: OFFLINE_CREDENTIALS,
    maxAttempts: 1,
    requestHandler: inProcessHandler(listener),
  });
  return {
    client,
    stop: () =>
      new Promise<void>((resolve) => {
        client.destroy();
        // The server never listened: closing it closes dynalite's store.
        server.close(() => resolve());
      }),
  };
}

/**
 * Creates a state table and waits until it is ACTIVE, as a client of DynamoDB must: dynalite, like
 * DynamoDB, answers ResourceNotFoundException for a table still CREATING (even with createTableMs 0
 * the switch happens on a later turn of the event loop, after CreateTable has answered). Polled
 * every millisecond: the SDK's waiter sleeps at least a second between polls, which cost every
 * test that makes a table a second.
 */
export async function createStateTable(client: DynamoDBClient, tableName: string): Promise<void> {
  await client.send(new CreateTableCommand(localStateTableInput(tableName)));
  for (let polls = 0; polls < 1000; polls++) {
    const { Table } = await client.send(new DescribeTableCommand({ TableName: tableName }));
    if (Table?.TableStatus === 'ACTIVE') return;
    await new Promise((resolve) => setTimeout(resolve, 1));
  }
  throw new Error(`local DynamoDB: table ${tableName} is not ACTIVE after 1,000 polls`);
}

/** dynalite with one state table of the given name. */
export async function startLocalDynamoDb(tableName: string): Promise<LocalDynamoDb> {
  const local = await startDynalite();
  await createStateTable(local.client, tableName);
  return local;
}
