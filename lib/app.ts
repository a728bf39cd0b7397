import { App } from 'aws-cdk-lib';
import { loadConfig } from './config';
import { GuardDutyResponseStack } from './guardduty-response-stack';
import { MemberRoleStack } from './member-role-stack';

export const STACK_ID = 'GuardDutyResponse';
export const MEMBER_STACK_ID = 'GuardDutyResponseMember';

/**
 * The app as `cdk synth` builds it: the stack, configured from the app's context, and, when
 * `securityAccountId` is given, the member-account stack. Throws ConfigError on a bad flag.
 */
export function buildApp(app: App): GuardDutyResponseStack {
  const config = loadConfig(app.node.getAllContext());
  const stack = new GuardDutyResponseStack(app, STACK_ID, {
    description: 'guardduty-response: alerts and automated response for Amazon GuardDuty',
    config,
  });
  if (config.securityAccountId) {
    new MemberRoleStack(app, MEMBER_STACK_ID, {
      description: 'guardduty-response: the roles remediations assume in this member account, one per remediation',
      securityAccountId: config.securityAccountId,
      roleNamePrefix: config.remediation.memberRoleName,
      exclusionTag: config.remediation.exclusionTag,
    });
  }
  return stack;
}
