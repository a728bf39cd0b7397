import { Template } from 'aws-cdk-lib/assertions';
import { KNOWN_REGIONS, MEMBER_FORWARDER_STACK_ID, MEMBER_STACK_ID, STACK_ID, buildApp, forwardedRegions } from '../../infra/app';
import { loadConfig } from '../../core/config';
import { apiCallRoutes, regionForwardingRoutes } from '../../core/routing';
import { LONGEST, Resolver } from '../support/cfn-resolve';
import { Statement, evaluate } from '../support/iam-evaluate';
import { unitTestApp } from '../support/synth';

const synth = (context: Record<string, unknown>, home: string | undefined) => {
  const app = unitTestApp(context);
  buildApp(app, home);
  return app.synth();
};

describe('Flag: regions', () => {
  it('defaults to the home Region only: one stack, no forwarding', () => {
    expect(loadConfig({}).regions).toEqual([]);
    expect(synth({}, undefined).stacks.map((s) => s.stackName)).toEqual([STACK_ID]);
  });

  it.each([
    ['Europe', /'regions': 'Europe' is not a Region name such as eu-west-1/],
    ['eu-west-1,us-east-1,eu-west-1', /'regions': 'eu-west-1' is listed twice/],
  ])('rejects %p', (value, message) => {
    expect(() => loadConfig({ regions: value })).toThrow(message);
  });

  it('rejects a Region the CDK does not know when the app is built, listing the valid ones', () => {
    expect(() => synth({ regions: 'eu-west-9' }, 'eu-west-1')).toThrow(/'regions': 'eu-west-9' is not a Region this release knows\. Valid values: af-south-1, .*eu-west-1, /);
  });

  it('lists every Region the CDK knows in its error, and knows the usual ones', () => {
    expect(KNOWN_REGIONS).toEqual(expect.arrayContaining(['us-east-1', 'eu-west-1', 'ap-southeast-4', 'us-gov-west-1', 'cn-north-1']));
  });

  it('needs the home Region, and Regions of its partition', () => {
    expect(() => forwardedRegions(['us-east-1'], undefined)).toThrow(/'regions': the home Region is unknown\. Set AWS_REGION/);
    expect(() => forwardedRegions(['cn-north-1'], 'eu-west-1')).toThrow(/'cn-north-1' is in partition aws-cn, the home Region eu-west-1 in aws/);
    // The home Region may be listed or not.
    expect(forwardedRegions(['eu-west-1', 'us-east-1'], 'eu-west-1')).toEqual(['us-east-1']);
    expect(forwardedRegions(['us-east-1'], 'eu-west-1')).toEqual(['us-east-1']);
  });
});

describe('Stack: GuardDutyResponse-<region>, one per other Region', () => {
  const assembly = synth({ regions: 'eu-west-1,us-east-1,ap-south-2' }, 'eu-west-1');
  const home = Template.fromJSON(assembly.getStackByName(STACK_ID).template);
  const config = loadConfig({});
  const HOME_BUS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:', { Ref: 'AWS::AccountId' }, ':event-bus/default']] };

  it('adds exactly one forwarding stack per listed Region other than the home Region, in that Region, deployable without bootstrap', () => {
    expect(assembly.stacks.map((s) => `${s.stackName}@${s.environment.region}`).sort()).toEqual([`${STACK_ID}-ap-south-2@ap-south-2`, `${STACK_ID}-us-east-1@us-east-1`, `${STACK_ID}@eu-west-1`]);
    for (const region of ['us-east-1', 'ap-south-2']) {
      const template = assembly.getStackByName(`${STACK_ID}-${region}`).template;
      expect(template.Parameters?.BootstrapVersion).toBeUndefined();
      expect(Object.values(template.Resources as Record<string, { Type: string }>).map((r) => r.Type)).not.toContain('AWS::CDK::Metadata');
    }
  });

  describe.each(['us-east-1', 'ap-south-2'])('%s', (region) => {
    const template = Template.fromJSON(assembly.getStackByName(`${STACK_ID}-${region}`).template);
    const rules = template.findResources('AWS::Events::Rule');
    const byName = (name: string) => Object.values(rules).find((r) => r.Properties.Name === `${STACK_ID}-${region}-${name}`)!;

    it('forwards every GuardDuty finding and the watched GuardDuty API calls, matched as at home, to the home default bus', () => {
      expect(Object.values(rules).map((r) => r.Properties.Name).sort()).toEqual(
        [...regionForwardingRoutes(config).map((r) => r.key), 'fwd-alarm'].map((key) => `${STACK_ID}-${region}-${key}`).sort(),
      );
      expect(byName('fwd-findings').Properties.EventPattern).toEqual({ source: ['aws.guardduty'], 'detail-type': ['GuardDuty Finding'] });
      for (const route of apiCallRoutes(config)) expect(byName(`fwd-${route.key}`).Properties.EventPattern).toEqual(route.pattern);
      for (const rule of Object.values(rules)) {
        expect(rule.Properties.EventBusName ?? 'default').toBe('default');
        expect(rule.Properties.Targets).toEqual([
          { Arn: HOME_BUS, Id: 'Target0', RoleArn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardRole/), 'Arn'] }, DeadLetterConfig: { Arn: { 'Fn::GetAtt': [expect.stringMatching(/^ForwardDeadLettersQueue/), 'Arn'] } } },
        ]);
      }
    });

    it("has a role that only this stack's rules can use, to put events on the home bus only", () => {
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            {
              Action: 'sts:AssumeRole',
              Effect: 'Allow',
              Principal: { Service: 'events.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' } },
                ArnLike: { 'aws:SourceArn': { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, `:events:${region}:`, { Ref: 'AWS::AccountId' }, `:rule/${STACK_ID}-${region}-*`]] } },
              },
            },
          ],
        },
      });
      const policies = Object.values(template.findResources('AWS::IAM::Policy'));
      expect(policies.map((p) => p.Properties.PolicyDocument.Statement)).toEqual([[{ Action: 'events:PutEvents', Effect: 'Allow', Resource: HOME_BUS }]]);
    });

    it('keeps what it cannot forward in a dead-letter queue in its Region, whose alarm state changes are forwarded home', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: `${STACK_ID}-${region}-dead-letters-waiting` });
      expect(byName('fwd-alarm').Properties.EventPattern).toEqual({
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        resources: [{ 'Fn::GetAtt': [expect.stringMatching(/^ForwardDeadLettersWaiting/), 'Arn'] }],
      });
    });
  });

  it('at home, alerts a forwarding Region whose dead-letter alarm goes off, through a role the topic admits', () => {
    const rule = Object.values(home.findResources('AWS::Events::Rule')).find((r) => r.Properties.Name === `${STACK_ID}-forwarder-alarms`)!;
    expect(rule.Properties.EventPattern).toEqual({
      source: ['aws.cloudwatch'],
      'detail-type': ['CloudWatch Alarm State Change'],
      region: ['us-east-1', 'ap-south-2'],
      detail: { alarmName: [{ prefix: `${STACK_ID}-` }], state: { value: ['ALARM'] } },
    });
    const [target] = rule.Properties.Targets;
    expect(target.Arn).toEqual({ Ref: expect.stringMatching(/^AlertsTopic/) });
    expect(target.RoleArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^ForwarderAlarmsRole/), 'Arn'] });
    expect(target.InputTransformer.InputTemplate).toMatch(/could not be forwarded to this Region.*re-drive them/);
    // The topic's Deny exempts that role by ARN, like the functions' roles.
    const topicPolicy = Object.values(home.findResources('AWS::SNS::TopicPolicy'))[0];
    const deny = topicPolicy.Properties.PolicyDocument.Statement.find((s: { Sid?: string }) => s.Sid === 'OnlyGuardDutyResponseFunctionsPublish');
    expect(JSON.stringify(deny.Condition.ArnNotEquals['aws:PrincipalArn'])).toContain('ForwarderAlarmsRole');
  });
});

describe('Member accounts: GuardDuty API calls forwarded to the security account', () => {
  const ORG = 'o-a1b2c3d4e5';
  const assembly = synth({ securityAccountId: '111122223333', organizationId: ORG }, 'eu-west-1');
  const SECURITY_BUS = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':events:eu-west-1:111122223333:event-bus/default']] };

  it('adds a StackSet-ready member forwarding stack, one rule per API-call playbook, to the security account home bus', () => {
    const template = Template.fromJSON(assembly.getStackByName(MEMBER_FORWARDER_STACK_ID).template);
    const rules = Object.values(template.findResources('AWS::Events::Rule'));
    const config = loadConfig({});
    expect(rules.map((r) => r.Properties.EventPattern)).toEqual(apiCallRoutes(config).map((r) => r.pattern));
    expect(rules.map((r) => r.Properties.Name)).toEqual(apiCallRoutes(config).map((r) => `${MEMBER_FORWARDER_STACK_ID}-fwd-${r.key}`));
    for (const rule of rules) {
      expect(rule.Properties.Targets).toEqual([expect.objectContaining({ Arn: SECURITY_BUS, RoleArn: expect.anything(), DeadLetterConfig: expect.anything() })]);
    }
    const policies = Object.values(template.findResources('AWS::IAM::Policy'));
    expect(policies.map((p) => p.Properties.PolicyDocument.Statement)).toEqual([[{ Action: 'events:PutEvents', Effect: 'Allow', Resource: SECURITY_BUS }]]);
    // The member template names no Region of its own: one StackSet deploys it to every Region.
    expect(assembly.getStackByName(MEMBER_FORWARDER_STACK_ID).environment.region).toBe('unknown-region');
  });

  it("lets the security account's default bus accept only the organisation's principals and only GuardDuty events", () => {
    const home = Template.fromJSON(assembly.getStackByName(STACK_ID).template);
    const [policy] = Object.values(home.findResources('AWS::Events::EventBusPolicy'));
    expect(policy.Properties.EventBusName).toBe('default');
    const statement = new Resolver(assembly.getStackByName(STACK_ID).template, { ...LONGEST, stackName: STACK_ID }).resolve(policy.Properties.Statement) as Statement;
    const bus = String(statement.Resource);
    const put = (context: Record<string, string>) => evaluate([statement], { principal: { aws: 'arn:aws:iam::444455556666:role/forwarder' }, action: 'events:PutEvents', resource: bus, context });
    expect(put({ 'aws:PrincipalOrgID': ORG, 'events:source': 'aws.guardduty' })).toBe('allow');
    expect(put({ 'aws:PrincipalOrgID': 'o-someoneelse', 'events:source': 'aws.guardduty' })).toBe('implicit-deny');
    expect(put({ 'aws:PrincipalOrgID': ORG, 'events:source': 'my.app' })).toBe('implicit-deny');
    expect(put({ 'events:source': 'aws.guardduty' })).toBe('implicit-deny');
  });

  it('creates neither without organizationId', () => {
    const plain = synth({ securityAccountId: '111122223333' }, 'eu-west-1');
    expect(plain.stacks.map((s) => s.stackName).sort()).toEqual([STACK_ID, MEMBER_STACK_ID]);
    expect(Object.keys(Template.fromJSON(plain.getStackByName(STACK_ID).template).findResources('AWS::Events::EventBusPolicy'))).toEqual([]);
  });

  it('needs the home Region to point members at', () => {
    expect(() => synth({ securityAccountId: '111122223333', organizationId: ORG }, undefined)).toThrow(/needs the security account's home Region: set AWS_REGION/);
  });
});
