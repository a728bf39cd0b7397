import { MEMBER_FORWARDER_STACK_ID, MEMBER_STACK_ID, STACK_ID, buildApp } from '../../infra/app';
import { PLAYBOOKS } from '../../core/catalog';
import { LONGEST, Resolver, Template } from '../support/cfn-resolve';
import { unitTestApp } from '../support/synth';

/**
 * The synthesized templates against the AWS quotas they can hit, measured as AWS measures them:
 * after CloudFormation resolved every name, with the longest partition (`aws-us-gov`) and region
 * names and 64-character generated names (cfn-resolve.ts), with every playbook on and every flag
 * set to a long value. A quota that a future playbook would break fails here, not in `cdk deploy`.
 */
const EVERY_FLAG = {
  ...Object.fromEntries(PLAYBOOKS.map((p) => [`playbook:${p.id}`, 'true'])),
  // More on-call addresses than SQS allows statements in a queue policy: each subscription asks the
  // undelivered-alerts queue's policy for a statement.
  alertEmails: Array.from({ length: 24 }, (_, i) => `security-operations-on-call-${i}@example.com`).join(','),
  alertPhoneNumbers: '+14155550100,+14155550101,+14155550102',
  minSeverity: 'MEDIUM',
  smsMinSeverity: 'CRITICAL',
  dryRun: 'true',
  exclusionTag: `SecOps:${'x'.repeat(120)}`,
  trustedSshCidrs: '203.0.113.0/24,198.51.100.0/24,192.0.2.0/24,2001:db8::/32,2001:db8:1234::/48',
  memberRoleName: 'S'.repeat(40),
  securityAccountId: '111122223333',
  isolateMinSeverity: 'MEDIUM',
  isolateSnapshots: 'true',
  realertHours: '6',
  smsMonthlyBudgetUsd: '250',
  organizationId: 'o-abcdefghij0123456789abcdefghij01',
  // The longest Region names this release knows: forwarding stacks' names and rule names grow with them.
  regions: 'ap-southeast-4,ap-southeast-5',
};

function synthesize(): Record<string, Template> {
  const app = unitTestApp(EVERY_FLAG);
  buildApp(app, 'eu-west-1');
  const assembly = app.synth();
  const stacks = Object.fromEntries(assembly.stacks.map((s) => [s.stackName, s.template]));
  expect(Object.keys(stacks).sort()).toEqual([STACK_ID, `${STACK_ID}-ap-southeast-4`, `${STACK_ID}-ap-southeast-5`, MEMBER_STACK_ID, MEMBER_FORWARDER_STACK_ID].sort());
  return stacks;
}

const templates = synthesize();
const bytes = (value: unknown) => Buffer.byteLength(JSON.stringify(value), 'utf8');
const resourcesOf = (template: Template, type: string) => Object.entries(template.Resources).filter(([, r]) => r.Type === type);

describe.each(Object.keys(templates))('Quotas: %s, every playbook on, every flag set', (stackName) => {
  const template = templates[stackName];
  const resolver = new Resolver(template, { ...LONGEST, stackName });
  const resolved = <T>(value: unknown) => resolver.resolve(value) as T;
  // The member stack holds roles only; in the main stack every check must find something to check.
  const checked = (type: string) => {
    const found = resourcesOf(template, type);
    if (stackName === STACK_ID || type === 'AWS::IAM::Role') expect(found.length).toBeGreaterThan(0);
    return found;
  };

  // EventBridge: an event pattern holds at most 2,048 characters (Amazon EventBridge User Guide,
  // "Amazon EventBridge quotas": "Event pattern size"); rule names 1-64 characters (PutRule).
  it('keeps every event pattern within 2,048 characters and every rule name within 64', () => {
    for (const [id, rule] of checked('AWS::Events::Rule')) {
      // The storm digest's rule is a schedule, without a pattern.
      if (rule.Properties!.EventPattern !== undefined) expect({ id, size: JSON.stringify(rule.Properties!.EventPattern).length <= 2048 }).toEqual({ id, size: true });
      expect({ id, name: resolver.physicalName(id).length <= 64 }).toEqual({ id, name: true });
    }
  });

  // SQS: a queue policy holds at most 8,192 bytes, 20 statements, 10 conditions, 50 principals and
  // 7 actions per statement (Amazon SQS Developer Guide, "Amazon SQS policy quotas").
  it('keeps every queue policy within the SQS policy quotas', () => {
    for (const [id, policy] of checked('AWS::SQS::QueuePolicy')) {
      const document = resolved<{ Statement: { Condition?: Record<string, Record<string, unknown>>; Principal?: unknown; Action: unknown }[] }>(policy.Properties!.PolicyDocument);
      const conditions = document.Statement.flatMap((s) => Object.values(s.Condition ?? {}).flatMap((c) => Object.keys(c)));
      const principals = document.Statement.flatMap((s) => (s.Principal === '*' ? ['*'] : Object.values((s.Principal as object) ?? {}).flat()));
      expect({ id, bytes: bytes(document) <= 8192, statements: document.Statement.length, conditions: conditions.length <= 10, principals: principals.length <= 50 }).toEqual({
        id,
        bytes: true,
        statements: expect.any(Number),
        conditions: true,
        principals: true,
      });
      expect(document.Statement.length).toBeLessThanOrEqual(20);
      for (const statement of document.Statement) expect([statement.Action].flat().length).toBeLessThanOrEqual(7);
    }
  });

  // SNS: a topic's access policy holds at most 30 KiB (Amazon SNS Developer Guide, "Amazon SNS
  // quotas", SetTopicAttributes Policy attribute).
  it('keeps every topic policy within 30 KiB', () => {
    for (const [id, policy] of checked('AWS::SNS::TopicPolicy')) {
      expect({ id, fits: bytes(resolved(policy.Properties!.PolicyDocument)) <= 30 * 1024 }).toEqual({ id, fits: true });
    }
  });

  // KMS: a key policy holds at most 32 KiB (AWS KMS Developer Guide, "Key policy format"); KMS
  // sets no quota on its number of statements.
  it('keeps every key policy within 32 KiB', () => {
    for (const [id, key] of checked('AWS::KMS::Key')) {
      expect({ id, fits: bytes(resolved(key.Properties!.KeyPolicy)) <= 32768 }).toEqual({ id, fits: true });
    }
  });

  // IAM: the inline policies of one role hold at most 10,240 characters together, whitespace not
  // counted; a trust policy at most 2,048 by default (IAM User Guide, "IAM and AWS STS quotas").
  it("keeps each role's inline policies within 10,240 characters and its trust policy within 2,048", () => {
    for (const [roleId, role] of checked('AWS::IAM::Role')) {
      const inline = [
        ...((role.Properties!.Policies as { PolicyDocument: unknown }[] | undefined) ?? []).map((p) => p.PolicyDocument),
        ...resourcesOf(template, 'AWS::IAM::Policy')
          .filter(([, p]) => JSON.stringify(p.Properties!.Roles).includes(`"${roleId}"`))
          .map(([, p]) => p.Properties!.PolicyDocument),
      ];
      const characters = inline.reduce<number>((sum, document) => sum + JSON.stringify(resolved(document)).replace(/\s/g, '').length, 0);
      const trust = JSON.stringify(resolved(role.Properties!.AssumeRolePolicyDocument)).replace(/\s/g, '').length;
      expect({ roleId, inline: characters <= 10240, trust: trust <= 2048 }).toEqual({ roleId, inline: true, trust: true });
    }
  });

  // Lambda: a function's environment variables hold at most 4 KB, keys and values together
  // (AWS Lambda Developer Guide, "Lambda quotas").
  it("keeps each function's environment within 4 KB", () => {
    for (const [id, fn] of checked('AWS::Lambda::Function')) {
      const variables = resolved<Record<string, string>>((fn.Properties!.Environment as { Variables: unknown }).Variables);
      const size = Object.entries(variables).reduce((sum, [k, v]) => sum + Buffer.byteLength(k) + Buffer.byteLength(v), 0);
      expect({ id, fits: size <= 4096 }).toEqual({ id, fits: true });
    }
  });
});

// The member stacks go out as service-managed StackSets; the forwarding stacks of other Regions deploy without bootstrap too.
describe.each([MEMBER_STACK_ID, MEMBER_FORWARDER_STACK_ID, `${STACK_ID}-ap-southeast-4`])('Quotas: %s as a template deployed without bootstrap', (name) => {
  const member = templates[name] as Template & { Parameters?: object; Rules?: object; Conditions?: object };

  it('needs no bootstrap: no BootstrapVersion parameter or rule, no CDK metadata, no assets', () => {
    expect(member.Parameters).toBeUndefined();
    expect(member.Rules).toBeUndefined();
    expect(member.Conditions).toBeUndefined();
    expect(JSON.stringify(member)).not.toMatch(/cdk-hnb659fds|BootstrapVersion|AWS::CDK::Metadata|aws:asset/);
  });

  // CloudFormation accepts a template body of up to 51,200 bytes in the request (CloudFormation
  // User Guide, "CloudFormation quotas"): the member template can be given inline to a StackSet.
  it('fits in an inline template body', () => {
    expect(bytes(member)).toBeLessThanOrEqual(51200);
  });
});
