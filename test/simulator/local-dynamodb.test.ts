/**
 * The simulator's local DynamoDB (simulator/local-dynamodb.ts): dynalite in this process, its
 * items stored as strings rather than pooled Buffers.
 */
import { GetItemCommand, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import * as path from 'node:path';
import { startLocalDynamoDb } from '../../simulator/local-dynamodb';

describe('Local DynamoDB', () => {
  it('gives dynalite a store that keeps strings, not slices of pooled Buffers', () => {
    // Loaded by the import above: the copy of memory-level that dynalite itself resolves.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { MemoryLevel } = require(require.resolve('memory-level', { paths: [path.dirname(require.resolve('dynalite'))] }));
    // What a store supports follows its store encoding: a Buffer store also lists buffer, view, hex and base64.
    const { encodings } = new MemoryLevel({ valueEncoding: 'json' }).supports;
    expect(encodings.utf8).toBe(true);
    expect(encodings.buffer).toBeUndefined();
  });

  it('keeps any text and binary values exactly through the string store', async () => {
    const db = await startLocalDynamoDb('local-state');
    try {
      const values = ['plain', 'accents: é ü ñ', 'astral: 🛡️ 𝔘', 'controls: \u0000 \u001b[31m', 'separators: | # /'];
      for (const [i, text] of values.entries()) {
        await db.client.send(new PutItemCommand({ TableName: 'local-state', Item: { pk: { S: `${text}#${i}` }, text: { S: text }, bytes: { B: Uint8Array.from([0, 255, 128, i]) } } }));
      }
      for (const [i, text] of values.entries()) {
        const { Item } = await db.client.send(new GetItemCommand({ TableName: 'local-state', Key: { pk: { S: `${text}#${i}` } } }));
        expect(Item?.text?.S).toBe(text);
        expect([...(Item?.bytes?.B ?? [])]).toEqual([0, 255, 128, i]);
      }
      expect((await db.client.send(new ScanCommand({ TableName: 'local-state' }))).Count).toBe(values.length);
    } finally {
      await db.stop();
    }
  });
});
