/**
 * Reads the parts of a finding a responder needs first (what resource, who is on the other end,
 * when) out of the untrusted detail, as labelled lines of clean text. Lines whose value is
 * missing are dropped, so the alert never shows "undefined". Names, tags, agents, domains and
 * other free text are `quoted`; ids, ARNs, addresses and enums are `token`s (quoted too when
 * they do not look like one).
 */
import { JsonObject, asArray, asObject, at } from './json';
import { plain, quoted, token } from './text';

export type Line = readonly [label: string, value: string | undefined];

export interface ResourceDescription {
  /** Short name for the subject and SMS: `i-0abc (web-1)`, `bucket my-bucket`, ... */
  readonly label?: string;
  readonly lines: readonly Line[];
}

/** How many items of a list (buckets, probes, interfaces) an alert shows before "and N more". */
export const MAX_LIST_ITEMS = 5;

export function describeResource(detail: JsonObject): ResourceDescription {
  const resource = asObject(detail.resource) ?? {};
  const resourceType = token(resource.resourceType, 40);
  const instance = asObject(resource.instanceDetails);
  const accessKey = asObject(resource.accessKeyDetails);
  const buckets = asArray(resource.s3BucketDetails).map(asObject).filter((b): b is JsonObject => b !== undefined);
  const eks = asObject(resource.eksClusterDetails);
  const rds = asObject(resource.rdsDbInstanceDetails);
  const rdsLimitless = asObject(resource.rdsLimitlessDbDetails);
  const lambda = asObject(resource.lambdaDetails);
  const ecs = asObject(resource.ecsClusterDetails);
  const container = asObject(resource.containerDetails);

  // Decide by resourceType, not by which block is present: sample IAM and S3 findings also carry instanceDetails.
  switch (resource.resourceType) {
    case 'Instance':
    case undefined:
      if (instance) return describeInstance(instance, resourceType);
      break;
    // S3 findings about an account-level setting come as AccessKey with the bucket attached, so both cases show both.
    case 'AccessKey':
    case 'S3Bucket':
    case 'S3Object': {
      const bucketNames = buckets.map((b) => quoted(b.name, 63)).filter((n): n is string => n !== undefined);
      const user = quoted(accessKey?.userName, 80);
      const bucketLabel = bucketNames.length > 0 ? `bucket ${bucketNames[0]}${bucketNames.length > 1 ? ` +${bucketNames.length - 1}` : ''}` : undefined;
      const userLabel = user ? `user ${user}` : token(accessKey?.accessKeyId, 40);
      if (!bucketLabel && !userLabel) break;
      return {
        label:
          resource.resourceType === 'S3Bucket' || resource.resourceType === 'S3Object'
            ? bucketLabel ?? userLabel
            : changesABucket(detail.type) && bucketLabel
              ? (userLabel ? `${bucketLabel} (${userLabel})` : bucketLabel)
              : userLabel ?? bucketLabel,
        lines: [
          ['Resource type', resourceType],
          ['Bucket', listOf(bucketNames)],
          ['Access key', token(accessKey?.accessKeyId, 40)],
          ['User', user],
          ['User type', token(accessKey?.userType, 40)],
          ['Principal id', token(accessKey?.principalId, 80)],
          ['Credentials of', instanceOfSession(accessKey)],
        ],
      };
    }
    case 'EKSCluster':
      if (eks) {
        const name = quoted(eks.name, 100);
        return {
          label: name && `cluster ${name}`,
          lines: [
            ['Resource type', resourceType],
            ['EKS cluster', name],
            ['Kubernetes user', quoted(at(resource, 'kubernetesDetails', 'kubernetesUserDetails', 'username'), 100)],
            ['Workload', quoted(at(resource, 'kubernetesDetails', 'kubernetesWorkloadDetails', 'name'), 100)],
            ['Namespace', quoted(at(resource, 'kubernetesDetails', 'kubernetesWorkloadDetails', 'namespace'), 100)],
          ],
        };
      }
      break;
    case 'RDSDBInstance':
    case 'RDSLimitlessDB': {
      // Limitless databases carry their shard group in rdsLimitlessDbDetails instead of an instance.
      const db = rds ?? rdsLimitless;
      if (db) {
        const instance = quoted(db.dbInstanceIdentifier, 63);
        const shardGroup = quoted(db.dbShardGroupIdentifier, 63);
        const cluster = quoted(db.dbClusterIdentifier, 63);
        const user = asObject(resource.rdsDbUserDetails);
        return {
          label: instance ? `database ${instance}` : shardGroup ? `shard group ${shardGroup}` : cluster && `cluster ${cluster}`,
          lines: [
            ['Resource type', resourceType],
            ['DB instance', instance],
            ['DB shard group', shardGroup],
            ['DB cluster', cluster],
            ['Engine', joinDefined(' ', token(db.engine, 40), token(db.engineVersion, 20))],
            ['Database user', quoted(user?.user, 100)],
            ['Database name', quoted(user?.database, 100)],
            ['Client application', quoted(user?.application, 100)],
            ['Auth method', token(user?.authMethod, 40)],
            ['SSL', token(user?.ssl, 40)],
          ],
        };
      }
      break;
    }
    case 'Lambda':
      if (lambda) {
        const name = quoted(lambda.functionName, 64);
        const vpc = asObject(lambda.vpcConfig);
        const groups = asArray(vpc?.securityGroups).map((g) => token(asObject(g)?.groupId, 40));
        return {
          label: name && `function ${name}`,
          lines: [
            ['Resource type', resourceType],
            ['Lambda function', name],
            ['Function ARN', token(lambda.functionArn, 200)],
            ['Version', token(lambda.functionVersion, 20)],
            ['Execution role', token(lambda.role, 200)],
            ['VPC', vpc && token(vpc.vpcId, 40)],
            ['Security groups', listOf(groups)],
          ],
        };
      }
      break;
    case 'AttackSequence': {
      const label = sequenceLabel(detail);
      if (label) return { label, lines: [['Resource type', resourceType], ['About', label]] };
      break;
    }
    case 'ECSCluster':
      if (ecs) {
        const name = quoted(ecs.name, 100);
        return { label: name && `cluster ${name}`, lines: [['Resource type', resourceType], ['ECS cluster', name], ['Task', token(at(ecs, 'taskDetails', 'arn'), 200)]] };
      }
      break;
    case 'Container':
      if (container) {
        const name = quoted(container.name, 100);
        const id = token(container.id, 80);
        // A Runtime Monitoring container finding names its host instance too: what isolation acts on.
        const host = instance ? describeInstance(instance, undefined) : undefined;
        return {
          label: name ? `container ${name}` : id ? `container ${id}` : host?.label && `container on ${host.label}`,
          lines: [['Resource type', resourceType], ['Container', name], ['Container id', id], ['Image', quoted(container.image, 200)], ...(host?.lines.filter(([label]) => label !== 'Resource type') ?? [])],
        };
      }
      if (instance) return describeInstance(instance, resourceType);
      break;
  }
  return { label: resourceType, lines: [['Resource type', resourceType]] };
}

/** Words for the ResourceV2 types of an attack sequence (API_ResourceV2); others are shown as GuardDuty writes them. */
const SEQUENCE_RESOURCE_WORDS: Readonly<Record<string, string>> = {
  S3_BUCKET: 'bucket',
  S3_OBJECT: 'object',
  EC2_INSTANCE: 'instance',
  ACCESS_KEY: 'access key',
  EKS_CLUSTER: 'EKS cluster',
  ECS_CLUSTER: 'ECS cluster',
  ECS_TASK: 'ECS task',
  CONTAINER: 'container',
  KUBERNETES_WORKLOAD: 'Kubernetes workload',
  EC2_NETWORK_INTERFACE: 'network interface',
  IAM_INSTANCE_PROFILE: 'instance profile',
  AUTOSCALING_AUTO_SCALING_GROUP: 'Auto Scaling group',
};

/** `bucket "name"`, else its uid (an ARN or an id). */
export function sequenceResourceLabel(resource: JsonObject): string | undefined {
  const kind = typeof resource.resourceType === 'string' ? SEQUENCE_RESOURCE_WORDS[resource.resourceType] ?? token(resource.resourceType, 40) : undefined;
  return joinDefined(' ', kind, quoted(resource.name, 100) ?? token(resource.uid, 200));
}

/**
 * The subject and SMS name what an attack sequence is about, never "AttackSequence": the first
 * resource (a bucket, a cluster, an instance) or, for a credential compromise, the actor.
 * Trimmed findings without `detection.sequence` still name the principal in their title
 * (`...associated with IAMUser/john_doe.`).
 */
function sequenceLabel(detail: JsonObject): string | undefined {
  const sequence = asObject(at(detail, 'service', 'detection', 'sequence'));
  const resources = objectsOf(sequence?.resources).filter((r) => r.resourceType !== 'ACCESS_KEY');
  const actor = objectsOf(sequence?.actors).map((a) => asObject(a.user)).find((u) => u !== undefined);
  const credentials = typeof detail.type === 'string' && detail.type.startsWith('AttackSequence:IAM/');
  const resource = resources[0] && sequenceResourceLabel(resources[0]);
  const user = actor && (quoted(actor.name, 100) ?? token(actor.uid, 100));
  const fromTitle = typeof detail.title === 'string' ? /\b(?:IAMUser|AssumedRole|FederatedUser|Root)\/([\w+=,.@-]{0,63}[\w+=,@-])/.exec(detail.title)?.[1] : undefined;
  const principal = user ?? quoted(fromTitle, 64);
  const principalLabel = principal && `user ${principal}`;
  const resourceText = resource && (resources.length > 1 ? `${resource} +${resources.length - 1}` : resource);
  return credentials ? principalLabel ?? resourceText : resourceText ?? principalLabel;
}

export const objectsOf = (value: unknown): JsonObject[] => asArray(value).map(asObject).filter((o): o is JsonObject => o !== undefined);

/**
 * GuardDuty files S3 policy findings (`Policy:S3/BucketAnonymousAccessGranted`, `Stealth:S3/ServerAccessLoggingDisabled`)
 * under the AccessKey that made the change, with the bucket attached. The bucket is what an on-call engineer must
 * act on, so it leads; the user follows in parentheses (which the SMS drops). Account-level ones
 * (`Policy:S3/AccountBlockPublicAccessDisabled`) changed no single bucket, so the user leads there.
 * https://docs.aws.amazon.com/guardduty/latest/ug/guardduty_finding-types-s3.html
 */
function changesABucket(type: unknown): boolean {
  return typeof type === 'string' && type.includes(':S3/') && !/\/Account/.test(type);
}

/**
 * EC2 hands an instance's role credentials out under a role session named after the instance, so
 * an `AssumedRole` principal id `AROA...:i-0abc...` names the instance whose credentials were used:
 * what an InstanceCredentialExfiltration reader must isolate.
 * https://docs.aws.amazon.com/IAM/latest/UserGuide/id_roles_use_switch-role-ec2.html
 */
function instanceOfSession(accessKey: JsonObject | undefined): string | undefined {
  if (accessKey?.userType !== 'AssumedRole' || typeof accessKey.principalId !== 'string') return undefined;
  const instanceId = /:(i-[0-9a-f]{8,17})$/.exec(accessKey.principalId)?.[1];
  const role = quoted(accessKey.userName, 64);
  return instanceId && (role ? `instance ${instanceId} (role ${role})` : `instance ${instanceId}`);
}

function describeInstance(instance: JsonObject, resourceType: string | undefined): ResourceDescription {
  const id = token(instance.instanceId, 40);
  const name = quoted(tagValue(instance.tags, 'Name'), 60);
  const interfaces = asArray(instance.networkInterfaces).map(asObject).filter((n): n is JsonObject => n !== undefined);
  const groups = interfaces.flatMap((n) => asArray(n.securityGroups).map((g) => token(at(g, 'groupId'), 40)));
  return {
    label: id && (name ? `${id} (${name})` : id),
    lines: [
      ['Resource type', resourceType],
      ['Instance', id],
      ['Name tag', name],
      ['Instance type', token(instance.instanceType, 40)],
      ['Image', token(instance.imageId, 40)],
      ['Availability zone', token(instance.availabilityZone, 40)],
      ['Instance profile', token(at(instance, 'iamInstanceProfile', 'arn'), 200)],
      ['VPC', token(interfaces[0]?.vpcId, 40)],
      ['Private IP', listOf(interfaces.map((n) => token(n.privateIpAddress, 45)))],
      ['Public IP', listOf(interfaces.map((n) => token(n.publicIp, 45)))],
      ['Security groups', listOf([...new Set(groups)])],
    ],
  };
}

const portProbes = (action: JsonObject): JsonObject[] => asArray(at(action, 'portProbeAction', 'portProbeDetails')).map(asObject).filter((p): p is JsonObject => p !== undefined);

/** The remote ends a finding's action names (`remoteIpDetails`): the API caller, the connection, the Kubernetes caller, the RDS login, each port probe. */
export function remoteEnds(detail: JsonObject): JsonObject[] {
  const action = asObject(at(detail, 'service', 'action')) ?? {};
  const actions = [action.awsApiCallAction, action.networkConnectionAction, action.kubernetesApiCallAction, action.rdsLoginAttemptAction].map(asObject);
  return [...actions.map((a) => asObject(a?.remoteIpDetails)), ...portProbes(action).map((p) => asObject(p.remoteIpDetails))].filter((r): r is JsonObject => r !== undefined);
}

/** The other end of the activity: remote addresses, where they are, what was called or probed. */
export function describeActor(detail: JsonObject): Line[] {
  const action = asObject(at(detail, 'service', 'action')) ?? {};
  const api = asObject(action.awsApiCallAction);
  const network = asObject(action.networkConnectionAction);
  const dns = asObject(action.dnsRequestAction);
  const kubernetes = asObject(action.kubernetesApiCallAction);
  const rdsLogin = asObject(action.rdsLoginAttemptAction);
  const probes = portProbes(action);
  const remote = remoteEnds(detail).map(describeRemote);
  return [
    ['Action', token(action.actionType, 40)],
    ['Remote', listOf(remote)],
    ['API called', api && joinDefined(' ', token(api.serviceName, 60), token(api.api, 80))],
    ['API error', api && token(api.errorCode, 80)],
    ['Caller type', api && token(api.callerType, 40)],
    // InstanceCredentialExfiltration.InsideAWS: the AWS account the stolen credentials were used from.
    ['Caller account', api && callerAccount(asObject(api.remoteAccountDetails))],
    ['User agent', api && quoted(api.userAgent, 200)],
    ['Connection', network && joinDefined(' ', token(network.connectionDirection, 10), token(network.protocol, 10), portOf('local port', network.localPortDetails), portOf('remote port', network.remotePortDetails))],
    ['Domain requested', dns && quoted(dns.domain, 200)],
    ['Ports probed', listOf([...new Set(probes.map((p) => token(at(p, 'localPortDetails', 'port'), 5)))])],
    // The API's wire name is `LoginAttributes`, capital L, unlike its siblings; accept either spelling.
    // https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RdsLoginAttemptAction.html
    ['Login attempts', rdsLogin && listOf(asArray(rdsLogin.LoginAttributes ?? rdsLogin.loginAttributes).map((a) => loginAttempts(asObject(a))))],
    ['Kubernetes request', kubernetes && joinDefined(' ', token(kubernetes.verb, 20), quoted(kubernetes.requestUri, 200))],
  ];
}

/** `affiliated` is GuardDuty's word for an account related to your GuardDuty environment (e.g. a member). */
function callerAccount(remoteAccount: JsonObject | undefined): string | undefined {
  const accountId = token(remoteAccount?.accountId, 12);
  if (!accountId) return undefined;
  if (remoteAccount?.affiliated === true) return `${accountId} (affiliated with your GuardDuty environment)`;
  return remoteAccount?.affiliated === false ? `${accountId} (outside your GuardDuty environment)` : accountId;
}

/** One RDS login attribute: who tried from which application, how many failed and how many succeeded. */
function loginAttempts(attempt: JsonObject | undefined): string | undefined {
  if (!attempt) return undefined;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : '?');
  const who = joinDefined(' via ', quoted(attempt.user, 100), quoted(attempt.application, 100)) ?? 'unknown user';
  return `${who}: ${count(attempt.failedLoginAttempts)} failed, ${count(attempt.successfulLoginAttempts)} succeeded`;
}

function describeRemote(remote: JsonObject): string {
  const ip = token(remote.ipAddressV4, 45) ?? token(remote.ipAddressV6, 45) ?? 'unknown address';
  const where = placeOf(at(remote, 'city', 'cityName'), at(remote, 'country', 'countryName'));
  const org = quoted(at(remote, 'organization', 'asnOrg'), 80) ?? quoted(at(remote, 'organization', 'org'), 80);
  const about = joinDefined('; ', where, org);
  return about ? `${ip} (${about})` : ip;
}

/** `"Paris, France"`: place names come from GuardDuty's geolocation data, but a sentence there would still be quoted as one value. */
export function placeOf(city: unknown, country: unknown): string | undefined {
  return quoted(joinDefined(', ', plain(city, 60), plain(country, 60)), 130);
}

/** Service-level timing: when the activity was first and last seen, and how often. */
export function describeTiming(detail: JsonObject): Line[] {
  const service = asObject(detail.service) ?? {};
  return [
    ['First seen', token(service.eventFirstSeen, 40)],
    ['Last seen', token(service.eventLastSeen, 40)],
    ['Count', token(service.count, 12)],
    ['Finding created', token(detail.createdAt, 40)],
    ['Finding updated', token(detail.updatedAt, 40)],
  ];
}

function tagValue(tags: unknown, key: string): unknown {
  return asArray(tags).map(asObject).find((t) => t?.key === key)?.value;
}

function portOf(label: string, details: unknown): string | undefined {
  const port = token(at(details, 'port'), 5);
  return port && `${label} ${port}`;
}

export function joinDefined(separator: string, ...parts: readonly (string | undefined)[]): string | undefined {
  const present = parts.filter((p): p is string => p !== undefined);
  return present.length > 0 ? present.join(separator) : undefined;
}

/** Distinct present values, at most MAX_LIST_ITEMS, then "and N more". */
export function listOf(values: readonly (string | undefined)[]): string | undefined {
  const present = [...new Set(values.filter((v): v is string => v !== undefined))];
  if (present.length === 0) return undefined;
  const shown = present.slice(0, MAX_LIST_ITEMS).join(', ');
  return present.length > MAX_LIST_ITEMS ? `${shown} and ${present.length - MAX_LIST_ITEMS} more` : shown;
}

