/**
 * moto (https://github.com/getmoto/moto), run as `moto_server` on this machine: an AWS that keeps
 * state, so the handlers can run end to end over real SDK clients and real HTTP, and the offline
 * world of the simulator can be compared with an independent model of EC2.
 *
 * One server per jest worker (started on a free port by the worker's first file that needs it,
 * stopped when the run ends: useMoto), and a fresh AWS account per test: the test's security
 * account, reached through STS AssumeRole (moto keeps each account's resources apart). Not POST /moto-api/reset: it re-creates every backend a test
 * touched, then drops them, 228 ms after a test here, against one AssumeRole of about 10 ms. A
 * missing moto_server fails the tests, it never skips them.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { AttachInstancesCommand, AutoScalingClient, CreateAutoScalingGroupCommand } from '@aws-sdk/client-auto-scaling';
import {
  AttachVolumeCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateLaunchTemplateCommand,
  CreateManagedPrefixListCommand,
  CreateNetworkInterfaceCommand,
  CreateSecurityGroupCommand,
  CreateSubnetCommand,
  CreateVolumeCommand,
  CreateVpcCommand,
  EC2Client,
  type IpPermission,
  RunInstancesCommand,
} from '@aws-sdk/client-ec2';
import { CreateTopicCommand, type PublishCommandInput, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { type Socket, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { AwsCredentials, RemediationDependencies, RemediationSettings } from '../../lambdas/shared/remediation';
import { testSettings } from './dependencies';
import { MOTO_PID_RECORD_PREFIX } from './global-setup';

/** The version the expectations (KNOWN_MOTO_GAPS...) were written against; CI installs it. */
export const MOTO_VERSION = '5.2.1';
const MOTO_INSTALL = `pip install 'moto[server]==${MOTO_VERSION}'`;
/** moto's default account: the account of every call made with credentials that STS did not issue. */
export const MOTO_ACCOUNT = '123456789012';
export const MOTO_REGION = 'us-east-1';
/** Any credentials do; fixed ones so that nothing on the machine (env, ~/.aws) is ever read. */
export const MOTO_CREDENTIALS: AwsCredentials = { accessKeyId: 'AKIDEXAMPLE', secretAccessKey: 'secret' };
/** The handlers' clock in these tests. */
export const MOTO_NOW = new Date('2026-11-20T03:30:00.000Z');

const START_TIMEOUT_MS = 20_000;

export interface MotoServer {
  /** `http://127.0.0.1:PORT` */
  readonly endpoint: string;
  /** The server's process (and process group: it runs detached). */
  readonly pid: number;
  /** Forgets every resource of every account and region (the benchmarks, between rounds). */
  reset(): Promise<void>;
  stop(): Promise<void>;
  /** Lets this process end while the server runs (a jest worker's server outlives its test files). */
  unref(): void;
}

/** The security account a test acts in, and credentials that act in it. */
interface MotoIdentity {
  readonly account: string;
  readonly credentials: AwsCredentials;
}

/** Outside useMoto (the benchmarks): moto's default account. */
let identity: MotoIdentity = { account: MOTO_ACCOUNT, credentials: MOTO_CREDENTIALS };

/** The running test's security account (useMoto gives each test its own). */
export const motoAccount = (): string => identity.account;

/** A port nobody listens on now: bind port 0, read the port the kernel chose, release it. */
async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => (port > 0 ? resolve(port) : reject(new Error('no free port'))));
    });
  });
}

/**
 * Starts `moto_server` and resolves once it answers HTTP. Rejects, saying how to install it,
 * when the command is missing (ENOENT, or exit 127 from a pyenv shim without it).
 */
export async function startMoto(): Promise<MotoServer> {
  const port = await freePort();
  const endpoint = `http://127.0.0.1:${port}`;
  // Its own process group (detached), so that stop() ends the shim and the Python process under it.
  const child = spawn('moto_server', ['-H', '127.0.0.1', '-p', String(port)], {
    detached: true,
    stdio: ['ignore', 'ignore', 'pipe'],
    // Without this, each account's first EC2 call loads moto's ~1,000 built-in AMIs, each with a
    // snapshot that every DescribeSnapshots then filters: a quarter of moto's CPU in these tests
    // (cProfile, 22.9 s against 17.3 s). Nothing here reads them (see MOTO_AMI).
    env: { ...process.env, MOTO_EC2_LOAD_DEFAULT_AMIS: 'false' },
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8');
  child.stderr?.on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const exited = new Promise<Error>((resolve) => {
    child.once('error', (error: NodeJS.ErrnoException) =>
      resolve(error.code === 'ENOENT' ? notInstalled(`spawn moto_server: ${error.message}`) : new Error(`moto_server could not start: ${error.message}`)),
    );
    // 'close', not 'exit': by then stderr has been read to its end.
    child.once('close', (code, signal) =>
      resolve(
        code === 127 || /command not found|No such file/i.test(stderr)
          ? notInstalled(`moto_server exited with ${code}: ${stderr.trim()}`)
          : new Error(`moto_server exited (code ${code}, signal ${signal}) before answering on ${endpoint}: ${stderr.trim() || 'no output'}`),
      ),
    );
  });
  // Should the process end without stop(), the server goes with it. (Outside jest only: in a test
  // file, `process` is jest's sandboxed copy, which never emits 'exit'; there global-teardown.ts
  // stops what useMoto recorded.)
  const killOnExit = () => {
    try {
      process.kill(-child.pid!, 'SIGKILL');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', killOnExit);
  child.once('exit', () => process.removeListener('exit', killOnExit));
  const server: MotoServer = {
    endpoint,
    pid: child.pid!,
    reset: async () => {
      const response = await fetch(`${endpoint}/moto-api/reset`, { method: 'POST' });
      if (!response.ok) throw new Error(`moto reset answered HTTP ${response.status}`);
    },
    stop: () => stopProcess(child),
    unref: () => {
      child.unref();
      (child.stderr as Socket | null)?.unref();
    },
  };
  const ready = waitUntilAnswering(endpoint, START_TIMEOUT_MS);
  const outcome = await Promise.race([ready.then(() => undefined), exited]);
  if (outcome instanceof Error) {
    ready.cancel();
    await stopProcess(child);
    throw outcome;
  }
  return server;
}

function notInstalled(detail: string): Error {
  return new Error(`moto_server is not installed (${detail}). The moto tests need it: install it with ${MOTO_INSTALL}`);
}

/** Polls until any HTTP answer (moto's dashboard answers 200); fails after `timeoutMs`. */
function waitUntilAnswering(endpoint: string, timeoutMs: number): Promise<void> & { cancel(): void } {
  let cancelled = false;
  const promise = (async () => {
    const deadline = Date.now() + timeoutMs;
    let last = 'no attempt';
    while (!cancelled) {
      try {
        const response = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(1000) });
        await response.arrayBuffer();
        return;
      } catch (error) {
        last = error instanceof Error ? `${error.message}${error.cause instanceof Error ? ` (${error.cause.message})` : ''}` : String(error);
      }
      if (Date.now() > deadline) throw new Error(`moto_server did not answer on ${endpoint} within ${timeoutMs / 1000} s (last error: ${last})`);
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  })();
  return Object.assign(promise, { cancel: () => (cancelled = true) });
}

/** SIGTERM to the whole group, SIGKILL after 3 s; resolves when the process has exited. */
async function stopProcess(child: ChildProcess): Promise<void> {
  if (child.pid === undefined || child.exitCode !== null || child.signalCode !== null) return;
  const gone = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => {
    try {
      process.kill(-child.pid!, name);
    } catch {
      // Already gone.
    }
  };
  signal('SIGTERM');
  const timer = setTimeout(() => signal('SIGKILL'), 3000);
  await gone;
  clearTimeout(timer);
}

/** A worker's server, as its record in the run's temporary folder keeps it between test files. */
interface WorkerServer {
  readonly worker: string;
  readonly endpoint: string;
  /** Test files that have used it: each gets its own block of accounts. */
  readonly files: number;
}

/** The record of the server `pid`: global-teardown.ts stops every server that has one. */
const pidRecord = (pid: number): string => path.join(tmpdir(), `${MOTO_PID_RECORD_PREFIX}${pid}`);
const ACCOUNTS_PER_FILE = 1_000_000;

/**
 * The jest worker's moto server, started by the worker's first test file that needs one and
 * reused by the next ones (Python and moto's backends load once per worker, not once per file;
 * the run's teardown stops it). A server that stopped answering is replaced. Returns its endpoint
 * and the first account of a block no other file of this server has used.
 */
export async function workerServer(): Promise<{ endpoint: string; firstAccount: number }> {
  const worker = process.env.JEST_WORKER_ID ?? '1';
  for (const name of readdirSync(tmpdir()).filter((entry) => entry.startsWith(MOTO_PID_RECORD_PREFIX))) {
    const file = path.join(tmpdir(), name);
    const record = JSON.parse(readFileSync(file, 'utf8') || '{}') as Partial<WorkerServer>;
    if (record.worker !== worker || record.endpoint === undefined || record.files === undefined) continue;
    const answering = waitUntilAnswering(record.endpoint, 1000);
    if (!(await answering.then(() => true, () => false))) continue;
    writeFileSync(file, JSON.stringify({ ...record, files: record.files + 1 }));
    return { endpoint: record.endpoint, firstAccount: 200_000_000_000 + record.files * ACCOUNTS_PER_FILE };
  }
  const server = await startMoto();
  server.unref();
  writeFileSync(pidRecord(server.pid), JSON.stringify({ worker, endpoint: server.endpoint, files: 1 } satisfies WorkerServer));
  return { endpoint: server.endpoint, firstAccount: 200_000_000_000 };
}

/**
 * For a test file: the worker's moto server (workerServer), and an account of its own for each
 * test (motoAccount, and the default credentials of every helper here). The returned function
 * gives the endpoint inside tests.
 */
export function useMoto(): () => string {
  let server: { endpoint: string; firstAccount: number } | undefined;
  let tests = 0;
  beforeAll(async () => {
    server = await workerServer();
  }, START_TIMEOUT_MS + 5000);
  beforeEach(async () => {
    if (!server) throw new Error('moto_server did not start (see the beforeAll error)');
    // A new account per test, never the default one: nothing a test made is seen by the next.
    const account = String(server.firstAccount + ++tests);
    identity = { account, credentials: await assumeRoleIn(server.endpoint, account, 'GuardDutyResponseTest', MOTO_CREDENTIALS) };
  });
  afterAll(() => {
    identity = { account: MOTO_ACCOUNT, credentials: MOTO_CREDENTIALS };
  });
  return () => {
    if (!server) throw new Error('moto_server did not start (see the beforeAll error)');
    return server.endpoint;
  };
}

/**
 * SDK client configuration that sends every call to moto. One attempt: a test sees moto's first
 * answer. Tests that send calls concurrently allow more (moto's server is not thread-safe, and
 * now and then answers a concurrent call with an HTML 500 page, which the SDK retries as it
 * would retry AWS's 500s).
 */
export function motoConfig(endpoint: string, credentials: AwsCredentials = identity.credentials, region = MOTO_REGION, maxAttempts = 1) {
  return { region, endpoint, credentials, maxAttempts };
}

/**
 * The dependencies of a remediation handler with every client pointed at moto: the finding's
 * account is reached with the function's own credentials when it is `securityAccountId`
 * (the test's account), else through STS AssumeRole, which moto implements. `alerts` gets
 * each alert once moto has accepted its Publish.
 */
export function motoRemediationDependencies(
  endpoint: string,
  playbookId: string,
  options: { settings?: Partial<RemediationSettings>; topicArn: string; maxAttempts?: number },
): { dependencies: RemediationDependencies; alerts: PublishedAlert[] } {
  const attempts = options.maxAttempts ?? 1;
  const alerts: PublishedAlert[] = [];
  return {
    alerts,
    dependencies: {
      sns: recordingSnsClient(endpoint, alerts, attempts),
      topicArn: options.topicArn,
      playbookId,
      logger: new Logger({ logLevel: 'SILENT' }),
      ownRoleArns: [],
      deferredClaims: [],
      settings: testSettings({ securityAccountId: identity.account, ...options.settings }),
      ec2Client: (region, credentials) => new EC2Client(motoConfig(endpoint, credentials, region, attempts)),
      autoScalingClient: (region, credentials) => new AutoScalingClient(motoConfig(endpoint, credentials, region, attempts)),
      stsClient: () => new STSClient(motoConfig(endpoint, identity.credentials, MOTO_REGION, attempts)),
      // moto 5.2.1 implements no GuardDuty GetFindings (its GuardDuty backend has detectors and
      // filters only): the verification alone is answered here, "GuardDuty confirms". The
      // verifier itself is tested in verify.test.ts with aws-sdk-client-mock and in the simulator.
      verifyFinding: async () => ({ verified: true }),
      now: () => MOTO_NOW,
    },
  };
}

/** Credentials for `accountId` through moto's STS: calls made with them act in that account. */
export async function assumeRoleIn(endpoint: string, accountId: string, roleName = 'GuardDutyResponseMember', from: AwsCredentials = identity.credentials): Promise<AwsCredentials> {
  const { Credentials } = await new STSClient(motoConfig(endpoint, from)).send(
    new AssumeRoleCommand({ RoleArn: `arn:aws:iam::${accountId}:role/${roleName}`, RoleSessionName: 'moto-test-setup' }),
  );
  return { accessKeyId: Credentials!.AccessKeyId!, secretAccessKey: Credentials!.SecretAccessKey!, sessionToken: Credentials!.SessionToken };
}

// ---------------------------------------------------------------------------------------------
// Alerts: published to a real topic in moto; the client records what it published.

export interface PublishedAlert {
  readonly subject: string;
  readonly email: string;
}

/** Creates the alert topic in the test's account (Publish to a missing topic fails); returns its ARN. */
export async function createAlertTopic(endpoint: string, name = 'alerts'): Promise<string> {
  const { TopicArn } = await new SNSClient(motoConfig(endpoint)).send(new CreateTopicCommand({ Name: name }));
  return TopicArn!;
}

/**
 * An SNS client for moto that appends to `alerts` each message moto accepted. Recorded on the
 * client: moto keeps published messages only in /moto-api/data.json, a 5 MB dump of every
 * model (its AMIs included) that takes half a second to read.
 */
function recordingSnsClient(endpoint: string, alerts: PublishedAlert[], maxAttempts: number): SNSClient {
  const sns = new SNSClient(motoConfig(endpoint, identity.credentials, MOTO_REGION, maxAttempts));
  sns.middlewareStack.add(
    (next, context) => async (args) => {
      const result = await next(args);
      if (context.commandName === 'PublishCommand') {
        const input = args.input as PublishCommandInput;
        alerts.push({ subject: input.Subject ?? '', email: (JSON.parse(input.Message ?? '{}') as { email?: string }).email ?? '' });
      }
      return result;
    },
    { step: 'initialize', name: 'recordPublishedAlerts' },
  );
  return sns;
}

// ---------------------------------------------------------------------------------------------
// A world built through the EC2 and Auto Scaling APIs.

export interface MotoWorld {
  readonly vpcId: string;
  readonly subnetId: string;
  readonly instanceId: string;
  /** Device 0 (in web-sg) and device 1 (in ssh-sg), in that order. */
  readonly networkInterfaceIds: readonly [string, string];
  /** Root and data volume of the instance. */
  readonly volumeIds: readonly string[];
  readonly webGroupId: string;
  readonly sshGroupId: string;
  /** The group that `web-sg` admits on TCP 22 (a rule naming a group, never a world rule). */
  readonly bastionGroupId: string;
  readonly prefixListId: string;
  /** Another instance in web-sg: the alert names it as sharing the group. */
  readonly neighbourId: string;
  readonly neighbourInterfaceId: string;
  readonly autoScalingGroupName: string;
}

/**
 * An image id from moto's built-in list. moto, with that list not loaded (startMoto), launches from
 * an image it does not know; EC2 would refuse it, but no handler reads an instance's image.
 */
export const MOTO_AMI = 'ami-12c6146b';

/**
 * VPC, subnet, prefix list, security groups whose world SSH sits inside wider rules next to rules
 * that must be kept, an instance with a second interface and a data volume, in an Auto Scaling
 * group, and a neighbour instance that shares web-sg.
 */
export async function buildMotoWorld(endpoint: string, credentials: AwsCredentials = identity.credentials): Promise<MotoWorld> {
  const ec2 = new EC2Client(motoConfig(endpoint, credentials));
  const autoScaling = new AutoScalingClient(motoConfig(endpoint, credentials));
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.1.0/24', AvailabilityZone: `${MOTO_REGION}a` }))).Subnet!.SubnetId!;
  const prefixListId = (await ec2.send(new CreateManagedPrefixListCommand({ PrefixListName: 'corp', MaxEntries: 5, AddressFamily: 'IPv4', Entries: [{ Cidr: '192.0.2.0/24', Description: 'corp' }] })))
    .PrefixList!.PrefixListId!;
  const group = async (name: string) => (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }))).GroupId!;
  const bastionGroupId = await group('bastion-sg');
  const webGroupId = await group('web-sg');
  const sshGroupId = await group('ssh-sg');
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: webGroupId,
      IpPermissions: [
        // World SSH inside wider rules: what revoke-ssh must split.
        { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'all tcp' }] },
        { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'all v6' }] },
        // Narrower SSH sources and another port from the world: kept as they are. No description on
        // the prefix list source: moto drops it (KNOWN_MOTO_GAPS in test/moto/differential.moto.test.ts).
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.1.0.0/16', Description: 'office vpn' }], PrefixListIds: [{ PrefixListId: prefixListId }], UserIdGroupPairs: [{ GroupId: bastionGroupId, Description: 'bastion' }] },
        { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'https' }] },
      ],
    }),
  );
  await ec2.send(
    new AuthorizeSecurityGroupIngressCommand({
      GroupId: sshGroupId,
      IpPermissions: [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'legacy ssh' }], Ipv6Ranges: [{ CidrIpv6: '::/0', Description: 'legacy ssh v6' }] }],
    }),
  );
  // Instances are launched with interfaces made beforehand, not with SecurityGroupIds: moto keeps
  // launch-time groups in every interface of the instance whatever ModifyNetworkInterfaceAttribute
  // sets (KNOWN_MOTO_GAPS in test/moto/differential.moto.test.ts), which would hide what isolation does.
  const networkInterface = async (groupId: string, description: string) =>
    (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId], Description: description }))).NetworkInterface!.NetworkInterfaceId!;
  const launch = async (name: string, interfaces: readonly string[]) =>
    (
      await ec2.send(
        new RunInstancesCommand({
          ImageId: MOTO_AMI,
          InstanceType: 't3.micro',
          MinCount: 1,
          MaxCount: 1,
          NetworkInterfaces: interfaces.map((id, DeviceIndex) => ({ NetworkInterfaceId: id, DeviceIndex })),
          TagSpecifications: [{ ResourceType: 'instance', Tags: [{ Key: 'Name', Value: name }] }],
        }),
      )
    ).Instances![0];
  const networkInterfaceIds = [await networkInterface(webGroupId, 'web'), await networkInterface(sshGroupId, 'admin')] as const;
  const instance = await launch('web-1', networkInterfaceIds);
  const instanceId = instance.InstanceId!;
  const neighbourInterfaceId = await networkInterface(webGroupId, 'web');
  const neighbourId = (await launch('web-2', [neighbourInterfaceId])).InstanceId!;
  const data = (await ec2.send(new CreateVolumeCommand({ AvailabilityZone: `${MOTO_REGION}a`, Size: 10 }))).VolumeId!;
  await ec2.send(new AttachVolumeCommand({ VolumeId: data, InstanceId: instanceId, Device: '/dev/sdf' }));
  const launchTemplateId = (await ec2.send(new CreateLaunchTemplateCommand({ LaunchTemplateName: 'web', LaunchTemplateData: { ImageId: MOTO_AMI, InstanceType: 't3.micro' } }))).LaunchTemplate!
    .LaunchTemplateId!;
  const autoScalingGroupName = 'web-asg';
  await autoScaling.send(
    new CreateAutoScalingGroupCommand({ AutoScalingGroupName: autoScalingGroupName, LaunchTemplate: { LaunchTemplateId: launchTemplateId, Version: '$Latest' }, MinSize: 0, MaxSize: 2, DesiredCapacity: 0, VPCZoneIdentifier: subnetId }),
  );
  await autoScaling.send(new AttachInstancesCommand({ AutoScalingGroupName: autoScalingGroupName, InstanceIds: [instanceId] }));
  return {
    vpcId,
    subnetId,
    instanceId,
    networkInterfaceIds,
    neighbourInterfaceId,
    volumeIds: [instance.BlockDeviceMappings![0].Ebs!.VolumeId!, data],
    webGroupId,
    sshGroupId,
    bastionGroupId,
    prefixListId,
    neighbourId,
    autoScalingGroupName,
  };
}

// ---------------------------------------------------------------------------------------------
// Findings about the world's instance.

/**
 * An example finding event (examples/events/*.json or test/fixtures/findings/*.json) retargeted
 * at the world's instance, or at `about.instanceId` (then with its own finding id), in
 * `about.accountId` (the test's account unless given).
 */
export function findingAbout(world: MotoWorld, template: string, about: { accountId?: string; instanceId?: string } = {}): Record<string, any> {
  const accountId = about.accountId ?? identity.account;
  const instanceId = about.instanceId ?? world.instanceId;
  const text = readFileSync(path.resolve(__dirname, '..', '..', template), 'utf8');
  const original = JSON.parse(text) as Record<string, any>;
  // Every mention (title, description, profile ARN...) names the instance and the account.
  const event = JSON.parse(text.replaceAll(original.detail.resource.instanceDetails.instanceId, instanceId).replaceAll(original.detail.accountId, accountId)) as Record<string, any>;
  Object.assign(event, { account: accountId, region: MOTO_REGION });
  Object.assign(event.detail, { accountId, region: MOTO_REGION });
  if (instanceId !== world.instanceId) event.detail.id = `${event.detail.id.slice(0, 24)}${instanceId.slice(-8)}`;
  event.detail.arn = `arn:aws:guardduty:${MOTO_REGION}:${accountId}:detector/${event.detail.service.detectorId}/finding/${event.detail.id}`;
  const details = event.detail.resource.instanceDetails;
  details.availabilityZone = `${MOTO_REGION}a`;
  details.networkInterfaces =
    instanceId === world.instanceId
      ? world.networkInterfaceIds.map((id, i) => ({
          networkInterfaceId: id,
          subnetId: world.subnetId,
          vpcId: world.vpcId,
          securityGroups: [i === 0 ? { groupName: 'web-sg', groupId: world.webGroupId } : { groupName: 'ssh-sg', groupId: world.sshGroupId }],
        }))
      : [];
  return event;
}

// ---------------------------------------------------------------------------------------------
// Reading rules back.

/**
 * One line per rule source, sorted, with ids renamed through `rename` (unknown ids kept):
 * `tcp 22 from 10.1.0.0/16 (office vpn)`, `all from ::/0`, `icmpv6 -1 from ::/0 (all v6)`.
 */
export function ruleLines(permissions: readonly IpPermission[] | undefined, rename: (id: string) => string = (id) => id): string[] {
  const ports = (p: IpPermission) => (p.IpProtocol === '-1' ? 'all' : p.FromPort === p.ToPort ? `${p.IpProtocol} ${p.FromPort}` : `${p.IpProtocol} ${p.FromPort}-${p.ToPort}`);
  const line = (p: IpPermission, source: string, description: string | undefined) => `${ports(p)} from ${rename(source)}${description ? ` (${description})` : ''}`;
  return (permissions ?? [])
    .flatMap((p) => [
      ...(p.IpRanges ?? []).map((r) => line(p, r.CidrIp!, r.Description)),
      ...(p.Ipv6Ranges ?? []).map((r) => line(p, r.CidrIpv6!, r.Description)),
      ...(p.PrefixListIds ?? []).map((r) => line(p, r.PrefixListId!, r.Description)),
      ...(p.UserIdGroupPairs ?? []).map((r) => line(p, r.GroupId!, r.Description)),
    ])
    .sort();
}
