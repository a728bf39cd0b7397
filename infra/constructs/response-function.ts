import * as path from 'node:path';
import { Aws, Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { Playbook, VERIFY_FINDING_PERMISSION, isRemediation, remediationRolePathOf } from '../../core/catalog';
import { HANDLER_ENV } from '../../core/contract';
import { ASYNC_RETRY_ATTEMPTS, NOTIFY_TIMEOUT_SECONDS, REMEDIATION_TIMEOUT_SECONDS } from '../../core/timing';
import { AlertTopic } from './alert-topic';
import { acknowledgeScopedWildcards, remediationStatements } from './remediation-grants';
import { shakeableSdkAliases } from '../shakeable-sdk';

const LAMBDAS_DIR = path.join(__dirname, '..', '..', 'lambdas');

/**
 * Modules the bundles replace (esbuild `alias`): the SDK's default credential chain becomes the
 * environment credentials Lambda provides (lambdas/shared/lambda-credentials.ts says why), and
 * each SDK client a copy whose unused schemas esbuild can drop (infra/shakeable-sdk.ts).
 * `npm run bench` builds with the same aliases.
 */
export function bundleAliases(): Readonly<Record<string, string>> {
  return {
    '@aws-sdk/credential-provider-node': path.join(LAMBDAS_DIR, 'shared', 'lambda-credentials.ts'),
    ...shakeableSdkAliases(),
  };
}

export interface ResponseFunctionProps {
  /** The playbook it runs (or, for the storm digest, a function of the stack with an id, a title and a handler). */
  readonly playbook: Pick<Playbook, 'id' | 'title' | 'handler'>;
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
   * For remediation playbooks: what the function may do. Its role goes under the handler's
   * remediation path (which the handler's member role trusts), gets the handler's grants and the
   * Deny on excluded resources, and may assume the handler's member role.
   * @default - not a remediation playbook
   */
  readonly remediation?: {
    /** The member role the handler assumes in member accounts (catalog memberRoleNameOf). */
    readonly memberRoleName: string;
    readonly exclusionTag: string;
    /**
     * Member roles may be assumed only in accounts of this organization (aws:ResourceOrgID).
     * @default - any account's role of that name
     */
    readonly organizationId?: string;
    /**
     * The function's reserved concurrency (core/timing.ts REMEDIATION_CONCURRENCY); 0: none.
     * @default 0
     */
    readonly concurrency?: number;
  };
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
    const { remediation } = props;
    if (isRemediation(playbook) !== (remediation !== undefined)) throw new Error(`playbook ${playbook.id}: remediation settings are given exactly to remediation playbooks`);
    this.role = new iam.Role(this, 'Role', {
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `guardduty-response playbook ${playbook.id}`,
      ...(remediation && { path: remediationRolePathOf(playbook.handler) }),
    });
    logGroup.grantWrite(this.role);
    if (remediation) {
      for (const statement of remediationStatements(playbook.handler, remediation.exclusionTag)) this.role.addToPrincipalPolicy(statement);
      this.role.addToPrincipalPolicy(new iam.PolicyStatement({ actions: [...VERIFY_FINDING_PERMISSION.actions], resources: ['*'] }));
      // Member accounts are only known from the finding; the role name is known. With the
      // organization id, IAM refuses a role of that name in an account outside it (aws:ResourceOrgID,
      // set on sts:AssumeRole when the role's account is in an organization).
      const memberRoles = `arn:${Aws.PARTITION}:iam::*:role/${remediation.memberRoleName}`;
      this.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          actions: ['sts:AssumeRole'],
          resources: [memberRoles],
          ...(remediation.organizationId && { conditions: { StringEquals: { 'aws:ResourceOrgID': remediation.organizationId } } }),
        }),
      );
      acknowledgeScopedWildcards(this.role, playbook.handler);
      Validations.of(this.role).acknowledge({
        id: `AwsSolutions::AwsSolutions-IAM5[Resource::arn:<AWS::Partition>:iam::*:role/${remediation.memberRoleName}]`,
        reason: "Member accounts are only known from the finding; only this handler's member role, by its name, may be assumed.",
      });
    }

    this.function = new NodejsFunction(this, 'Function', {
      description: `[${playbook.id}] ${playbook.title}`,
      entry: path.join(LAMBDAS_DIR, playbook.handler, 'index.ts'),
      handler: 'handler',
      runtime: lambda.Runtime.NODEJS_22_X,
      architecture: lambda.Architecture.ARM_64,
      memorySize: 256,
      // core/timing.ts: remediations make many bounded calls and check the time left before a move.
      timeout: Duration.seconds(remediation ? REMEDIATION_TIMEOUT_SECONDS : NOTIFY_TIMEOUT_SECONDS),
      role: this.role,
      logGroup,
      deadLetterQueue: props.deadLetterQueue,
      retryAttempts: ASYNC_RETRY_ATTEMPTS,
      // A burst waits in Lambda's queue for a free container rather than failing on EC2's throttling.
      ...(remediation?.concurrency && { reservedConcurrentExecutions: remediation.concurrency }),
      environment: {
        [HANDLER_ENV.topicArn]: props.alertTopic.topic.topicArn,
        [HANDLER_ENV.playbookId]: playbook.id,
        POWERTOOLS_SERVICE_NAME: 'guardduty-response',
        ...props.environment,
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        // Cold start and upload size (npm run bench, Node 22): with a source map and
        // --enable-source-maps, notify started at 3.7x an empty ES module and its zip was 576 KiB;
        // without them, 3.1-3.4x and the code alone. Stack traces stay readable in CloudWatch without a
        // map: keepNames keeps every function and class name in each frame (the messages are ours). A
        // frame's position can still be mapped: esbuild is deterministic, so bundling the deployed
        // commit with `sourcemap: true` gives the map of the very code that ran.
        minify: true,
        keepNames: true,
        sourceMap: false,
        // Bundle the SDK: the version we test is the version that runs, not the runtime's.
        externalModules: [],
        mainFields: ['module', 'main'],
        esbuildArgs: Object.fromEntries(Object.entries(bundleAliases()).map(([module, file]) => [`--alias:${module}`, file])),
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
