import { Aws, CliCredentialsStackSynthesizer, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HANDLERS, HandlerName, ec2PermissionsOf } from './catalog';
import { REMEDIATION_ROLE_PATH, acknowledgeScopedWildcards, ec2Statements } from './constructs/response-function';

export interface MemberRoleStackProps extends StackProps {
  /** The account where the GuardDutyResponse stack runs: only its remediation roles may assume this role. */
  readonly securityAccountId: string;
  /** Must equal the main stack's `memberRoleName`. */
  readonly roleName: string;
}

/**
 * Deployed in each member account (directly, or as a StackSet): the role the remediation
 * functions assume there. Trusted only by the security account's remediation roles (by their IAM
 * path), it may do exactly what the remediations call in EC2 and nothing else. IAM is global, so
 * one deployment per account serves every region.
 */
export class MemberRoleStack extends Stack {
  public readonly role: iam.Role;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    // A StackSet deploys into accounts that were never `cdk bootstrap`ped: no BootstrapVersion
    // parameter or rule (DefaultStackSynthesizer adds both), no CDK metadata, no assets. The CLI
    // deploys it with the caller's credentials, so a member account needs nothing but this template.
    super(scope, id, { ...props, synthesizer: new CliCredentialsStackSynthesizer(), analyticsReporting: false });
    this.role = new iam.Role(this, 'Role', {
      roleName: props.roleName,
      description: `guardduty-response: lets the security account ${props.securityAccountId} remediate GuardDuty findings in this account`,
      assumedBy: new iam.AccountPrincipal(props.securityAccountId).withConditions({
        ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${props.securityAccountId}:role${REMEDIATION_ROLE_PATH}*` },
      }),
    });
    const remediationHandlers = (Object.keys(HANDLERS) as HandlerName[]).filter((h) => ec2PermissionsOf(h).length > 0);
    const permissions = remediationHandlers.flatMap(ec2PermissionsOf);
    for (const statement of ec2Statements(permissions, Aws.ACCOUNT_ID)) this.role.addToPrincipalPolicy(statement);
    acknowledgeScopedWildcards(this.role, permissions);
  }
}
