/**
 * Warm cost of every handler, as Lambda pays it in a container that is already up: the handler
 * with its real SDK clients, every call going through the whole client stack (serialize, sign,
 * retry, deserialize) and answered directly by its request handler, without network and without
 * aws-sdk-client-mock (which replaces `send` and costs several times the handler's own work).
 *
 * The answers are real: one invocation of each handler is first run against moto and every HTTP
 * answer recorded; the timed invocations replay them in order (a call out of order fails the
 * bench), so each one does the whole work again (an isolation isolates, it never finds "already
 * isolated"). The reference, in the same rounds, is one SNS Publish through the same kind of
 * client: the floor of any handler, which publishes one alert. Figures are ratios to it.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { createIsolateHandler } from '../lambdas/isolate/isolate';
import { createNotifyHandler } from '../lambdas/notify/notify';
import { createRevokeSshHandler } from '../lambdas/revoke-ssh/revoke-ssh';
import type { HandlerDependencies, LambdaHandler } from '../lambdas/shared/handler-shell';
import type { RemediationDependencies } from '../lambdas/shared/remediation';
import { createTamperHandler } from '../lambdas/tamper/tamper';
import { repositoryEvent } from '../test/support/corpus';
import { MOTO_CREDENTIALS, MOTO_NOW, MOTO_REGION, buildMotoWorld, createAlertTopic, findingAbout, startMoto } from '../test/support/moto';
import { testSettings } from '../test/support/dependencies';
import { median, percentile } from './stats';

interface HttpRequestLike {
  readonly headers: Record<string, string>;
  readonly body?: unknown;
  readonly path: string;
}
interface Recorded {
  readonly operation: string;
  readonly statusCode: number;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
}
interface RequestHandlerLike {
  handle(request: HttpRequestLike, options?: unknown): Promise<{ response: { statusCode: number; headers: Record<string, string>; body: unknown } }>;
}

/** The operation of a request: the Query protocols' Action, the JSON protocols' target, else the path. */
function operationOf(request: HttpRequestLike): string {
  if (typeof request.body === 'string') {
    const action = new URLSearchParams(request.body).get('Action');
    if (action) return action;
  }
  return request.headers['x-amz-target'] ?? request.path;
}

async function bytesOf(body: unknown): Promise<Uint8Array> {
  if (body instanceof Uint8Array) return body;
  const chunks: Buffer[] = [];
  for await (const chunk of body as AsyncIterable<Buffer>) chunks.push(Buffer.from(chunk));
  return Buffer.concat(chunks);
}

/**
 * A request handler that records (through the SDK's own HTTP handler) or replays the answers of
 * one invocation, in order. `rewind()` starts the next invocation's replay.
 */
class Tape implements RequestHandlerLike {
  private readonly answers: Recorded[] = [];
  private next = 0;
  private recording = true;

  constructor(private readonly http: RequestHandlerLike) {}

  async handle(request: HttpRequestLike, options?: unknown) {
    const operation = operationOf(request);
    if (this.recording) {
      const { response } = await this.http.handle(request, options);
      const body = await bytesOf(response.body);
      this.answers.push({ operation, statusCode: response.statusCode, headers: response.headers, body });
      return { response: { statusCode: response.statusCode, headers: response.headers, body } };
    }
    const answer = this.answers[this.next++];
    if (!answer || answer.operation !== operation) throw new Error(`warm bench: replay expected ${answer?.operation ?? 'no call'}, the handler called ${operation}`);
    return { response: { statusCode: answer.statusCode, headers: answer.headers, body: answer.body } };
  }

  replay(): void {
    this.recording = false;
    this.next = 0;
  }

  rewind(): void {
    if (this.next !== this.answers.length) throw new Error(`warm bench: the handler made ${this.next} of the ${this.answers.length} recorded calls`);
    this.next = 0;
  }
}

interface Subject {
  readonly name: string;
  readonly tape: Tape;
  readonly invoke: () => Promise<void>;
}

/** The SDK's default HTTP handler, taken from a client (it is what the clients would use). */
const sdkHttpHandler = () => new SNSClient({ region: MOTO_REGION }).config.requestHandler as unknown as RequestHandlerLike;

async function subjects(moto: string): Promise<Subject[]> {
  const topicArn = await createAlertTopic(moto);
  const world = await buildMotoWorld(moto);
  const client = (tape: Tape) => ({ region: MOTO_REGION, endpoint: moto, credentials: MOTO_CREDENTIALS, maxAttempts: 1, requestHandler: tape });
  const common = (tape: Tape, playbookId: string): HandlerDependencies => ({
    sns: new SNSClient(client(tape)),
    topicArn,
    playbookId,
    logger: new Logger({ logLevel: 'SILENT' }),
    ownRoleArns: [],
    deferredClaims: [],
  });
  const remediation = (tape: Tape, playbookId: string): RemediationDependencies => {
    const ec2 = new EC2Client(client(tape));
    const autoScaling = new AutoScalingClient(client(tape));
    return {
      ...common(tape, playbookId),
      settings: testSettings({ securityAccountId: '123456789012', isolateSnapshots: true }),
      ec2Client: () => ec2,
      autoScalingClient: () => autoScaling,
      stsClient: () => new STSClient(client(tape)),
      // moto has no GuardDuty GetFindings (test/support/moto.ts): answered here.
      verifyFinding: async () => ({ verified: true }),
      now: () => MOTO_NOW,
    };
  };
  const made: Subject[] = [];
  const add = (name: string, build: (tape: Tape) => LambdaHandler, input: unknown) => {
    const tape = new Tape(sdkHttpHandler());
    const handler = build(tape);
    made.push({ name, tape, invoke: () => handler(structuredClone(input)) });
  };
  const reference = new Tape(sdkHttpHandler());
  const sns = new SNSClient(client(reference));
  made.push({ name: 'reference: one SNS Publish', tape: reference, invoke: async () => void (await sns.send(new PublishCommand({ TopicArn: topicArn, Message: 'bench', Subject: 'bench' }))) });
  add('notify', (tape) => createNotifyHandler(common(tape, 'ec2-spambot')), repositoryEvent('examples/events/ec2-spambot.json'));
  add('tamper', (tape) => createTamperHandler(common(tape, 'guardduty-config-change')), repositoryEvent('examples/events/guardduty-config-change.json'));
  add('revoke-ssh', (tape) => createRevokeSshHandler(remediation(tape, 'revoke-ssh-ingress')), findingAbout(world, 'examples/events/revoke-ssh-ingress.json'));
  add('isolate', (tape) => createIsolateHandler(remediation(tape, 'isolate-instance')), findingAbout(world, 'test/fixtures/findings/c2-high.json'));
  // Record: each subject once against moto, before anything changes what the next one sees.
  for (const subject of made) {
    await subject.invoke();
    subject.tape.replay();
  }
  return made;
}

export interface WarmResult {
  readonly name: string;
  readonly medianUs: number;
  readonly p99Us: number;
  /** Median per-round ratio to the reference's median of the same round. */
  readonly ratio: number;
  readonly calls: number;
}

/** `invocations` per subject, in `rounds` interleaved rounds. */
export async function warmCosts(invocations = 10_000, rounds = 20): Promise<WarmResult[]> {
  const moto = await startMoto();
  try {
    const all = await subjects(moto.endpoint);
    const samples = new Map(all.map((s) => [s.name, [] as number[]]));
    const ratios = new Map(all.map((s) => [s.name, [] as number[]]));
    const per = Math.ceil(invocations / rounds);
    for (let round = 0; round < rounds; round++) {
      const roundMedians = new Map<string, number>();
      for (const subject of all) {
        const times: number[] = [];
        for (let i = 0; i < per; i++) {
          const start = process.hrtime.bigint();
          await subject.invoke();
          times.push(Number(process.hrtime.bigint() - start) / 1e3);
          subject.tape.rewind();
        }
        samples.get(subject.name)!.push(...times);
        roundMedians.set(subject.name, median(times));
      }
      const reference = roundMedians.get(all[0].name)!;
      for (const subject of all) ratios.get(subject.name)!.push(roundMedians.get(subject.name)! / reference);
    }
    return all.map((subject) => {
      const times = samples.get(subject.name)!;
      return {
        name: subject.name,
        medianUs: median(times),
        p99Us: percentile(times, 0.99),
        ratio: median(ratios.get(subject.name)!),
        calls: (subject.tape as unknown as { answers: unknown[] }).answers.length,
      };
    });
  } finally {
    await moto.stop();
  }
}

if (require.main === module) {
  void warmCosts(Number(process.argv[2] ?? 10_000)).then((results) => {
    for (const r of results) console.log(`${r.name.padEnd(28)} ${r.calls} calls  median ${r.medianUs.toFixed(0)} us  p99 ${r.p99Us.toFixed(0)} us  ${r.ratio.toFixed(1)}x one Publish`);
  });
}
