import { PLAYBOOKS } from '../../core/catalog';
import { COMMERCIAL, Resolver, Template } from '../support/cfn-resolve';
import { Request, Statement, evaluate } from '../support/iam-evaluate';
import { synthStack } from '../support/synth';

/**
 * The resource policies as AWS evaluates them, after CloudFormation resolved every name: every
 * service that must publish or deliver is allowed, from this stack's resources only.
 */
const everyPlaybookOn = Object.fromEntries(PLAYBOOKS.map((p) => [`playbook:${p.id}`, 'true']));

describe('Resource policies: GuardDutyResponse', () => {
  const json = synthStack({ ...everyPlaybookOn, alertEmails: 'secops@example.com', alertPhoneNumbers: '+14155550100', smsMonthlyBudgetUsd: '50' }).template.toJSON() as Template;
  const resolver = new Resolver(json, COMMERCIAL);
  const { account } = COMMERCIAL;
  const resources = Object.entries(json.Resources);
  const ofType = (type: string) => resources.filter(([, r]) => r.Type === type);
  const policyOf = (type: string, documentKey: string, of?: string): Statement[] => {
    const found = ofType(type).filter(([, r]) => of === undefined || JSON.stringify(r.Properties).includes(`"${of}`));
    expect(found).toHaveLength(1);
    return (resolver.resolve(found[0][1].Properties![documentKey]) as { Statement: Statement[] }).Statement;
  };
  const topicPolicy = policyOf('AWS::SNS::TopicPolicy', 'PolicyDocument');
  const keyPolicy = policyOf('AWS::KMS::Key', 'KeyPolicy');
  const queuePolicy = policyOf('AWS::SQS::QueuePolicy', 'PolicyDocument', 'DeadLettersQueue');

  const [[topicId]] = ofType('AWS::SNS::Topic');
  const topicArn = resolver.resolve({ Ref: topicId }) as string;
  const [queueId] = ofType('AWS::SQS::Queue').map(([id]) => id).filter((id) => id.startsWith('DeadLettersQueue'));

  const queueArn = resolver.resolve({ 'Fn::GetAtt': [queueId, 'Arn'] }) as string;
  const keyArn = resolver.resolve({ 'Fn::GetAtt': [ofType('AWS::KMS::Key')[0][0], 'Arn'] }) as string;
  const fromService = (service: string, action: string, resource: string, sourceArn: string, sourceAccount = account): Request => ({
    principal: { service },
    action,
    resource,
    context: { 'aws:SourceArn': sourceArn, 'aws:SourceAccount': sourceAccount, 'aws:PrincipalServiceName': service, 'aws:SecureTransport': true },
  });

  describe('the alert topic', () => {
    const alarms = ofType('AWS::CloudWatch::Alarm').filter(([, r]) => JSON.stringify(r.Properties!.AlarmActions).includes(topicId));

    it('lets CloudWatch publish (and use the key) for every alarm whose action is the topic', () => {
      // Dead letters waiting, alerts undelivered, notifications failed, SMS spend.
      expect(alarms.length).toBe(4);
      for (const [alarmId] of alarms) {
        const alarmArn = resolver.resolve({ 'Fn::GetAtt': [alarmId, 'Arn'] }) as string;
        expect(evaluate(topicPolicy, fromService('cloudwatch.amazonaws.com', 'sns:Publish', topicArn, alarmArn))).toBe('allow');
        for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
          expect(evaluate(keyPolicy, fromService('cloudwatch.amazonaws.com', action, keyArn, alarmArn))).toBe('allow');
        }
      }
    });

    it("refuses CloudWatch for another account's alarm or an alarm of another stack (confused deputy)", () => {
      const foreign = `arn:aws:cloudwatch:eu-west-1:444455556666:alarm:anything`;
      expect(evaluate(topicPolicy, fromService('cloudwatch.amazonaws.com', 'sns:Publish', topicArn, foreign, '444455556666'))).not.toBe('allow');
      const other = `arn:aws:cloudwatch:eu-west-1:${account}:alarm:someone-elses-alarm`;
      expect(evaluate(topicPolicy, fromService('cloudwatch.amazonaws.com', 'sns:Publish', topicArn, other))).not.toBe('allow');
      expect(evaluate(keyPolicy, fromService('cloudwatch.amazonaws.com', 'kms:GenerateDataKey', keyArn, other))).not.toBe('allow');
    });

    it('denies every other principal of the account, and lets each function role publish', () => {
      const role = (arn: string): Request => ({ principal: { aws: arn }, action: 'sns:Publish', resource: topicArn, context: { 'aws:PrincipalArn': arn, 'aws:SecureTransport': true } });
      expect(evaluate(topicPolicy, role(`arn:aws:iam::${account}:role/Admin`))).toBe('deny');
      const functionRoles = ofType('AWS::Lambda::Function').map(([, f]) => resolver.resolve(f.Properties!.Role) as string);
      // Every playbook's function and the storm digest.
      expect(functionRoles).toHaveLength(PLAYBOOKS.length + 1);
      for (const arn of functionRoles) expect(evaluate(topicPolicy, role(arn))).not.toBe('deny');
    });

    it('gives SMS and email subscriptions nothing to allow: SNS delivers them itself', () => {
      expect(ofType('AWS::SNS::Subscription').map(([, s]) => s.Properties!.Protocol).sort()).toEqual(['email', 'sms']);
    });
  });

  describe('the dead-letter queue', () => {
    const rules = ofType('AWS::Events::Rule').filter(([, r]) => JSON.stringify(r.Properties!.Targets).includes(queueId));

    it('lets EventBridge dead-letter from every rule of the stack, through one statement', () => {
      // Every playbook's rule, the forwarding rule, the storm digest's schedule.
      expect(rules).toHaveLength(PLAYBOOKS.length + 2);
      for (const [ruleId] of rules) {
        const ruleArn = resolver.resolve({ 'Fn::GetAtt': [ruleId, 'Arn'] }) as string;
        expect(evaluate(queuePolicy, fromService('events.amazonaws.com', 'sqs:SendMessage', queueArn, ruleArn))).toBe('allow');
      }
      expect(queuePolicy.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
    });

    it("refuses EventBridge for another account's rule, or a rule that is not this stack's", () => {
      const foreign = 'arn:aws:events:eu-west-1:444455556666:rule/GuardDutyResponse-x';
      expect(evaluate(queuePolicy, fromService('events.amazonaws.com', 'sqs:SendMessage', queueArn, foreign, '444455556666'))).not.toBe('allow');
      const other = `arn:aws:events:eu-west-1:${account}:rule/SomeoneElse`;
      expect(evaluate(queuePolicy, fromService('events.amazonaws.com', 'sqs:SendMessage', queueArn, other))).not.toBe('allow');
      // SQS-managed encryption: EventBridge needs no key of ours, so the key gives it nothing.
      expect(evaluate(keyPolicy, fromService('events.amazonaws.com', 'kms:GenerateDataKey', keyArn, other))).not.toBe('allow');
    });
  });

  describe('the undelivered-alerts queue', () => {
    const [undeliveredId] = ofType('AWS::SQS::Queue').map(([id]) => id).filter((id) => id.startsWith('AlertsUndelivered'));
    const undeliveredArn = resolver.resolve({ 'Fn::GetAtt': [undeliveredId, 'Arn'] }) as string;
    const undeliveredPolicy = policyOf('AWS::SQS::QueuePolicy', 'PolicyDocument', undeliveredId);

    it('is where every email and SMS subscription sends what SNS gave up delivering', () => {
      const subscriptions = ofType('AWS::SNS::Subscription');
      expect(subscriptions).toHaveLength(2);
      for (const [, subscription] of subscriptions) {
        expect(resolver.resolve(subscription.Properties!.RedrivePolicy)).toEqual({ deadLetterTargetArn: undeliveredArn });
      }
    });

    it('is encrypted with the stack key, which SNS may use for this queue', () => {
      const [[keyId]] = ofType('AWS::KMS::Key');
      expect(json.Resources[undeliveredId].Properties!.KmsMasterKeyId).toEqual({ 'Fn::GetAtt': [keyId, 'Arn'] });
      expect(evaluate(undeliveredPolicy, fromService('sns.amazonaws.com', 'sqs:SendMessage', undeliveredArn, topicArn))).toBe('allow');
      for (const action of ['kms:GenerateDataKey', 'kms:Decrypt']) {
        expect(evaluate(keyPolicy, fromService('sns.amazonaws.com', action, keyArn, topicArn))).toBe('allow');
      }
    });

    it("refuses SNS for another topic, and the key refuses another account's topics", () => {
      const otherTopic = `arn:aws:sns:eu-west-1:${account}:someone-elses-topic`;
      expect(evaluate(undeliveredPolicy, fromService('sns.amazonaws.com', 'sqs:SendMessage', undeliveredArn, otherTopic))).not.toBe('allow');
      const foreignTopic = 'arn:aws:sns:eu-west-1:444455556666:topic';
      expect(evaluate(undeliveredPolicy, fromService('sns.amazonaws.com', 'sqs:SendMessage', undeliveredArn, foreignTopic, '444455556666'))).not.toBe('allow');
      expect(evaluate(keyPolicy, fromService('sns.amazonaws.com', 'kms:GenerateDataKey', keyArn, foreignTopic, '444455556666'))).not.toBe('allow');
      // Each subscription asks for the same statement: one Allow, however many subscribe.
      expect(undeliveredPolicy.filter((s) => s.Effect === 'Allow')).toHaveLength(1);
    });
  });

  it('scopes every service-principal statement of the key, topic, queues and role trust policies to this account (aws:SourceAccount or an aws:SourceArn in it) and aws:SourceArn', () => {
    const trusts = ofType('AWS::IAM::Role')
      .map(([, r]) => resolver.resolve(r.Properties!.AssumeRolePolicyDocument) as { Statement: Statement[] })
      .flatMap((d) => d.Statement)
      // Lambda assumes function roles with no source to check: the function is the role's only user.
      .filter((s) => JSON.stringify(s.Principal) !== JSON.stringify({ Service: 'lambda.amazonaws.com' }));
    expect(trusts).toHaveLength(1);
    const queuePolicies = ofType('AWS::SQS::QueuePolicy').flatMap(([, p]) => (resolver.resolve(p.Properties!.PolicyDocument) as { Statement: Statement[] }).Statement);
    const services = [...keyPolicy, ...topicPolicy, ...queuePolicies, ...trusts].filter((s) => (s.Principal as { Service?: unknown } | undefined)?.Service !== undefined);
    expect(services.length).toBeGreaterThanOrEqual(3);
    for (const statement of services) {
      const keys = Object.values(statement.Condition ?? {}).flatMap((c) => Object.keys(c));
      const sourceArns = Object.values(statement.Condition ?? {}).flatMap((c) => [c['aws:SourceArn'] ?? []].flat()) as string[];
      // An ARN names its account (arn:partition:service:region:account:...): pinning it pins the account.
      const accountPinned = keys.includes('aws:SourceAccount') || (sourceArns.length > 0 && sourceArns.every((arn) => arn.split(':')[4] === account));
      expect({ sid: statement.Sid, sourceArn: keys.includes('aws:SourceArn'), accountPinned }).toEqual({ sid: statement.Sid, sourceArn: true, accountPinned: true });
    }
  });
});
