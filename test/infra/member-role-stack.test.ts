import { Validations } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MEMBER_STACK_ID, buildApp } from '../../infra/app';
import { REMEDIATION_HANDLERS, ec2PermissionsOf, remediationRolePathOf } from '../../core/catalog';
import { unitTestApp } from '../support/synth';

function synthMember(context: Record<string, unknown>) {
  const app = unitTestApp(context);
  buildApp(app);
  return app;
}

type Statement = { Effect: string; Action: string | string[]; Condition?: Record<string, Record<string, unknown>> };

describe('Stack: GuardDutyResponseMember', () => {
  const app = synthMember({ securityAccountId: '111122223333', memberRoleName: 'SecOpsResponder', exclusionTag: 'Hold' });
  const template = Template.fromStack(app.node.findChild(MEMBER_STACK_ID) as never);
  const roles = Object.entries(template.findResources('AWS::IAM::Role'));
  const statementsOf = (roleId: string): Statement[] =>
    Object.values(template.findResources('AWS::IAM::Policy'))
      .filter((p) => p.Properties.Roles.some((r: { Ref: string }) => r.Ref === roleId))
      .flatMap((p) => p.Properties.PolicyDocument.Statement);

  it('exists only when securityAccountId is given', () => {
    expect(synthMember({}).node.tryFindChild(MEMBER_STACK_ID)).toBeUndefined();
  });

  it('creates one role per remediation handler, named <memberRoleName>-<handler>', () => {
    expect(roles.map(([, r]) => r.Properties.RoleName).sort()).toEqual(REMEDIATION_HANDLERS.map((h) => `SecOpsResponder-${h}`).sort());
  });

  it.each(REMEDIATION_HANDLERS)("trusts only the security account's %s function roles, by their path", (handler) => {
    const [, role] = roles.find(([, r]) => r.Properties.RoleName === `SecOpsResponder-${handler}`)!;
    expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([
      {
        Action: 'sts:AssumeRole',
        Effect: 'Allow',
        Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } },
        Condition: { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::111122223333:role${remediationRolePathOf(handler)}*`]] } } },
      },
    ]);
  });

  it.each(REMEDIATION_HANDLERS)("grants the %s role exactly its handler's catalog grants, and denies changes to excluded resources", (handler) => {
    const [roleId] = roles.find(([, r]) => r.Properties.RoleName === `SecOpsResponder-${handler}`)!;
    const statements = statementsOf(roleId);
    const allows = statements.filter((s) => s.Effect === 'Allow').map((s) => [s.Action].flat().sort().join(' '));
    expect(allows.sort()).toEqual(ec2PermissionsOf(handler).map((p) => [...p.actions].sort().join(' ')).sort());
    const deny = statements.filter((s) => s.Effect === 'Deny');
    expect(deny.length).toBeGreaterThanOrEqual(1);
    for (const statement of deny) expect(statement.Condition).toEqual({ Null: { 'aws:ResourceTag/Hold': 'false' } });
    expect(statements.flatMap((s) => [s.Action].flat()).filter((a) => a.startsWith('sts:') || a.startsWith('iam:'))).toEqual([]);
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement reasoned', () => {
    const checked = synthMember({ securityAccountId: '111122223333' });
    Validations.of(checked).addPlugins(new AwsSolutionsChecks(checked));
    expect(() => checked.synth()).not.toThrow();
  });
});
