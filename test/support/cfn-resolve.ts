/**
 * Resolves CloudFormation intrinsics in a synthesized template to the strings a real deployment
 * would produce, so that policies can be evaluated and measured as AWS sees them.
 *
 * Names are as long as AWS allows: CloudFormation generates physical names of up to 64
 * characters (stack name, logical id, random suffix), and quotas are checked against the worst
 * case, with the longest partition and region names.
 */

export interface Environment {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly stackName: string;
}

/** The longest names a deployment can get: `aws-us-gov` (10) and a 14-character region such as `ap-southeast-2`. */
export const LONGEST: Environment = { partition: 'aws-us-gov', region: 'ap-southeast-2', account: '111122223333', stackName: 'GuardDutyResponse' };
/** A plain commercial-partition deployment, for evaluating policies against ARNs written from the Service Authorization Reference. */
export const COMMERCIAL: Environment = { partition: 'aws', region: 'eu-west-1', account: '111122223333', stackName: 'GuardDutyResponse' };

interface Resource {
  readonly Type: string;
  readonly Properties?: Record<string, unknown>;
}

export interface Template {
  readonly Resources: Record<string, Resource>;
}

/** A 64-character physical name, as CloudFormation generates when a resource has no explicit name. */
export function generatedName(env: Environment, logicalId: string): string {
  const suffix = 'A1B2C3D4E5F6';
  return `${`${env.stackName}-${logicalId}`.slice(0, 64 - suffix.length - 1)}-${suffix}`.padEnd(64, 'X');
}

export class Resolver {
  constructor(
    private readonly template: Template,
    readonly env: Environment,
  ) {}

  /** Any value of the template with every intrinsic replaced by its string. */
  resolve(value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => this.resolve(v));
    if (value === null || typeof value !== 'object') return value;
    const object = value as Record<string, unknown>;
    const keys = Object.keys(object);
    if (keys.length === 1) {
      const [key] = keys;
      const argument = object[key];
      if (key === 'Ref') return this.ref(String(argument));
      if (key === 'Fn::GetAtt') {
        const [logicalId, attribute] = argument as [string, string];
        return this.getAtt(logicalId, attribute);
      }
      if (key === 'Fn::Join') {
        const [separator, parts] = argument as [string, unknown[]];
        return (this.resolve(parts) as unknown[]).map(String).join(separator);
      }
      if (key.startsWith('Fn::')) throw new Error(`cfn-resolve: ${key} is not supported; add it here`);
    }
    return Object.fromEntries(keys.map((k) => [k, this.resolve(object[k])]));
  }

  /** The name a resource gets: its explicit name property, else a generated 64-character one. */
  physicalName(logicalId: string): string {
    const resource = this.resource(logicalId);
    const explicit = { 'AWS::IAM::Role': 'RoleName', 'AWS::SQS::Queue': 'QueueName', 'AWS::SNS::Topic': 'TopicName', 'AWS::Lambda::Function': 'FunctionName', 'AWS::CloudWatch::Alarm': 'AlarmName', 'AWS::Events::Rule': 'Name', 'AWS::Events::EventBus': 'Name', 'AWS::Logs::LogGroup': 'LogGroupName', 'AWS::DynamoDB::Table': 'TableName' }[resource.Type];
    const name = explicit ? resource.Properties?.[explicit] : undefined;
    return name === undefined ? generatedName(this.env, logicalId) : String(this.resolve(name));
  }

  private resource(logicalId: string): Resource {
    const resource = this.template.Resources[logicalId];
    if (!resource) throw new Error(`cfn-resolve: no resource ${logicalId}`);
    return resource;
  }

  private ref(name: string): string {
    const { partition, region, account, stackName } = this.env;
    const pseudo: Record<string, string> = { 'AWS::Partition': partition, 'AWS::Region': region, 'AWS::AccountId': account, 'AWS::StackName': stackName, 'AWS::URLSuffix': 'amazonaws.com' };
    if (name in pseudo) return pseudo[name];
    const resource = this.resource(name);
    switch (resource.Type) {
      case 'AWS::SNS::Topic':
        return this.arn(name);
      case 'AWS::SQS::Queue':
        return `https://sqs.${region}.amazonaws.com/${account}/${this.physicalName(name)}`;
      case 'AWS::KMS::Key':
        return '1234abcd-12ab-34cd-56ef-1234567890ab';
      default:
        return this.physicalName(name);
    }
  }

  private getAtt(logicalId: string, attribute: string): string {
    if (attribute === 'Arn' || attribute === 'TopicArn') return this.arn(logicalId);
    if (attribute === 'QueueName' || attribute === 'Name') return this.physicalName(logicalId);
    throw new Error(`cfn-resolve: Fn::GetAtt ${attribute} is not supported; add it here`);
  }

  private arn(logicalId: string): string {
    const { partition, region, account } = this.env;
    const resource = this.resource(logicalId);
    const name = this.physicalName(logicalId);
    const regional = (service: string, rest: string) => `arn:${partition}:${service}:${region}:${account}:${rest}`;
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return `arn:${partition}:iam::${account}:role${String(this.resolve(resource.Properties?.Path ?? '/'))}${name}`;
      case 'AWS::SQS::Queue':
        return regional('sqs', name);
      case 'AWS::SNS::Topic':
        return regional('sns', name);
      case 'AWS::Lambda::Function':
        return regional('lambda', `function:${name}`);
      case 'AWS::KMS::Key':
        return regional('kms', `key/${this.ref(logicalId)}`);
      case 'AWS::Events::EventBus':
        return regional('events', `event-bus/${name}`);
      case 'AWS::Events::Rule': {
        const bus = resource.Properties?.EventBusName;
        return regional('events', `rule/${bus === undefined ? '' : `${String(this.resolve(bus))}/`}${name}`);
      }
      case 'AWS::CloudWatch::Alarm':
        return regional('cloudwatch', `alarm:${name}`);
      case 'AWS::Logs::LogGroup':
        return regional('logs', `log-group:${name}:*`);
      case 'AWS::DynamoDB::Table':
        return regional('dynamodb', `table/${name}`);
      default:
        throw new Error(`cfn-resolve: no ARN format for ${resource.Type}; add it here`);
    }
  }
}
