import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat, SourceMapMode } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Ec2Permission, Playbook, ResourceKind, ec2PermissionsOf } from '../catalog';
import { HANDLER_ENV } from '../contract';
import { AlertTopic } from './alert-topic';

const LAMBDAS_DIR = path.join(__dirname, '..', '..', 'lambdas');

export interface ResponseFunctionProps {
  readonly playbook: Playbook;
  readonly alertTopic: AlertTopic;
  /** Receives the event when every retry of an asynchronous invocation failed. */
  readonly deadLetterQueue: sqs.IQueue;
  /**
   * How long the function's log events are kept.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Extra environment variables (settings the handler reads).
   * @default - none
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * For remediation playbooks: the role assumed in member accounts. Its name is granted to
   * sts:AssumeRole, and the function's role goes under REMEDIATION_ROLE_PATH, which member roles trust.
   * @default - not a remediation playbook
   */
  readonly memberRoleName?: string;
}

/** The IAM path of remediation roles: the member role trusts exactly the roles under it in the security account. */
export const REMEDIATION_ROLE_PATH = '/guardduty-response/remediation/';

/** The IAM statements granting `permissions`, in the account `account` (own account: '*' would be wider than needed). */
export function ec2Statements(permissions: readonly Ec2Permission[], account: string): iam.PolicyStatement[] {
  return permissions.map(
    (permission) =>
      new iam.PolicyStatement({
        actions: [...permission.actions],
        resources: permission.resources === '*' ? ['*'] : permission.resources.map((kind) => arnOf(kind, account)),
        conditions: {
          ...(permission.tagKeysLike && { 'ForAllValues:StringLike': { 'aws:TagKeys': [permission.tagKeysLike] } }),
          ...(permission.resourceTag && { Null: { [`aws:ResourceTag/${permission.resourceTag}`]: 'false' } }),
        },
      }),
  );
}

/**
 * cdk-nag flags every wildcard resource; each grant of the catalog carries its reason, which
 * becomes the acknowledgement of exactly the wildcard it needs (resources of one kind in the own
 * account, or `*` where the service has no resource-level permission).
 */
export function acknowledgeScopedWildcards(role: iam.IRole, permissions: readonly Ec2Permission[]): void {
  const reasons = new Map<string, string[]>();
  for (const permission of permissions) {
    const resources = permission.resources === '*' ? ['*'] : permission.resources.map((kind) => arnOf(kind, '<AWS::AccountId>').replace(Aws.PARTITION, '<AWS::Partition>'));
    for (const resource of resources) reasons.set(resource, [...(reasons.get(resource) ?? []), permission.why]);
  }
  for (const [resource, why] of reasons) {
    Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason: `${why.join('; ')}.` });
  }
}

/** Every resource of a kind in `account`, any region. */
export function arnOf(kind: ResourceKind, account: string): string {
  if (kind === 'autoScalingGroup') return `arn:${Aws.PARTITION}:autoscaling:*:${account}:autoScalingGroup:*:autoScalingGroupName/*`;
  // Snapshot ARNs carry no account: arn:${Partition}:ec2:${Region}::snapshot/${SnapshotId}
  // (Service Authorization Reference, Amazon EC2, resource types).
  if (kind === 'snapshot') return `arn:${Aws.PARTITION}:ec2:*::snapshot/*`;
  return `arn:${Aws.PARTITION}:ec2:*:${account}:${kind}/*`;
}

/**
 * One playbook's Lambda function: its own role, log group and metrics, running the shared
 * handler code named by the catalog.
 */
export class ResponseFunction extends Construct {
  public readonly function: NodejsFunction;
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: ResponseFunctionProps) {
    super(scope, id);
    const { playbook } = props;
    const logGroup = new logs.LogGroup(this, 'Logs', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      // Keep the record of what a security automation did after the stack is gone.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    // A role of our own instead of AWSLambdaBasicExecutionRole: it may write to this log group only.
    const ec2Permissions = ec2PermissionsOf(playbook.handler);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `guardduty-response playbook ${playbook.id}`,
      ...(ec2Permissions.length > 0 && { path: REMEDIATION_ROLE_PATH }),
    });
    logGroup.grantWrite(this.role);
    if (ec2Permissions.length > 0) {
      for (const statement of ec2Statements(ec2Permissions, Aws.ACCOUNT_ID)) this.role.addToPrincipalPolicy(statement);
      if (!props.memberRoleName) throw new Error(`remediation playbook ${playbook.id} needs memberRoleName`);
      // Member accounts are not known at synth time; the role name is.
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: ['sts:AssumeRole'], resources: [`arn:${Aws.PARTITION}:iam::*:role/${props.memberRoleName}`] }));
      acknowledgeScopedWildcards(this.role, ec2Permissions);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${props.memberRoleName}]`,
        reason: 'Member accounts are only known from the finding; only the member role, by its name, may be assumed.',
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      description: `[${playbook.id}] ${playbook.title}`,
      entry: path.join(LAMBDAS_DIR, playbook.handler, 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      timeout: Duration.seconds(30),
      role: this.role,
      logGroup,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: 2,
      environment: {
        [HANDLER_ENV.topicArn]: props.alertTopic.topic.topicArn,
        [HANDLER_ENV.playbookId]: playbook.id,
        POWERTOOLS_SERVICE_NAME: 'guardduty-response',
        NODE_OPTIONS: '--enable-source-maps',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        minify: true,
        sourceMap: true,
        sourceMapMode: SourceMapMode.DEFAULT,
        // Bundle the SDK: the version we test is the version that runs, not the runtime's.
        externalModules: [],
        mainFields: ['module', 'main'],
        // Some bundled CommonJS dependencies call require(); ESM output needs it defined.
        banner: "import { createRequire as __createRequire } from 'node:module'; const require = __createRequire(import.meta.url);",
      },
    });
    props.alertTopic.grantPublish(this.role);

    Validations.of(this.role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason: 'Publishing to the KMS-encrypted alert topic needs GenerateDataKey; the grant is scoped to the stack key alone.',
    });
    Validations.of(this.function).acknowledge({
      id: 'AwsSolutions::AwsSolutions-L1',
      reason: 'Node.js 22 is pinned on purpose: bundles are built and tested for node22; move the runtime and the bundling target together.',
    });
  }
}
