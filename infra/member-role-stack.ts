import { Aws, CliCredentialsStackSynthesizer, Stack, StackProps } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { HandlerName, REMEDIATION_HANDLERS, memberRoleNameOf, remediationRolePathOf } from '../core/catalog';
import { acknowledgeScopedWildcards, remediationStatements } from './constructs/remediation-grants';

export interface MemberRoleStackProps extends StackProps {
  /** The account where the GuardDutyResponse stack runs: only its remediation roles may assume these roles. */
  readonly securityAccountId: string;
  /** Must equal the main stack's `memberRoleName`: each handler's role is `<prefix>-<handler>`. */
  readonly roleNamePrefix: string;
  /** Must equal the main stack's `exclusionTag`: IAM denies every change to a resource carrying it. */
  readonly exclusionTag: string;
}

/**
 * Deployed in each member account (directly, or as a StackSet): one role per remediation handler,
 * each trusted only by that handler's function roles in the security account and allowed exactly
 * that handler's grants, so the SSH remediation can never move an interface and isolation can
 * never open a port. IAM is global: one deployment per account serves every region.
 */
export class MemberRoleStack extends Stack {
  public readonly roles: ReadonlyMap<HandlerName, iam.Role>;

  constructor(scope: Construct, id: string, props: MemberRoleStackProps) {
    // A StackSet deploys into accounts that were never `cdk bootstrap`ped: no BootstrapVersion
    // parameter or rule (DefaultStackSynthesizer adds both), no CDK metadata, no assets. The CLI
    // deploys it with the caller's credentials, so a member account needs nothing but this template.
    super(scope, id, { ...props, synthesizer: new CliCredentialsStackSynthesizer(), analyticsReporting: false });
    const roles = new Map<HandlerName, iam.Role>();
    for (const handler of REMEDIATION_HANDLERS) {
      const role = new iam.Role(this, `Role-${handler}`, {
        roleName: memberRoleNameOf(props.roleNamePrefix, handler),
        description: `guardduty-response: lets the ${handler} remediation of security account ${props.securityAccountId} act in this account`,
        // The function roles of this handler live under its path in the security account. Creating
        // another role there needs iam:CreateRole in the security account, which already controls
        // the functions themselves; the path keeps trust valid when CloudFormation renames a role.
        assumedBy: new iam.AccountPrincipal(props.securityAccountId).withConditions({
          ArnLike: { 'aws:PrincipalArn': `arn:${Aws.PARTITION}:iam::${props.securityAccountId}:role${remediationRolePathOf(handler)}*` },
        }),
      });
      for (const statement of remediationStatements(handler, props.exclusionTag)) role.addToPrincipalPolicy(statement);
      acknowledgeScopedWildcards(role, handler);
      roles.set(handler, role);
    }
    this.roles = roles;
  }
}
