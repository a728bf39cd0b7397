/**
 * A burst: 100 isolations and 100 SSH revocations delivered at once, run by the real handlers over
 * real SDK clients against moto behind an endpoint that throttles as EC2 does (ec2-throttle.ts).
 *
 * Lambda runs each function's deliveries in containers: `concurrency` containers per function
 * (the function's reserved concurrency; without one, one container per delivery), each taking
 * the next waiting delivery when it is done, and each with its own clients, built once per
 * container as the entry files build them. A delivery whose invocation fails would be retried by
 * Lambda a minute later and then dead-lettered: the target is that none fails, and that the burst
 * takes at most 1.5x the time EC2's token buckets need to serve the calls it made.
 */
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { AuthorizeSecurityGroupIngressCommand, CreateNetworkInterfaceCommand, CreateSecurityGroupCommand, CreateSubnetCommand, CreateVpcCommand, EC2Client, type EC2ClientConfig, RunInstancesCommand } from '@aws-sdk/client-ec2';
import { createIsolateHandler } from '../lambdas/isolate/isolate';
import { createRevokeSshHandler } from '../lambdas/revoke-ssh/revoke-ssh';
import type { LambdaHandler } from '../lambdas/shared/handler-shell';
import type { RemediationDependencies } from '../lambdas/shared/remediation';
import { REMEDIATION_CONCURRENCY, REMEDIATION_SDK_TIMING, REMEDIATION_TIMEOUT_SECONDS, SDK_TIMING } from '../core/timing';
import { clientTiming } from '../lambdas/shared/environment';
import { MOTO_AMI, MOTO_CREDENTIALS, MOTO_REGION, type MotoWorld, createAlertTopic, findingAbout, motoConfig, motoRemediationDependencies, startMoto } from '../test/support/moto';
import { startThrottlingEndpoint, tokenBucketLimitSeconds } from './ec2-throttle';

/** How a function's clients retry, and how many containers it may run at once. */
export interface BurstConfig {
  readonly name: string;
  readonly clientConfig: Pick<EC2ClientConfig, 'maxAttempts' | 'retryMode' | 'requestHandler'>;
  /** Containers per function; `undefined`: one per delivery (no reserved concurrency). */
  readonly concurrency?: number;
}

export interface BurstResult {
  readonly config: BurstConfig;
  readonly deliveries: number;
  readonly failed: number;
  readonly failures: readonly string[];
  readonly seconds: number;
  readonly limitSeconds: number;
  readonly throttled: number;
  readonly calls: number;
}

const PER_FUNCTION = 100;
const BUILD_PARALLEL = 8;

async function inBatches<T, R>(items: readonly T[], size: number, work: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map((item, j) => work(item, i + j)))));
  return results;
}

/** One VPC: instances to isolate (one interface each, in web-sg) and instances in groups that let the world reach SSH. */
async function buildWorld(moto: string): Promise<{ isolate: string[]; revoke: string[] }> {
  const ec2 = new EC2Client(motoConfig(moto));
  const vpcId = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.0.0.0/16' }))).Vpc!.VpcId!;
  const subnetId = (await ec2.send(new CreateSubnetCommand({ VpcId: vpcId, CidrBlock: '10.0.0.0/20', AvailabilityZone: `${MOTO_REGION}a` }))).Subnet!.SubnetId!;
  const group = async (name: string, ssh: boolean) => {
    const groupId = (await ec2.send(new CreateSecurityGroupCommand({ GroupName: name, Description: name, VpcId: vpcId }))).GroupId!;
    const port = ssh ? 22 : 443;
    await ec2.send(new AuthorizeSecurityGroupIngressCommand({ GroupId: groupId, IpPermissions: [{ IpProtocol: 'tcp', FromPort: port, ToPort: port, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }] }));
    return groupId;
  };
  const launch = async (groupId: string) => {
    const eni = (await ec2.send(new CreateNetworkInterfaceCommand({ SubnetId: subnetId, Groups: [groupId] }))).NetworkInterface!.NetworkInterfaceId!;
    const run = await ec2.send(new RunInstancesCommand({ ImageId: MOTO_AMI, InstanceType: 't3.micro', MinCount: 1, MaxCount: 1, NetworkInterfaces: [{ NetworkInterfaceId: eni, DeviceIndex: 0 }] }));
    return run.Instances![0].InstanceId!;
  };
  const web = await group('web-sg', false);
  const n = Array.from({ length: PER_FUNCTION }, (_, i) => i);
  const isolate = await inBatches(n, BUILD_PARALLEL, () => launch(web));
  // Ten instances per group: findings about instances that share a group change it at once.
  const sshGroups = await inBatches(Array.from({ length: PER_FUNCTION / 10 }, (_, i) => i), BUILD_PARALLEL, (i) => group(`ssh-${i}`, true));
  const revoke = await inBatches(n, BUILD_PARALLEL, (i) => launch(sshGroups[i % sshGroups.length]));
  return { isolate, revoke };
}

/** A container's dependencies: its clients built once (EC2 through the throttling endpoint), as remediationFromEnvironment builds them. */
function containerDependencies(moto: string, ec2Endpoint: string, playbookId: string, topicArn: string, config: BurstConfig): RemediationDependencies {
  const { dependencies } = motoRemediationDependencies(moto, playbookId, { topicArn, settings: { isolateSnapshots: false } });
  const own = new Map<string, EC2Client>();
  const clientOf = (region: string, credentials = MOTO_CREDENTIALS) => new EC2Client({ region, endpoint: ec2Endpoint, credentials, ...config.clientConfig });
  return {
    ...dependencies,
    ec2Client: (region, credentials) => {
      if (credentials) return clientOf(region, credentials);
      let client = own.get(region);
      if (!client) own.set(region, (client = clientOf(region)));
      return client;
    },
    autoScalingClient: (region, credentials) => new AutoScalingClient({ ...motoConfig(moto, credentials, region), ...config.clientConfig }),
  };
}

/** Runs `events` through `containers` containers of one function; returns the failures. */
async function runFunction(events: readonly unknown[], containers: number, makeHandler: () => LambdaHandler): Promise<string[]> {
  const waiting = [...events];
  const failures: string[] = [];
  const container = async () => {
    const handler = makeHandler();
    for (let event = waiting.shift(); event !== undefined; event = waiting.shift()) {
      const deadline = performance.now() + REMEDIATION_TIMEOUT_SECONDS * 1000;
      try {
        await handler(event, { getRemainingTimeInMillis: () => deadline - performance.now() });
      } catch (error) {
        failures.push(error instanceof Error ? error.message : String(error));
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(containers, events.length) }, container));
  return failures;
}

export async function runBurst(configs: readonly BurstConfig[]): Promise<BurstResult[]> {
  const moto = await startMoto();
  const results: BurstResult[] = [];
  try {
    for (const config of configs) {
      await moto.reset();
      const topicArn = await createAlertTopic(moto.endpoint);
      const world = await buildWorld(moto.endpoint);
      const nowhere = { instanceId: 'i-none' } as MotoWorld;
      const isolations = world.isolate.map((instanceId) => findingAbout(nowhere, 'test/fixtures/findings/c2-high.json', { instanceId }));
      const revocations = world.revoke.map((instanceId) => findingAbout(nowhere, 'examples/events/revoke-ssh-ingress.json', { instanceId }));
      const throttling = await startThrottlingEndpoint(moto.endpoint);
      const containers = config.concurrency ?? PER_FUNCTION;
      const start = performance.now();
      const failures = (
        await Promise.all([
          runFunction(isolations, containers, () => createIsolateHandler(containerDependencies(moto.endpoint, throttling.endpoint, 'isolate-instance', topicArn, config))),
          runFunction(revocations, containers, () => createRevokeSshHandler(containerDependencies(moto.endpoint, throttling.endpoint, 'revoke-ssh-ingress', topicArn, config))),
        ])
      ).flat();
      const seconds = (performance.now() - start) / 1000;
      await throttling.close();
      const sum = (map: Map<string, number>) => [...map.values()].reduce((a, b) => a + b, 0);
      results.push({
        config,
        deliveries: isolations.length + revocations.length,
        failed: failures.length,
        failures: [...new Set(failures)].slice(0, 3),
        seconds,
        limitSeconds: tokenBucketLimitSeconds(throttling.accepted),
        throttled: sum(throttling.throttled),
        calls: sum(throttling.accepted),
      });
    }
  } finally {
    await moto.stop();
  }
  return results;
}

/** What the functions are deployed with: remediation clients (core/timing.ts) and reserved concurrency. */
export const DEPLOYED: BurstConfig = { name: `deployed: ${REMEDIATION_SDK_TIMING.retryMode}, ${REMEDIATION_SDK_TIMING.maxAttempts} attempts, ${REMEDIATION_CONCURRENCY} containers per function`, clientConfig: clientTiming(REMEDIATION_SDK_TIMING), concurrency: REMEDIATION_CONCURRENCY };

/** The alternatives the deployed choice was measured against. */
export const ALTERNATIVES: readonly BurstConfig[] = [
  { name: `SDK defaults: standard, ${SDK_TIMING.maxAttempts} attempts, no reserved concurrency`, clientConfig: clientTiming(SDK_TIMING) },
  { name: `${REMEDIATION_SDK_TIMING.retryMode}, ${REMEDIATION_SDK_TIMING.maxAttempts} attempts, no reserved concurrency`, clientConfig: clientTiming(REMEDIATION_SDK_TIMING) },
  { name: `${REMEDIATION_SDK_TIMING.retryMode}, ${REMEDIATION_SDK_TIMING.maxAttempts} attempts, 10 containers`, clientConfig: clientTiming(REMEDIATION_SDK_TIMING), concurrency: 10 },
  { name: `standard, ${REMEDIATION_SDK_TIMING.maxAttempts} attempts, ${REMEDIATION_CONCURRENCY} containers`, clientConfig: clientTiming({ ...REMEDIATION_SDK_TIMING, retryMode: 'standard' }), concurrency: REMEDIATION_CONCURRENCY },
];

export function burstLine(r: BurstResult): string {
  return `${r.config.name.padEnd(52)} failed ${String(r.failed).padStart(3)}/${r.deliveries}  ${r.seconds.toFixed(1).padStart(5)} s = ${(r.seconds / Math.max(r.limitSeconds, 1)).toFixed(2)}x the token-bucket limit (${r.limitSeconds.toFixed(1)} s for ${r.calls} calls), ${r.throttled} throttled${r.failures.length > 0 ? `; e.g. ${r.failures[0].slice(0, 160)}` : ''}`;
}

/** `npx tsx bench/burst.ts`: the deployed choice and its alternatives, one line each. */
if (require.main === module) {
  void runBurst([DEPLOYED, ...ALTERNATIVES]).then((results) => results.forEach((r) => console.log(burstLine(r))));
}
