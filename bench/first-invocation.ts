/**
 * What Lambda bills for a cold container's first event: Init (importing the deployed asset) and
 * the first invocation's Duration, in one fresh Node process per subject, with the function's own
 * environment and its SDK clients sent to local endpoints (AWS_ENDPOINT_URL): moto for SNS,
 * DynamoDB, EC2, Auto Scaling and STS, and a small GuardDuty that knows the findings (moto has no
 * GetFindings). As a ratio to an empty ES module started the same way, in interleaved rounds;
 * each round starts from a fresh world, so every first invocation does the whole work.
 */
import { type Server, createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { type PlaybookId } from '../core/catalog';
import { localStateTableInput } from '../core/state-table';
import { repositoryEvent } from '../test/support/corpus';
import { MOTO_ACCOUNT, MOTO_CREDENTIALS, MOTO_REGION, buildMotoWorld, createAlertTopic, findingAbout, motoConfig, startMoto } from '../test/support/moto';
import { assetOf, emptyModule, functionEnv, node22, runMs } from './cold-start';
import { median } from './stats';

const TABLE = 'bench-first-invocation';

/** GuardDuty's ListDetectors and GetFindings (REST-JSON) over `findings`, by id. */
async function startGuardDuty(findings: Map<string, unknown>): Promise<{ endpoint: string; close: () => Promise<void> }> {
  const server: Server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      response.setHeader('content-type', 'application/json');
      if (request.method === 'GET' && request.url?.startsWith('/detector')) {
        response.end(JSON.stringify({ detectorIds: ['bench'] }));
        return;
      }
      const { findingIds = [] } = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as { findingIds?: string[] };
      response.end(JSON.stringify({ findings: findingIds.map((id) => findings.get(id)).filter(Boolean) }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { endpoint: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const SUBJECTS: readonly { handler: string; playbookId: PlaybookId; event: (world: Awaited<ReturnType<typeof buildMotoWorld>>) => Record<string, unknown> }[] = [
  { handler: 'notify', playbookId: 'ec2-spambot', event: () => repositoryEvent('examples/events/ec2-spambot.json') },
  { handler: 'tamper', playbookId: 'guardduty-config-change', event: () => repositoryEvent('examples/events/guardduty-config-change.json') },
  { handler: 'revoke-ssh', playbookId: 'revoke-ssh-ingress', event: (world) => findingAbout(world, 'examples/events/revoke-ssh-ingress.json') },
  { handler: 'isolate', playbookId: 'isolate-instance', event: (world) => findingAbout(world, 'test/fixtures/findings/c2-high.json', { instanceId: world.neighbourId }) },
];

export interface FirstInvocation {
  readonly name: string;
  readonly ratio: number;
  readonly medianMs: number;
}

export async function firstInvocations(rounds = 7): Promise<{ referenceMs: number; results: FirstInvocation[] }> {
  const node = node22();
  const reference = emptyModule();
  const assets = new Map(SUBJECTS.map((s) => [s.handler, path.join(assetOf(s.handler).dir, 'index.mjs')]));
  const moto = await startMoto();
  const findings = new Map<string, unknown>();
  const guardDuty = await startGuardDuty(findings);
  const times = new Map<string, number[]>([['reference', []], ...SUBJECTS.map((s) => [s.handler, []] as [string, number[]])]);
  const ratios = new Map<string, number[]>(SUBJECTS.map((s) => [s.handler, []]));
  try {
    for (let round = 0; round < rounds; round++) {
      await moto.reset();
      const topicArn = await createAlertTopic(moto.endpoint);
      await new DynamoDBClient(motoConfig(moto.endpoint)).send(new CreateTableCommand(localStateTableInput(TABLE)));
      const world = await buildMotoWorld(moto.endpoint);
      const base = await runMs(node.bin, reference);
      times.get('reference')!.push(base);
      for (const subject of SUBJECTS) {
        const input = subject.event(world);
        const detail = input.detail as { id: string };
        findings.set(detail.id, detail);
        const env = {
          ...functionEnv(subject.playbookId, MOTO_ACCOUNT),
          AWS_REGION: MOTO_REGION,
          AWS_ACCESS_KEY_ID: MOTO_CREDENTIALS.accessKeyId,
          AWS_SECRET_ACCESS_KEY: MOTO_CREDENTIALS.secretAccessKey,
          AWS_ENDPOINT_URL: moto.endpoint,
          AWS_ENDPOINT_URL_GUARDDUTY: guardDuty.endpoint,
          ALERT_TOPIC_ARN: topicArn,
          STATE_TABLE: TABLE,
          BENCH_EVENT: JSON.stringify(input),
        };
        const entry = assets.get(subject.handler)!;
        const script = `const { handler } = await import(${JSON.stringify(entry)}); await handler(JSON.parse(process.env.BENCH_EVENT), { getRemainingTimeInMillis: () => 900000, awsRequestId: 'bench-${round}' });`;
        const ms = await runMs(node.bin, { name: subject.handler, entry, env }, script);
        times.get(subject.handler)!.push(ms);
        ratios.get(subject.handler)!.push(ms / base);
      }
    }
  } finally {
    await guardDuty.close();
    await moto.stop();
  }
  return { referenceMs: median(times.get('reference')!), results: SUBJECTS.map((s) => ({ name: s.handler, ratio: median(ratios.get(s.handler)!), medianMs: median(times.get(s.handler)!) })) };
}

if (require.main === module) {
  void firstInvocations(Number(process.argv[2] ?? 7)).then(({ referenceMs, results }) => {
    console.log(`empty ES module ${referenceMs.toFixed(0)} ms`);
    for (const r of results) console.log(`${r.name.padEnd(12)} import + first invocation ${r.medianMs.toFixed(0)} ms = ${r.ratio.toFixed(2)}x`);
  });
}
