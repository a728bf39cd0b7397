import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as dynamodb from 'aws-cdk-lib/aws-dynamodb';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import { Construct } from 'constructs';
import { LOCK_KEY_PREFIX, STATE_TABLE, STORM_KEY_PATTERNS } from '../../core/state-table';

export interface FindingStateTableProps {
  /** Encrypts the table (findings name resources and people). */
  readonly key: kms.IKey;
}

/**
 * One item per finding (lambdas/shared/finding-state.ts): on demand, encrypted with the stack key,
 * point-in-time recovery, items expiring by TTL 90 days after their finding's last update, and
 * retained when the stack is deleted (it is the record of what was alerted).
 */
export class FindingStateTable extends Construct {
  public readonly table: dynamodb.Table;
  private readonly key: kms.IKey;

  constructor(scope: Construct, id: string, props: FindingStateTableProps) {
    super(scope, id);
    this.key = props.key;
    this.table = new dynamodb.Table(this, 'Table', {
      partitionKey: { name: STATE_TABLE.partitionKey, type: dynamodb.AttributeType.STRING },
      billingMode: dynamodb.BillingMode.PAY_PER_REQUEST,
      encryption: dynamodb.TableEncryption.CUSTOMER_MANAGED,
      encryptionKey: props.key,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      timeToLiveAttribute: STATE_TABLE.ttlAttribute,
      removalPolicy: RemovalPolicy.RETAIN,
    });
  }

  /** Lock items only (their keys start with `lock#`): what instance-lock.ts deletes when it gives a lock back. */
  public grantLocks(role: iam.IRole): void {
    this.grantItems(role, ['dynamodb:DeleteItem'], [`${LOCK_KEY_PREFIX}*`]);
  }

  /** What the storm digest calls: read the index and the windows, remove what it published; storm items only. */
  public grantDigest(role: iam.IRole): void {
    this.grantItems(role, ['dynamodb:GetItem', 'dynamodb:UpdateItem'], STORM_KEY_PATTERNS);
    this.grantKey(role);
  }

  /**
   * Exactly what the state modules call: read an item, create it, update it (and the key to do
   * so), on the items of `keyPatterns` only (core/state-table.ts stateKeyPatterns).
   */
  public grantDecide(role: iam.IRole, keyPatterns: readonly string[]): void {
    this.grantItems(role, ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'], keyPatterns);
    this.grantKey(role);
  }

  /**
   * `actions` on the items whose partition keys match `keyPatterns` only. dynamodb:LeadingKeys:
   * the partition key values a request touches (DynamoDB Developer Guide, "Using IAM policy
   * conditions for fine-grained access control").
   */
  private grantItems(role: iam.IRole, actions: readonly string[], keyPatterns: readonly string[]): void {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        actions: [...actions],
        resources: [this.table.tableArn],
        conditions: { 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': [...keyPatterns] } },
      }),
    );
  }

  /** What CDK grants for data access to a table encrypted with a customer managed key. */
  private grantKey(role: iam.IRole): void {
    this.key.grantEncryptDecrypt(role);
    Validations.of(role).acknowledge({
      id: 'AwsSolutions::AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
      reason: 'Reading and writing the finding-state table, encrypted with the stack key, uses the key; the grant is scoped to that key alone.',
    });
  }
}
