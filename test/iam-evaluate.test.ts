import { Statement, evaluate, globMatches } from './support/iam-evaluate';

// The policy tests are only as good as this evaluator: pin the IAM semantics they rely on.
describe('Function: evaluate (test support)', () => {
  const allow: Statement = { Effect: 'Allow', Action: 'ec2:CreateTags', Resource: 'arn:aws:ec2:*:111122223333:security-group/*' };

  it('allows a matching action and resource, and nothing else', () => {
    expect(evaluate([allow], { action: 'ec2:createtags', resource: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1' })).toBe('allow');
    expect(evaluate([allow], { action: 'ec2:CreateTags', resource: 'arn:aws:ec2:eu-west-1:444455556666:security-group/sg-1' })).toBe('implicit-deny');
    expect(evaluate([allow], { action: 'ec2:DeleteTags', resource: 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1' })).toBe('implicit-deny');
  });

  it('lets an explicit Deny win over an Allow', () => {
    const deny: Statement = { Effect: 'Deny', Action: '*', Resource: '*', Condition: { Null: { 'aws:ResourceTag/hold': 'false' } } };
    const resource = 'arn:aws:ec2:eu-west-1:111122223333:security-group/sg-1';
    expect(evaluate([allow, deny], { action: 'ec2:CreateTags', resource, context: { 'aws:ResourceTag/hold': 'yes' } })).toBe('deny');
    expect(evaluate([allow, deny], { action: 'ec2:CreateTags', resource })).toBe('allow');
  });

  it('treats a missing key as false for plain operators and true for negated ones and IfExists', () => {
    const when = (Condition: Statement['Condition']) => evaluate([{ Effect: 'Allow', Action: '*', Resource: '*', Condition }], { action: 's:a', resource: 'r' });
    expect(when({ StringEquals: { k: 'v' } })).toBe('implicit-deny');
    expect(when({ StringNotEquals: { k: 'v' } })).toBe('allow');
    expect(when({ ArnNotEquals: { k: 'arn:aws:iam::1:role/x' } })).toBe('allow');
    expect(when({ StringEqualsIfExists: { k: 'v' } })).toBe('allow');
    expect(when({ 'ForAllValues:StringLike': { k: 'v*' } })).toBe('allow');
    expect(when({ 'ForAnyValue:StringLike': { k: 'v*' } })).toBe('implicit-deny');
  });

  it('requires every value of a multivalued key to match with ForAllValues', () => {
    const statement: Statement = { Effect: 'Allow', Action: '*', Resource: '*', Condition: { 'ForAllValues:StringLike': { 'aws:TagKeys': ['a', 'p:*'] } } };
    expect(evaluate([statement], { action: 's:a', resource: 'r', context: { 'aws:TagKeys': ['a', 'p:1'] } })).toBe('allow');
    expect(evaluate([statement], { action: 's:a', resource: 'r', context: { 'aws:TagKeys': ['a', 'b'] } })).toBe('implicit-deny');
  });

  it('matches service principals and role sessions in resource policies', () => {
    const statement: Statement = { Effect: 'Allow', Principal: { Service: 'events.amazonaws.com' }, Action: 'sqs:SendMessage', Resource: '*' };
    expect(evaluate([statement], { principal: { service: 'events.amazonaws.com' }, action: 'sqs:SendMessage', resource: 'q' })).toBe('allow');
    expect(evaluate([statement], { principal: { aws: 'arn:aws:iam::111122223333:role/x' }, action: 'sqs:SendMessage', resource: 'q' })).toBe('implicit-deny');
  });

  it('refuses operators it does not implement instead of guessing', () => {
    expect(() => evaluate([{ Effect: 'Allow', Action: '*', Resource: '*', Condition: { DateLessThan: { k: 'v' } } }], { action: 's:a', resource: 'r', context: { k: 'v' } })).toThrow(/not supported/);
  });

  it('matches globs literally apart from * and ?', () => {
    expect(globMatches('arn:aws:ec2:*::snapshot/*', 'arn:aws:ec2:eu-west-1::snapshot/snap-1')).toBe(true);
    expect(globMatches('arn:aws:ec2:*:1:snapshot/*', 'arn:aws:ec2:eu-west-1::snapshot/snap-1')).toBe(false);
    expect(globMatches('a.b', 'axb')).toBe(false);
  });
});
