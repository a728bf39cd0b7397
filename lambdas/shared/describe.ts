/**
 * Reads the parts of a finding a responder needs first (what resource, who is on the other end,
 * when) out of the untrusted detail, as labelled lines of clean text. Lines whose value is
 * missing are dropped, so the alert never shows "undefined".
 */
import { JsonObject, asArray, asObject, at } from './json';
import { clean } from './text';

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
  const resourceType = clean(resource.resourceType, 40);
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
    case 'S3Bucket': {
      const bucketNames = buckets.map((b) => clean(b.name, 63)).filter((n): n is string => n !== undefined);
      const user = clean(accessKey?.userName, 80);
      const bucketLabel = bucketNames.length > 0 ? `bucket ${bucketNames[0]}${bucketNames.length > 1 ? ` +${bucketNames.length - 1}` : ''}` : undefined;
      const userLabel = user ? `user ${user}` : clean(accessKey?.accessKeyId, 40);
      if (!bucketLabel && !userLabel) break;
      return {
        label:
          resource.resourceType === 'S3Bucket'
            ? bucketLabel ?? userLabel
            : changesABucket(detail.type) && bucketLabel
              ? (userLabel ? `${bucketLabel} (${userLabel})` : bucketLabel)
              : userLabel ?? bucketLabel,
        lines: [
          ['Resource type', resourceType],
          ['Bucket', listOf(bucketNames)],
          ['Access key', clean(accessKey?.accessKeyId, 40)],
          ['User', user],
          ['User type', clean(accessKey?.userType, 40)],
          ['Principal id', clean(accessKey?.principalId, 80)],
          ['Credentials of', instanceOfSession(accessKey)],
        ],
      };
    }
    case 'EKSCluster':
      if (eks) {
        const name = clean(eks.name, 100);
        return {
          label: name && `cluster ${name}`,
          lines: [
            ['Resource type', resourceType],
            ['EKS cluster', name],
            ['Kubernetes user', clean(at(resource, 'kubernetesDetails', 'kubernetesUserDetails', 'username'), 100)],
            ['Workload', clean(at(resource, 'kubernetesDetails', 'kubernetesWorkloadDetails', 'name'), 100)],
            ['Namespace', clean(at(resource, 'kubernetesDetails', 'kubernetesWorkloadDetails', 'namespace'), 100)],
          ],
        };
      }
      break;
    case 'RDSDBInstance':
    case 'RDSLimitlessDB': {
      // Limitless databases carry their shard group in rdsLimitlessDbDetails instead of an instance.
      const db = rds ?? rdsLimitless;
      if (db) {
        const instance = clean(db.dbInstanceIdentifier, 63);
        const shardGroup = clean(db.dbShardGroupIdentifier, 63);
        const cluster = clean(db.dbClusterIdentifier, 63);
        const user = asObject(resource.rdsDbUserDetails);
        return {
          label: instance ? `database ${instance}` : shardGroup ? `shard group ${shardGroup}` : cluster && `cluster ${cluster}`,
          lines: [
            ['Resource type', resourceType],
            ['DB instance', instance],
            ['DB shard group', shardGroup],
            ['DB cluster', cluster],
            ['Engine', joinDefined(' ', clean(db.engine, 40), clean(db.engineVersion, 20))],
            ['Database user', clean(user?.user, 100)],
            ['Database name', clean(user?.database, 100)],
            ['Client application', clean(user?.application, 100)],
            ['Auth method', clean(user?.authMethod, 40)],
            ['SSL', clean(user?.ssl, 40)],
          ],
        };
      }
      break;
    }
    case 'Lambda':
      if (lambda) {
        const name = clean(lambda.functionName, 64);
        const vpc = asObject(lambda.vpcConfig);
        const groups = asArray(vpc?.securityGroups).map((g) => clean(asObject(g)?.groupId, 40));
        return {
          label: name && `function ${name}`,
          lines: [
            ['Resource type', resourceType],
            ['Lambda function', name],
            ['Function ARN', clean(lambda.functionArn, 200)],
            ['Version', clean(lambda.functionVersion, 20)],
            ['Execution role', clean(lambda.role, 200)],
            ['VPC', vpc && clean(vpc.vpcId, 40)],
            ['Security groups', listOf(groups)],
          ],
        };
      }
      break;
    case 'ECSCluster':
      if (ecs) {
        const name = clean(ecs.name, 100);
        return { label: name && `cluster ${name}`, lines: [['Resource type', resourceType], ['ECS cluster', name], ['Task', clean(at(ecs, 'taskDetails', 'arn'), 200)]] };
      }
      break;
    case 'Container':
      if (container) {
        const name = clean(container.name, 100);
        return { label: name && `container ${name}`, lines: [['Resource type', resourceType], ['Container', name], ['Image', clean(container.image, 200)]] };
      }
      break;
  }
  return { label: resourceType, lines: [['Resource type', resourceType]] };
}

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
  const role = clean(accessKey.userName, 64);
  return instanceId && (role ? `instance ${instanceId} (role ${role})` : `instance ${instanceId}`);
}

function describeInstance(instance: JsonObject, resourceType: string | undefined): ResourceDescription {
  const id = clean(instance.instanceId, 40);
  const name = clean(tagValue(instance.tags, 'Name'), 60);
  const interfaces = asArray(instance.networkInterfaces).map(asObject).filter((n): n is JsonObject => n !== undefined);
  const groups = interfaces.flatMap((n) => asArray(n.securityGroups).map((g) => clean(at(g, 'groupId'), 40)));
  return {
    label: id && (name ? `${id} (${name})` : id),
    lines: [
      ['Resource type', resourceType],
      ['Instance', id],
      ['Name tag', name],
      ['Instance type', clean(instance.instanceType, 40)],
      ['Image', clean(instance.imageId, 40)],
      ['Availability zone', clean(instance.availabilityZone, 40)],
      ['Instance profile', clean(at(instance, 'iamInstanceProfile', 'arn'), 200)],
      ['VPC', clean(interfaces[0]?.vpcId, 40)],
      ['Private IP', listOf(interfaces.map((n) => clean(n.privateIpAddress, 45)))],
      ['Public IP', listOf(interfaces.map((n) => clean(n.publicIp, 45)))],
      ['Security groups', listOf([...new Set(groups)])],
    ],
  };
}

/** The other end of the activity: remote addresses, where they are, what was called or probed. */
export function describeActor(detail: JsonObject): Line[] {
  const action = asObject(at(detail, 'service', 'action')) ?? {};
  const api = asObject(action.awsApiCallAction);
  const network = asObject(action.networkConnectionAction);
  const dns = asObject(action.dnsRequestAction);
  const kubernetes = asObject(action.kubernetesApiCallAction);
  const rdsLogin = asObject(action.rdsLoginAttemptAction);
  const probes = asArray(at(action, 'portProbeAction', 'portProbeDetails')).map(asObject).filter((p): p is JsonObject => p !== undefined);

  const remotes = [api, network, kubernetes, rdsLogin].map((a) => asObject(a?.remoteIpDetails)).concat(probes.map((p) => asObject(p.remoteIpDetails)));
  const remote = remotes.filter((r): r is JsonObject => r !== undefined).map(describeRemote);
  return [
    ['Action', clean(action.actionType, 40)],
    ['Remote', listOf(remote)],
    ['API called', api && joinDefined(' ', clean(api.serviceName, 60), clean(api.api, 80))],
    ['API error', api && clean(api.errorCode, 80)],
    ['Caller type', api && clean(api.callerType, 40)],
    // InstanceCredentialExfiltration.InsideAWS: the AWS account the stolen credentials were used from.
    ['Caller account', api && callerAccount(asObject(api.remoteAccountDetails))],
    ['User agent', api && clean(api.userAgent, 200)],
    ['Connection', network && joinDefined(' ', clean(network.connectionDirection, 10), clean(network.protocol, 10), portOf('local port', network.localPortDetails), portOf('remote port', network.remotePortDetails))],
    ['Domain requested', dns && clean(dns.domain, 200)],
    ['Ports probed', listOf([...new Set(probes.map((p) => clean(at(p, 'localPortDetails', 'port'), 5)))])],
    // The API's wire name is `LoginAttributes`, capital L, unlike its siblings; accept either spelling.
    // https://docs.aws.amazon.com/guardduty/latest/APIReference/API_RdsLoginAttemptAction.html
    ['Login attempts', rdsLogin && listOf(asArray(rdsLogin.LoginAttributes ?? rdsLogin.loginAttributes).map((a) => loginAttempts(asObject(a))))],
    ['Kubernetes request', kubernetes && joinDefined(' ', clean(kubernetes.verb, 20), clean(kubernetes.requestUri, 200))],
  ];
}

/** `affiliated` is GuardDuty's word for an account related to your GuardDuty environment (e.g. a member). */
function callerAccount(remoteAccount: JsonObject | undefined): string | undefined {
  const accountId = clean(remoteAccount?.accountId, 12);
  if (!accountId) return undefined;
  if (remoteAccount?.affiliated === true) return `${accountId} (affiliated with your GuardDuty environment)`;
  return remoteAccount?.affiliated === false ? `${accountId} (outside your GuardDuty environment)` : accountId;
}

/** One RDS login attribute: who tried from which application, how many failed and how many succeeded. */
function loginAttempts(attempt: JsonObject | undefined): string | undefined {
  if (!attempt) return undefined;
  const count = (value: unknown) => (typeof value === 'number' && Number.isFinite(value) ? String(value) : '?');
  const who = joinDefined(' via ', clean(attempt.user, 100), clean(attempt.application, 100)) ?? 'unknown user';
  return `${who}: ${count(attempt.failedLoginAttempts)} failed, ${count(attempt.successfulLoginAttempts)} succeeded`;
}

function describeRemote(remote: JsonObject): string {
  const ip = clean(remote.ipAddressV4, 45) ?? clean(remote.ipAddressV6, 45) ?? 'unknown address';
  const where = joinDefined(', ', clean(at(remote, 'city', 'cityName'), 60), clean(at(remote, 'country', 'countryName'), 60));
  const org = clean(at(remote, 'organization', 'asnOrg'), 80) ?? clean(at(remote, 'organization', 'org'), 80);
  const about = joinDefined('; ', where, org);
  return about ? `${ip} (${about})` : ip;
}

/** Service-level timing: when the activity was first and last seen, and how often. */
export function describeTiming(detail: JsonObject): Line[] {
  const service = asObject(detail.service) ?? {};
  return [
    ['First seen', clean(service.eventFirstSeen, 40)],
    ['Last seen', clean(service.eventLastSeen, 40)],
    ['Count', clean(service.count, 12)],
    ['Finding created', clean(detail.createdAt, 40)],
    ['Finding updated', clean(detail.updatedAt, 40)],
  ];
}

function tagValue(tags: unknown, key: string): unknown {
  return asArray(tags).map(asObject).find((t) => t?.key === key)?.value;
}

function portOf(label: string, details: unknown): string | undefined {
  const port = clean(at(details, 'port'), 5);
  return port && `${label} ${port}`;
}

function joinDefined(separator: string, ...parts: readonly (string | undefined)[]): string | undefined {
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

