import { App, Validations } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { AwsSolutionsChecks } from 'cdk-nag';
import { MEMBER_STACK_ID, buildApp } from '../lib/app';
import { HANDLERS, HandlerName, ec2PermissionsOf } from '../lib/catalog';
import { REMEDIATION_ROLE_PATH } from '../lib/constructs/response-function';

function synthMember(context: Record<string, unknown>) {
  const app = new App({ context: { 'aws:cdk:bundling-stacks': [], ...context }, builtinCloudFormationValidation: false });
  buildApp(app);
  return app;
}

describe('Stack: GuardDutyResponseMember', () => {
  const app = synthMember({ securityAccountId: '111122223333', memberRoleName: 'SecOpsResponder' });
  const template = Template.fromStack(app.node.findChild(MEMBER_STACK_ID) as never);

  it('exists only when securityAccountId is given', () => {
    expect(synthMember({}).node.tryFindChild(MEMBER_STACK_ID)).toBeUndefined();
  });

  it('creates the member role by its configured name, trusted only by the remediation roles of the security account', () => {
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'SecOpsResponder',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::111122223333:root']] } },
            Condition: { ArnLike: { 'aws:PrincipalArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:iam::111122223333:role${REMEDIATION_ROLE_PATH}*`]] } } },
          },
        ],
      },
    });
  });

  it('grants exactly what the remediations of the catalog call, each scoped as in the catalog', () => {
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const expected = (Object.keys(HANDLERS) as HandlerName[]).flatMap(ec2PermissionsOf).map((p) => [...p.actions].sort().join(' '));
    expect(expected.length).toBeGreaterThan(3);
    expect(statements.map((s: { Action: string | string[] }) => [s.Action].flat().sort().join(' ')).sort()).toEqual(expected.sort());
    expect(statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat()).filter((a: string) => a.startsWith('sts:') || a.startsWith('iam:'))).toEqual([]);
    template.hasResourceProperties('AWS::IAM::Policy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: 'ec2:CreateTags',
            Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['guardduty-response:*'] } },
            Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':ec2:*:', { Ref: 'AWS::AccountId' }, ':security-group/*']] },
          }),
        ]),
      },
    });
  });

  it('passes cdk-nag AwsSolutions with every acknowledgement reasoned', () => {
    const checked = synthMember({ securityAccountId: '111122223333' });
    Validations.of(checked).addPlugins(new AwsSolutionsChecks(checked));
    expect(() => checked.synth()).not.toThrow();
  });
});
