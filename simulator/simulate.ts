/**
 * The simulator's core: routes an event through the rules of the synthesized template, runs each
 * receiving playbook's handler (the code Lambda runs) against offline AWS clients, and reports
 * the playbooks, the AWS calls and the alerts. Nothing leaves the machine.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { GuardDutyClient } from '@aws-sdk/client-guardduty';
import { type AttributeValue, type DynamoDBClient, PutItemCommand, ScanCommand } from '@aws-sdk/client-dynamodb';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import { HANDLER_FACTORIES } from '../lambdas/registry';
import type { LambdaHandler } from '../lambdas/shared/handler-shell';
import { Environment, realertHoursOf, settingsFromEnvironment, stormOptionsOf } from '../lambdas/shared/environment';
import { dynamoDeliveryLog } from '../lambdas/shared/delivery-log';
import { dynamoFindingState } from '../lambdas/shared/finding-state';
import { dynamoInstanceLocks } from '../lambdas/shared/instance-lock';
import { dynamoStormControl, dynamoStormDigest } from '../lambdas/shared/storm';
import { createDigestHandler } from '../lambdas/digest/digest';
import type { AwsCredentials } from '../lambdas/shared/remediation';
import { remediationSettingsFromEnvironment } from '../lambdas/shared/remediation-environment';
import { guardDutyVerifier } from '../lambdas/shared/verify';
import { REGION_NAME } from '../core/aws-names';
import { PlaybookId, isPlaybookId, isRemediation, locksInstances, playbookById } from '../core/catalog';
import { NOTIFY_TIMEOUT_SECONDS, REMEDIATION_TIMEOUT_SECONDS } from '../core/timing';
import { HANDLER_ENV, STORM_DIGEST_ID } from '../core/contract';
import { decodeSettings } from '../core/settings';
import { TemplateRule, routeEvent, rulesFromTemplate } from './template-router';
import { Ec2World } from './ec2-world';
import { LocalDynamoDb, startLocalDynamoDb } from './local-dynamodb';
import { AwsCall, OFFLINE_CREDENTIALS, answerOffline } from './offline-aws';

export interface SimulatedAlert {
  readonly subject: string;
  readonly email: string;
  readonly sms: string;
  /** The chat card (the `https` body): what a Slack or Teams channel shows; null when the alert has none. */
  readonly chat: unknown;
  readonly attributes: Readonly<Record<string, string | number>>;
}

/** One event's outcome; the shape of a `--json` line. */
export interface EventResult {
  readonly file: string;
  readonly eventId: string | null;
  /** The finding type, or the CloudTrail eventName. */
  readonly findingType: string | null;
  readonly playbooks: PlaybookId[];
  /** Every AWS call the handlers made, except the alert's own Publish (shown under `alerts`). */
  readonly actions: AwsCall[];
  readonly alerts: SimulatedAlert[];
  /** Why a playbook that received the event alerted nobody (a repeat of an alerted finding, a duplicate, a claim). */
  readonly suppressed: string[];
  readonly errors: string[];
}

type Template = Parameters<typeof rulesFromTemplate>[0];

/** The state file: the table's items as DynamoDB writes them (attribute values), one list. */
interface StateFile {
  readonly guardDutyResponseState: 1;
  readonly items: Record<string, AttributeValue>[];
}

export class StateFileError extends Error {
  constructor(file: string, problem: string) {
    super(`state file ${file}: ${problem}`);
    this.name = 'StateFileError';
  }
}

async function loadState(client: DynamoDBClient, table: string, file: string): Promise<void> {
  let document: StateFile;
  try {
    document = JSON.parse(readFileSync(file, 'utf8')) as StateFile;
  } catch (error) {
    throw new StateFileError(file, `could not be read as JSON (${error instanceof Error ? error.message : String(error)})`);
  }
  if (document?.guardDutyResponseState !== 1 || !Array.isArray(document.items)) throw new StateFileError(file, 'is not a state file this simulator wrote (no guardDutyResponseState: 1 and items)');
  for (const item of document.items) await client.send(new PutItemCommand({ TableName: table, Item: item }));
}

async function saveState(client: DynamoDBClient, table: string, file: string): Promise<void> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const page = await client.send(new ScanCommand({ TableName: table, ConsistentRead: true, ExclusiveStartKey: start }));
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  const document: StateFile = { guardDutyResponseState: 1, items };
  writeFileSync(file, `${JSON.stringify(document, null, 1)}\n`);
}

/** The finding-state table of a simulation. */
const STATE_TABLE_NAME = 'guardduty-response-simulator-state';

/** What the delivery being run collects: its result, and the AWS calls its handler made. */
interface DeliveryOutput {
  readonly result: EventResult;
  readonly calls: AwsCall[];
}

/**
 * A silent logger that keeps what the handler shell logs when a playbook alerts nobody
 * ("no alert", with the reason): the simulator shows it as `suppressed` in the current delivery.
 */
function suppressionLogger(current: () => DeliveryOutput): Logger {
  const logger = new Logger({ serviceName: 'guardduty-response-simulator', logLevel: 'SILENT' });
  const info = logger.info.bind(logger);
  logger.info = ((message: unknown, ...rest: unknown[]) => {
    if (message === 'no alert') current().result.suppressed.push(String((rest[0] as { reason?: unknown } | undefined)?.reason ?? 'no reason given'));
    return (info as (...args: unknown[]) => void)(message, ...rest);
  }) as Logger['info'];
  return logger;
}

/** The detector GuardDuty's ListDetectors answers offline. */
const OFFLINE_DETECTOR_ID = '0ff11e0000000000000000000000000d';

/** Used when an event carries no account or region of its own. */
const FALLBACK_ACCOUNT = '111122223333';
const FALLBACK_REGION = 'us-east-1';

export interface SimulatorOptions {
  /**
   * The Regions whose events reach the main stack (`regions` and the home Region); an event of
   * another Region is reported as not forwarded, and nothing runs.
   * @default - every Region (one deployment per Region, as without `regions`)
   */
  readonly coveredRegions?: readonly string[];
  /**
   * The clock remediations stamp their tags with.
   * @default - the wall clock
   */
  readonly now?: () => Date;
  /**
   * Whether GuardDuty knows each replayed finding (so remediations verify it and act); false
   * shows what a forged event gets: nothing changed, a [NOT VERIFIED] alert.
   * @default true
   */
  readonly guardDutyKnowsReplayedFindings?: boolean;
  /**
   * The Nth mutating EC2 or Auto Scaling call of the run fails (InternalError), as a timeout or an
   * outage would: replay the same event to watch the remediation resume.
   * @default - no call fails
   */
  readonly failAfter?: number;
  /**
   * A file that keeps the finding state between runs (read at the start when it exists, written
   * at the end): a second run sees what the first one alerted, held or locked.
   * @default - the state lives for the run only
   */
  readonly stateFile?: string;
}

export class Simulator {
  private readonly rules: TemplateRule[];

  /** The finding state of the run, in dynalite (a DynamoDB implementation) in this process; started on first use. */
  private state?: LocalDynamoDb;

  /** A DynamoDB client with the run's state table, created on first use. */
  private async stateTable(): Promise<DynamoDBClient> {
    if (!this.state) {
      const state = await startLocalDynamoDb(STATE_TABLE_NAME);
      try {
        if (this.stateFile && existsSync(this.stateFile)) await loadState(state.client, STATE_TABLE_NAME, this.stateFile);
      } catch (error) {
        // Nothing may keep the process alive after a bad state file: stop the local DynamoDB first.
        await state.stop();
        throw error;
      }
      this.state = state;
    }
    return this.state.client;
  }

  /** Starts the run's local DynamoDB now (and reads the state file): otherwise it starts on first use. */
  async open(): Promise<void> {
    await this.stateTable();
  }

  /** Stops the run's local DynamoDB, first writing its items to the state file when there is one. */
  async close(): Promise<void> {
    if (this.state && this.stateFile) await saveState(this.state.client, STATE_TABLE_NAME, this.stateFile);
    await this.state?.stop();
    this.state = undefined;
    // Their state clients went with it.
    this.handlers.clear();
  }

  /** What GuardDuty's GetFindings answers offline, by `<region>/<finding id>`. */
  private readonly knownFindings = new Map<string, Record<string, unknown>>();

  private readonly now: () => Date;
  private readonly guardDutyKnowsReplayedFindings: boolean;
  private readonly failAfter?: number;
  private readonly coveredRegions?: readonly string[];
  private readonly stateFile?: string;
  /** Mutating EC2 and Auto Scaling calls answered so far in this run (for failAfter). */
  private mutatingCalls = 0;

  constructor(
    private readonly template: Template,
    private readonly world: Ec2World,
    options: SimulatorOptions = {},
  ) {
    this.now = options.now ?? (() => new Date());
    this.guardDutyKnowsReplayedFindings = options.guardDutyKnowsReplayedFindings ?? true;
    this.failAfter = options.failAfter;
    this.coveredRegions = options.coveredRegions;
    this.stateFile = options.stateFile;
    this.rules = rulesFromTemplate(template);
  }

  /** The finding as GetFindings returns it (the API's PascalCase shape), for the fields remediations compare. */
  private remember(detail: Record<string, unknown>): void {
    const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
    const resource = (detail.resource ?? {}) as { instanceDetails?: { instanceId?: unknown }; resourceType?: unknown };
    const service = (detail.service ?? {}) as { archived?: unknown };
    const id = text(detail.id);
    const region = text(detail.region);
    if (!id || !region) return;
    this.knownFindings.set(`${region}/${id}`, {
      Id: id,
      AccountId: text(detail.accountId),
      Region: region,
      Type: text(detail.type),
      Resource: { ResourceType: text(resource.resourceType), InstanceDetails: { InstanceId: text(resource.instanceDetails?.instanceId) } },
      Service: { Archived: service.archived === true },
    });
  }

  /** The playbooks with a rule in the template, in catalog order. */
  get enabledPlaybooks(): PlaybookId[] {
    return [...new Set(this.rules.map((r) => r.key).filter(isPlaybookId))];
  }

  /** Runs one event through the rules and handlers of the template; one event at a time. */
  run(file: string, event: unknown): Promise<EventResult> {
    return this.exclusively(() => this.runEvent(file, event));
  }

  /**
   * One event (or digest) at a time, as the CLI runs them: a handler's calls and alerts are filed
   * under the delivery being run, so a second run started meanwhile is refused, never mixed in.
   */
  private busy = false;

  private async exclusively<T>(body: () => Promise<T>): Promise<T> {
    if (this.busy) throw new Error('the simulator runs one event at a time: await run() or digest() before starting another');
    this.busy = true;
    try {
      return await body();
    } finally {
      this.busy = false;
    }
  }

  private async runEvent(file: string, event: unknown): Promise<EventResult> {
    const envelope = (typeof event === 'object' && event !== null ? event : {}) as Record<string, unknown>;
    const detail = (typeof envelope.detail === 'object' && envelope.detail !== null ? envelope.detail : {}) as Record<string, unknown>;
    if (this.guardDutyKnowsReplayedFindings) this.remember(detail);
    const result: EventResult = {
      file,
      eventId: typeof envelope.id === 'string' ? envelope.id : null,
      findingType: typeof detail.type === 'string' ? detail.type : typeof detail.eventName === 'string' ? detail.eventName : null,
      playbooks: [],
      actions: [],
      alerts: [],
      suppressed: [],
      errors: [],
    };
    // The topic lives in the account and region where EventBridge delivered the event.
    const account = typeof envelope.account === 'string' ? envelope.account : FALLBACK_ACCOUNT;
    const region = typeof envelope.region === 'string' ? envelope.region : FALLBACK_REGION;
    // EventBridge always sets the region of the bus: an event without one could never be delivered.
    // (The account is not checked here: public sample events carry redacted ones, and remediations
    // check the finding's account at their own door.)
    if (!REGION_NAME.test(region)) {
      result.errors.push(`could not process: the event's region ${JSON.stringify(region.slice(0, 40))} is not an AWS region name`);
      return result;
    }
    if (this.coveredRegions && !this.coveredRegions.includes(region)) {
      result.suppressed.push(`not forwarded by this configuration: the event's Region ${region} is neither the home Region nor listed in 'regions' (${this.coveredRegions.join(', ')})`);
      return result;
    }
    for (const delivery of routeEvent(this.template, this.rules, event)) {
      const playbookId = this.playbookOf(delivery.functionId);
      const handler = await this.handlerOf(delivery.functionId, playbookId, account, region);
      result.playbooks.push(playbookId);
      const calls: AwsCall[] = [];
      try {
        await this.deliver({ result, calls }, () => handler(structuredClone(event)));
      } catch (error) {
        result.errors.push(`${playbookId}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
      }
      result.actions.push(...calls.filter((c) => !(c.service === 'sns' && c.operation === 'Publish')));
    }
    return result;
  }

  /**
   * The delivery being run: its handler's calls and alerts go to it.
   *
   * A field, not AsyncLocalStorage (runs are exclusive, so there is one at a time): on Node 20 and
   * 22 an enabled AsyncLocalStorage runs a hook at the creation of every promise of the process,
   * and one never disabled keeps doing so in every later test file of a jest worker. Measured
   * 2026-12-02 on this 2-core machine: 2.1 s of the test suite's CPU in that hook, and a fifth of
   * the simulator's time per event (224-228 events/s with it, 269-284 without).
   */
  private delivery?: DeliveryOutput;

  private async deliver(output: DeliveryOutput, invoke: () => Promise<unknown>): Promise<void> {
    this.delivery = output;
    try {
      await invoke();
    } finally {
      this.delivery = undefined;
    }
  }

  private current(): DeliveryOutput {
    if (!this.delivery) throw new Error('an offline AWS call outside a delivery');
    return this.delivery;
  }

  /** Offline clients by service, account, Region and credentials: built once, as a warm Lambda container keeps its clients. */
  private readonly clients = new Map<string, unknown>();

  private offline<C extends { middlewareStack: unknown }>(make: () => C, service: string, account: string, region: string, credentialsKey = ''): C {
    const key = `${service}|${account}|${region}|${credentialsKey}`;
    let client = this.clients.get(key) as C | undefined;
    if (!client) {
      client = answerOffline(make() as never, { service, account, region }, (call) => this.answer(call, this.current().result), (call) => this.current().calls.push(call)) as C;
      this.clients.set(key, client);
    }
    return client;
  }

  /**
   * Each function's handler, built once per account and Region the events arrive in and reused
   * for every delivery, as Lambda reuses a warm container: the clients, the logger and the
   * decoded settings are not rebuilt per event.
   */
  private readonly handlers = new Map<string, LambdaHandler>();

  private async handlerOf(functionId: string, playbookId: PlaybookId, account: string, region: string): Promise<LambdaHandler> {
    const key = `${functionId}|${account}|${region}`;
    const built = this.handlers.get(key);
    if (built) return built;
    const playbook = playbookById(playbookId);
    const env = this.environmentOf(functionId, account, region);
    // Every function of the stack is given the state table.
    const state = await this.stateTable();
    // A client in the finding's account: the function's own, or the member's through the credentials STS gave.
    const acting =
      <C extends { middlewareStack: unknown }>(make: (config: { region: string; credentials: AwsCredentials }) => C, service: string) =>
      (callRegion: string, credentials?: AwsCredentials): C =>
        this.offline(() => make({ region: callRegion, credentials: credentials ?? OFFLINE_CREDENTIALS }), service, accountOf(credentials) ?? account, callRegion, credentials?.accessKeyId);
    const handler = HANDLER_FACTORIES[playbook.handler]({
      ...settingsFromEnvironment(env),
      sns: this.offline(() => new SNSClient({ region, credentials: OFFLINE_CREDENTIALS }), 'sns', account, region),
      logger: suppressionLogger(() => this.current()),
      ...(env[HANDLER_ENV.realertHours] !== undefined && { findingState: dynamoFindingState(state, STATE_TABLE_NAME, { realertHours: realertHoursOf(env) }) }),
      ...(env[HANDLER_ENV.stateTable] !== undefined && env[HANDLER_ENV.realertHours] === undefined && { deliveryLog: dynamoDeliveryLog(state, STATE_TABLE_NAME, NOTIFY_TIMEOUT_SECONDS, this.now) }),
      ...(env[HANDLER_ENV.stormThreshold] !== undefined && { stormControl: dynamoStormControl(state, STATE_TABLE_NAME, stormOptionsOf(env)) }),
      ...(locksInstances(playbook.handler) && { instanceLocks: dynamoInstanceLocks(state, STATE_TABLE_NAME, REMEDIATION_TIMEOUT_SECONDS + 60, this.now) }),
      // Read only by remediation handlers; the notify and tamper handlers never touch these.
      // Notification handlers read no remediation settings: they decode none.
      settings: isRemediation(playbook) ? remediationSettingsFromEnvironment(env) : decodeSettings([], env),
      ec2Client: acting((config) => new EC2Client(config), 'ec2'),
      autoScalingClient: acting((config) => new AutoScalingClient(config), 'autoscaling'),
      stsClient: () => this.offline(() => new STSClient({ region, credentials: OFFLINE_CREDENTIALS }), 'sts', account, region),
      verifyFinding: guardDutyVerifier((callRegion) => this.offline(() => new GuardDutyClient({ region: callRegion, credentials: OFFLINE_CREDENTIALS }), 'guardduty', account, callRegion)),
      now: this.now,
    });
    this.handlers.set(key, handler);
    return handler;
  }

  /**
   * The storm digest, as its schedule would run it after the events: one message per window of
   * findings storm control held back (none when nothing was held).
   */
  digest(): Promise<EventResult> {
    return this.exclusively(() => this.runDigest());
  }

  private async runDigest(): Promise<EventResult> {
    const result: EventResult = { file: '(storm digest)', eventId: null, findingType: null, playbooks: [], actions: [], alerts: [], suppressed: [], errors: [] };
    if (!this.state) return result;
    const digestFunction = Object.entries(this.template.Resources ?? {}).find(([, r]) => (r as { Type?: string }).Type === 'AWS::Lambda::Function' && this.playbookOfRaw(r) === STORM_DIGEST_ID);
    if (!digestFunction) return result;
    const region = FALLBACK_REGION;
    const account = FALLBACK_ACCOUNT;
    const handler = createDigestHandler({
      ...settingsFromEnvironment(this.environmentOf(digestFunction[0], account, region)),
      sns: this.offline(() => new SNSClient({ region, credentials: OFFLINE_CREDENTIALS }), 'sns', account, region),
      logger: suppressionLogger(() => this.current()),
      stormDigest: dynamoStormDigest(this.state.client, STATE_TABLE_NAME),
    });
    try {
      await this.deliver({ result, calls: [] }, () => handler({ source: 'aws.events', 'detail-type': 'Scheduled Event' }));
    } catch (error) {
      result.errors.push(`${STORM_DIGEST_ID}: ${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}`);
    }
    return result;
  }

  private playbookOfRaw(resource: unknown): string | undefined {
    return (resource as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } }).Properties?.Environment?.Variables?.[HANDLER_ENV.playbookId] as string | undefined;
  }

  private answer(call: AwsCall, result: EventResult): Record<string, unknown> {
    if (call.service === 'sns' && call.operation === 'Publish') {
      result.alerts.push(alertOf(call.params));
      return { MessageId: `offline-${result.alerts.length}` };
    }
    if ((call.service === 'ec2' || call.service === 'autoscaling') && !/^(Describe|List|Get)/.test(call.operation) && ++this.mutatingCalls === this.failAfter) {
      throw Object.assign(new Error(`injected by --fail-after ${this.failAfter}: call ${this.mutatingCalls} of the run fails`), { name: 'InternalError', $fault: 'server' });
    }
    if (call.service === 'ec2') return this.world.call(call.operation, call.params);
    if (call.service === 'autoscaling') return this.world.callAutoScaling(call.operation, call.params);
    if (call.service === 'guardduty' && call.operation === 'ListDetectors') return { DetectorIds: [OFFLINE_DETECTOR_ID] };
    if (call.service === 'guardduty' && call.operation === 'GetFindings') {
      const ids = (call.params.FindingIds as string[] | undefined) ?? [];
      return { Findings: ids.map((id) => this.knownFindings.get(`${call.region}/${id}`)).filter((f) => f !== undefined) };
    }
    if (call.service === 'sts' && call.operation === 'AssumeRole') {
      // Offline credentials that name the account, so the calls made with them show where they go.
      const account = /^arn:[\w-]+:iam::(\d{12}):role\//.exec(String(call.params.RoleArn))?.[1] ?? 'unknown';
      return { Credentials: { AccessKeyId: `${OFFLINE_ACCESS_KEY_PREFIX}${account}`, SecretAccessKey: 'OFFLINE', SessionToken: 'OFFLINE', Expiration: new Date(Date.now() + 900_000) } };
    }
    throw new Error(`the simulator does not answer ${call.service}:${call.operation}`);
  }

  /**
   * The function's environment as the template sets it, so that handlers run with the deployed
   * settings (dry run, exclusion tag, deferred claims...). Values CloudFormation resolves at
   * deploy time stand for this simulation: the topic, the account the event arrived in.
   */
  private environmentOf(functionId: string, account: string, region: string): Environment {
    const resource = (this.template.Resources ?? {})[functionId] as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } } | undefined;
    const variables = resource?.Properties?.Environment?.Variables ?? {};
    const resolved: Record<string, string> = {
      [HANDLER_ENV.topicArn]: `arn:aws:sns:${region}:${account}:GuardDutyResponse-Alerts`,
      [HANDLER_ENV.securityAccountId]: account,
      [HANDLER_ENV.ownRoleArns]: '',
      [HANDLER_ENV.stateTable]: STATE_TABLE_NAME,
    };
    return Object.fromEntries(Object.entries(variables).map(([name, value]) => [name, typeof value === 'string' ? value : resolved[name]]));
  }

  /** The playbook a function serves, read from the function's environment in the template. */
  private playbookOf(functionId: string): PlaybookId {
    const resource = (this.template.Resources ?? {})[functionId] as { Properties?: { Environment?: { Variables?: Record<string, unknown> } } } | undefined;
    const id = resource?.Properties?.Environment?.Variables?.[HANDLER_ENV.playbookId];
    if (typeof id !== 'string' || !isPlaybookId(id)) throw new Error(`function ${functionId} has no known ${HANDLER_ENV.playbookId} in the template`);
    return id;
  }
}

const OFFLINE_ACCESS_KEY_PREFIX = 'OFFLINE-';

function accountOf(credentials: AwsCredentials | undefined): string | undefined {
  return credentials?.accessKeyId.startsWith(OFFLINE_ACCESS_KEY_PREFIX) ? credentials.accessKeyId.slice(OFFLINE_ACCESS_KEY_PREFIX.length) : undefined;
}

/** The alert as subscribers receive it, from the Publish input. */
function alertOf(params: Readonly<Record<string, unknown>>): SimulatedAlert {
  const message = String(params.Message ?? '');
  const bodies = params.MessageStructure === 'json' ? (JSON.parse(message) as Record<string, string>) : { default: message };
  const attributes = Object.fromEntries(
    Object.entries((params.MessageAttributes ?? {}) as Record<string, { DataType: string; StringValue: string }>).map(([name, value]) => [
      name,
      value.DataType === 'Number' ? Number(value.StringValue) : value.StringValue,
    ]),
  );
  return {
    subject: String(params.Subject ?? ''),
    email: bodies.email ?? bodies.default ?? '',
    sms: bodies.sms ?? bodies.default ?? '',
    chat: bodies.https === undefined ? null : JSON.parse(bodies.https),
    attributes,
  };
}
