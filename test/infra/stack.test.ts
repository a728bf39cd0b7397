import { Match } from 'aws-cdk-lib/assertions';
import { FINDING_PLAYBOOKS, PLAYBOOKS } from '../../core/catalog';
import { ALERT_ATTRIBUTES } from '../../core/contract';
import { synthStack } from '../support/synth';

const ruleDescriptions = (template: ReturnType<typeof synthStack>['template']) =>
  Object.values(template.findResources('AWS::Events::Rule')).map((r) => String(r.Properties.Description));

describe('Stack: GuardDutyResponse', () => {
  describe('with the default flags', () => {
    const { template } = synthStack();

    it('has one rule per enabled playbook plus the forwarding rule and the storm digest, each described with its id', () => {
      expect(ruleDescriptions(template).map((d) => /^\[([a-z0-9-]+)\] /.exec(d)?.[1]).sort()).toEqual(
        [...PLAYBOOKS.filter((p) => p.enabledByDefault).map((p) => p.id), 'forward-unclaimed', 'storm-digest'].sort(),
      );
    });

    it('has a function per enabled playbook and the storm digest: Node.js 22 on arm64, its own role and log group with retention', () => {
      const count = PLAYBOOKS.filter((p) => p.enabledByDefault).length + 1;
      template.resourceCountIs('AWS::Lambda::Function', count);
      template.resourceCountIs('AWS::Logs::LogGroup', count);
      template.allResourcesProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        LoggingConfig: { LogGroup: Match.anyValue() },
        DeadLetterConfig: { TargetArn: Match.anyValue() },
        Environment: { Variables: Match.objectLike({ ALERT_TOPIC_ARN: Match.anyValue(), PLAYBOOK_ID: Match.stringLikeRegexp('^[a-z0-9-]+$') }) },
      });
      template.allResourcesProperties('AWS::Logs::LogGroup', { RetentionInDays: 90 });
      const roles = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => JSON.stringify(f.Properties.Role));
      expect(new Set(roles).size).toBe(count);
    });

    it('gives every target the encrypted (SSE-SQS) dead-letter queue, and every function target a retry policy', () => {
      const targets = Object.values(template.findResources('AWS::Events::Rule')).flatMap((r) => r.Properties.Targets);
      // Every playbook, the forwarding rule, the storm digest.
      expect(targets).toHaveLength(PLAYBOOKS.filter((p) => p.enabledByDefault).length + 2);
      for (const target of targets) {
        expect(target.DeadLetterConfig).toEqual({ Arn: { 'Fn::GetAtt': [expect.stringMatching(/^DeadLetters/), 'Arn'] } });
        // CDK's event-bus target sets no retry policy: EventBridge's default (24 hours, 185 attempts) applies, then the DLQ.
        if (JSON.stringify(target.Arn).includes('UnclaimedFindings')) continue;
        expect(target.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
      }
      template.hasResourceProperties('AWS::SQS::Queue', { SqsManagedSseEnabled: true });
    });

    it('encrypts the topic with a rotating customer-managed key and denies non-TLS and foreign publishers', () => {
      template.hasResourceProperties('AWS::KMS::Key', { EnableKeyRotation: true });
      template.hasResourceProperties('AWS::SNS::Topic', { KmsMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { Bool: { 'aws:SecureTransport': 'false' } } }),
            Match.objectLike({ Effect: 'Deny', Action: 'sns:Publish', Condition: { ArnNotEquals: { 'aws:PrincipalArn': Match.anyValue() } } }),
          ]),
        },
      });
      const policy = Object.values(template.findResources('AWS::SNS::TopicPolicy'))[0];
      const publishers = policy.Properties.PolicyDocument.Statement.find((s: { Sid?: string }) => s.Sid === 'OnlyGuardDutyResponseFunctionsPublish')
        .Condition.ArnNotEquals['aws:PrincipalArn'];
      expect(publishers).toHaveLength(PLAYBOOKS.filter((p) => p.enabledByDefault).length + 1);
    });

    it('raises an alarm on the topic as soon as an event waits in the dead-letter queue', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Namespace: 'AWS/SQS',
        Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeadLetters'), 'QueueName'] } }],
        Threshold: 1,
        ComparisonOperator: 'GreaterThanOrEqualToThreshold',
        AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
      });
      template.hasResourceProperties('AWS::SNS::TopicPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({ Sid: 'OnlyGuardDutyResponseFunctionsPublish', Condition: Match.objectLike({ StringNotEquals: { 'aws:PrincipalServiceName': ['cloudwatch.amazonaws.com'] } }) }),
          ]),
        },
      });
      template.hasResourceProperties('AWS::KMS::Key', {
        KeyPolicy: { Statement: Match.arrayWith([Match.objectLike({ Sid: 'CloudWatchAlarmsPublish', Principal: { Service: 'cloudwatch.amazonaws.com' } })]) },
      });
    });

    it('grants no IAM action with a wildcard service or "*"', () => {
      const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
      const actions = statements.flatMap((s: { Action: string | string[] }) => [s.Action].flat());
      expect(actions.length).toBeGreaterThan(0);
      expect(actions.filter((a: string) => a === '*' || a.endsWith(':*'))).toEqual([]);
    });

    it('subscribes nobody without alertEmails or alertPhoneNumbers, and so has no undelivered-alerts queue', () => {
      template.resourceCountIs('AWS::SNS::Subscription', 0);
      expect(Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('AlertsUndelivered'))).toEqual([]);
    });
  });

  it('removes the rule and function of a playbook switched off', () => {
    const { template } = synthStack({ 'playbook:ec2-spambot': 'false' });
    expect(ruleDescriptions(template).some((d) => d.startsWith('[ec2-spambot]'))).toBe(false);
    // The default playbooks but one, and the storm digest.
    template.resourceCountIs('AWS::Lambda::Function', PLAYBOOKS.filter((p) => p.enabledByDefault).length);
  });

  it('has no second bus and no forwarding rule when no family or fallback playbook is on', () => {
    const { template } = synthStack(Object.fromEntries(FINDING_PLAYBOOKS.filter((p) => p.tier !== 'specific').map((p) => [`playbook:${p.id}`, 'false'])));
    template.resourceCountIs('AWS::Events::EventBus', 0);
    expect(ruleDescriptions(template).some((d) => d.startsWith('[forward-unclaimed]'))).toBe(false);
  });

  it('filters every finding rule on minSeverity when it is above LOW, and no API-call rule', () => {
    const { template } = synthStack({ minSeverity: 'HIGH' });
    const patterns = Object.values(template.findResources('AWS::Events::Rule')).map((r) => r.Properties.EventPattern).filter((p) => p !== undefined);
    const findings = patterns.filter((p) => p['detail-type'][0] === 'GuardDuty Finding');
    expect(findings.length).toBe(FINDING_PLAYBOOKS.filter((p) => p.enabledByDefault).length + 1);
    // Beside the condition, or in each alternative of an $or.
    for (const pattern of findings) {
      // Findings without a numeric severity are the fallback's alone (routing.ts UNSCORED).
      const scored = (pattern.detail.$or ?? [pattern.detail]).filter((a: { severity: unknown[] }) => (a.severity[0] as { numeric?: unknown } | null)?.numeric !== undefined);
      expect(scored.length).toBeGreaterThan(0);
      for (const alternative of scored) expect(alternative.severity).toEqual([{ numeric: ['>=', 7] }]);
    }
    const apiCalls = patterns.filter((p) => p['detail-type'][0] === 'AWS API Call via CloudTrail');
    expect(apiCalls).toHaveLength(1);
    expect(apiCalls[0].detail.severity).toBeUndefined();
  });

  it('subscribes each email, and each phone with an SMS filter policy at smsMinSeverity', () => {
    const { template } = synthStack({ alertEmails: 'secops@example.com,oncall@example.com', alertPhoneNumbers: '+14155550100', smsMinSeverity: 'CRITICAL' });
    template.resourceCountIs('AWS::SNS::Subscription', 3);
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'secops@example.com' });
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'email', Endpoint: 'oncall@example.com', FilterPolicy: Match.absent() });
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'sms',
      Endpoint: '+14155550100',
      FilterPolicy: { [ALERT_ATTRIBUTES.severityScore]: [{ numeric: ['>=', 9] }] },
    });
  });

  it('keeps the logical ids subscriptions had in earlier releases: a new id replaces the subscription and re-sends every confirmation', () => {
    const { template } = synthStack({ alertEmails: 'a@example.com', alertPhoneNumbers: '+14155550100' });
    expect(Object.keys(template.findResources('AWS::SNS::Subscription')).sort()).toEqual(['AlertsTopic14155550100D65876F0', 'AlertsTopicaexamplecom74F99C45']);
  });

  it('sends what SNS could not deliver to an email or phone to the undelivered-alerts queue, with an alarm when one waits', () => {
    const { template } = synthStack({ alertEmails: 'a@example.com', alertPhoneNumbers: '+14155550100' });
    const [queueId] = Object.keys(template.findResources('AWS::SQS::Queue')).filter((id) => id.startsWith('AlertsUndelivered'));
    for (const protocol of ['email', 'sms']) {
      template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: protocol, RedrivePolicy: { deadLetterTargetArn: { 'Fn::GetAtt': [queueId, 'Arn'] } } });
    }
    template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: Match.anyValue(), MessageRetentionPeriod: 14 * 24 * 3600 });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: Match.stringLikeRegexp('-alerts-undelivered$'),
      Dimensions: [{ Name: 'QueueName', Value: { 'Fn::GetAtt': [queueId, 'QueueName'] } }],
      Threshold: 1,
      AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }],
    });
  });
});

describe('Stack: GuardDutyResponse remediation functions', () => {
  const { template } = synthStack({ dryRun: 'true', trustedSshCidrs: '203.0.113.0/24', exclusionTag: 'Hold', memberRoleName: 'SecOpsResponder' });
  const revoke = () => {
    const [id, fn] = Object.entries(template.findResources('AWS::Lambda::Function')).find(([, f]) => f.Properties.Environment.Variables.PLAYBOOK_ID === 'revoke-ssh-ingress')!;
    return { id, fn };
  };

  it('passes the remediation settings to the function', () => {
    expect(revoke().fn.Properties.Environment.Variables).toMatchObject({
      DRY_RUN: 'true',
      EXCLUSION_TAG: 'Hold',
      MEMBER_ROLE_NAME: 'SecOpsResponder-revoke-ssh',
      TRUSTED_SSH_CIDRS: '203.0.113.0/24',
      // Resolved by CloudFormation: the account the stack is deployed in.
      SECURITY_ACCOUNT_ID: { Ref: 'AWS::AccountId' },
    });
  });

  it('gives its role the remediation path, the EC2 actions it calls and sts:AssumeRole on the member role name only', () => {
    const roleId = revoke().fn.Properties.Role['Fn::GetAtt'][0];
    template.hasResourceProperties('AWS::IAM::Role', { Path: '/guardduty-response/remediation/revoke-ssh/' });
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref === roleId)!;
    const allowed = policy.Properties.PolicyDocument.Statement.filter((s: { Effect: string }) => s.Effect === 'Allow');
    const actions = [...new Set<string>(allowed.flatMap((s: { Action: string | string[] }) => [s.Action].flat()))].sort();
    expect(actions).toEqual([
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:CreateTags',
      'ec2:DescribeInstances',
      'ec2:DescribeNetworkInterfaces',
      'ec2:DescribeSecurityGroups',
      'ec2:GetManagedPrefixListEntries',
      'ec2:RevokeSecurityGroupIngress',
      'guardduty:GetFindings',
      'guardduty:ListDetectors',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'logs:CreateLogStream',
      'logs:PutLogEvents',
      'sns:Publish',
      'sqs:SendMessage',
      'sts:AssumeRole',
    ]);
    expect(policy.Properties.PolicyDocument.Statement).toContainEqual({
      Action: 'sts:AssumeRole',
      Effect: 'Allow',
      Resource: { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::*:role/SecOpsResponder-revoke-ssh']] },
    });
  });

  it('tells the family and fallback functions which claims to leave to revoke-ssh-ingress', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function'));
    const deferring = functions.filter((f) => f.Properties.Environment.Variables.DEFERRED_CLAIMS).map((f) => f.Properties.Environment.Variables.PLAYBOOK_ID).sort();
    expect(deferring).toEqual(['all-other-findings', 'iam-findings', 's3-findings']);
    const claims = JSON.parse(functions.find((f) => f.Properties.Environment.Variables.PLAYBOOK_ID === 'all-other-findings')!.Properties.Environment.Variables.DEFERRED_CLAIMS);
    expect(claims).toEqual([
      {
        playbookId: 'revoke-ssh-ingress',
        detail: { type: ['Recon:EC2/PortProbeUnprotectedPort'], service: { action: { portProbeAction: { portProbeDetails: { localPortDetails: { port: [22] } } } } }, severity: [{ numeric: ['>=', 0] }] },
      },
    ]);
  });
});

describe('Stack: GuardDutyResponse with every playbook on', () => {
  it("keeps every rule pattern within EventBridge's default 2048-character quota", () => {
    const { template } = synthStack(Object.fromEntries(PLAYBOOKS.map((p) => [`playbook:${p.id}`, 'true'])));
    const patterned = Object.values(template.findResources('AWS::Events::Rule')).filter((r) => r.Properties.EventPattern !== undefined);
    const sizes = patterned.map((r) => ({ rule: String(r.Properties.Description).slice(0, 40), fits: JSON.stringify(r.Properties.EventPattern).length < 2048 }));
    expect(sizes.filter((s) => !s.fits)).toEqual([]);
    expect(sizes.length).toBe(PLAYBOOKS.length + 1);
  });
});

describe('Stack: GuardDutyResponse with isolate-instance on', () => {
  const { template } = synthStack({ 'playbook:isolate-instance': 'true', isolateSnapshots: 'false' });
  const fn = () => Object.values(template.findResources('AWS::Lambda::Function')).find((f) => f.Properties.Environment.Variables.PLAYBOOK_ID === 'isolate-instance')!;

  it('passes the isolation settings and grants the catalog permissions, rule changes only on tagged groups', () => {
    expect(fn().Properties.Environment.Variables).toMatchObject({ ISOLATE_SNAPSHOTS: 'false', DRY_RUN: 'false' });
    const roleId = fn().Properties.Role['Fn::GetAtt'][0];
    const policy = Object.values(template.findResources('AWS::IAM::Policy')).find((p) => p.Properties.Roles[0].Ref === roleId)!;
    const statements = policy.Properties.PolicyDocument.Statement as { Action: string | string[]; Condition?: unknown }[];
    const ruleChanges = statements.find((s) => [s.Action].flat().includes('ec2:RevokeSecurityGroupEgress'))!;
    expect(ruleChanges.Condition).toEqual({ Null: { 'aws:ResourceTag/guardduty-response:isolation': 'false' } });
    expect(statements.flatMap((s) => [s.Action].flat())).toEqual(expect.arrayContaining(['autoscaling:DetachInstances', 'ec2:CreateSnapshot', 'ec2:ModifyInstanceAttribute', 'sts:AssumeRole']));
  });
});

describe('Stack: GuardDutyResponse with organizationId', () => {
  it('lets remediation functions assume member roles only in accounts of the organization', () => {
    const { template } = synthStack({ organizationId: 'o-a1b2c3d4e5' });
    const statements = Object.values(template.findResources('AWS::IAM::Policy')).flatMap((p) => p.Properties.PolicyDocument.Statement);
    const assume = statements.filter((s: { Action: string }) => s.Action === 'sts:AssumeRole');
    expect(assume).toHaveLength(1);
    expect(assume[0].Condition).toEqual({ StringEquals: { 'aws:ResourceOrgID': 'o-a1b2c3d4e5' } });
  });
});

describe('Stack: GuardDutyResponse finding state', () => {
  const { template } = synthStack({ realertHours: '6', alertPhoneNumbers: '+14155550100' });

  it('keeps one table: on demand, encrypted with the stack key, point-in-time recovery, TTL, retained', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', 1);
    template.hasResource('AWS::DynamoDB::Table', {
      DeletionPolicy: 'Retain',
      Properties: {
        BillingMode: 'PAY_PER_REQUEST',
        KeySchema: [{ AttributeName: 'pk', KeyType: 'HASH' }],
        SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] } },
        PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
        TimeToLiveSpecification: { AttributeName: 'expiresAt', Enabled: true },
      },
    });
  });

  it('tells every function its table, and every finding function its reminder period', () => {
    const functions = Object.values(template.findResources('AWS::Lambda::Function')).map((f) => f.Properties.Environment.Variables);
    for (const variables of functions) {
      if (variables.PLAYBOOK_ID === 'guardduty-config-change' || variables.PLAYBOOK_ID === 'storm-digest') expect([variables.REALERT_HOURS, JSON.stringify(variables.STATE_TABLE)]).toEqual([undefined, expect.stringMatching(/^{"Ref":"FindingState/)]);
      else expect([variables.REALERT_HOURS, JSON.stringify(variables.STATE_TABLE)]).toEqual(['6', expect.stringMatching(/^{"Ref":"FindingState/)]);
    }
  });

  it('lets only the isolation delete items, and only lock items (dynamodb:LeadingKeys lock#*)', () => {
    const { template: withIsolation } = synthStack({ 'playbook:isolate-instance': 'true' });
    const deletes = Object.values(withIsolation.findResources('AWS::IAM::Policy'))
      .flatMap((p) => p.Properties.PolicyDocument.Statement.map((statement: { Action: unknown; Condition?: unknown }) => ({ roles: p.Properties.Roles, statement })))
      .filter(({ statement }) => [statement.Action].flat().includes('dynamodb:DeleteItem'));
    expect(deletes).toHaveLength(1);
    expect(JSON.stringify(deletes[0].roles)).toMatch(/isolateinstanceRole/);
    expect(deletes[0].statement.Condition).toEqual({ 'ForAllValues:StringLike': { 'dynamodb:LeadingKeys': ['lock#*'] } });
  });

  it('alarms (to the topic) on failed notifications, and on SMS spend at 80% of smsMonthlyBudgetUsd when given', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'NumberOfNotificationsFailed', Namespace: 'AWS/SNS', Threshold: 1, AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }] });
    expect(Object.values(template.findResources('AWS::CloudWatch::Alarm')).some((a) => a.Properties.MetricName === 'SMSMonthToDateSpentUSD')).toBe(false);
    const { template: budgeted } = synthStack({ smsMonthlyBudgetUsd: '50' });
    budgeted.hasResourceProperties('AWS::CloudWatch::Alarm', { MetricName: 'SMSMonthToDateSpentUSD', Namespace: 'AWS/SNS', Threshold: 40, AlarmActions: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }] });
  });

  it('rings phones only for alerts on every channel (never reminders or samples)', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', { Protocol: 'sms', FilterPolicy: Match.objectLike({ [ALERT_ATTRIBUTES.channel]: ['all'] }) });
  });

  describe('with chat channels', () => {
    const { template } = synthStack({
      slackWorkspaceId: 'T0123ABCD',
      slackChannelId: 'C0123ABCD',
      teamsTenantId: '11111111-2222-3333-4444-555555555555',
      teamsTeamId: '11111111-2222-3333-4444-666666666666',
      teamsChannelId: '19%3aabc123%40thread.tacv2',
    });

    it('subscribes a Slack and a Teams channel to the alert topic, read-only: a role without permissions and the ReadOnlyAccess guardrail', () => {
      const readOnly = { 'Fn::Join': ['', ['arn:', { Ref: 'AWS::Partition' }, ':iam::aws:policy/ReadOnlyAccess']] };
      const common = { GuardrailPolicies: [readOnly], UserRoleRequired: false, SnsTopicArns: [{ Ref: Match.stringLikeRegexp('^AlertsTopic') }], IamRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChatChannelRole'), 'Arn'] } };
      template.hasResourceProperties('AWS::Chatbot::SlackChannelConfiguration', { ...common, SlackWorkspaceId: 'T0123ABCD', SlackChannelId: 'C0123ABCD', ConfigurationName: 'GuardDutyResponse-alerts' });
      template.hasResourceProperties('AWS::Chatbot::MicrosoftTeamsChannelConfiguration', { ...common, TeamsChannelId: '19%3aabc123%40thread.tacv2', ConfigurationName: 'GuardDutyResponse-alerts' });
      const role = Object.entries(template.findResources('AWS::IAM::Role')).find(([id]) => id.startsWith('ChatChannelRole'))![1];
      expect(role.Properties.AssumeRolePolicyDocument.Statement).toEqual([{ Action: 'sts:AssumeRole', Effect: 'Allow', Principal: { Service: 'chatbot.amazonaws.com' } }]);
      expect(role.Properties.ManagedPolicyArns).toBeUndefined();
      expect(role.Properties.Policies).toBeUndefined();
      // No inline or managed policy is attached to the channel role anywhere else either.
      const attached = [...Object.values(template.findResources('AWS::IAM::Policy')), ...Object.values(template.findResources('AWS::IAM::ManagedPolicy'))].filter((p) => JSON.stringify(p.Properties.Roles ?? []).includes('ChatChannelRole'));
      expect(attached).toEqual([]);
    });

    it('adds nothing for chat without the flags', () => {
      const { template: plain } = synthStack();
      expect(Object.keys(plain.findResources('AWS::Chatbot::SlackChannelConfiguration'))).toEqual([]);
      expect(Object.keys(plain.findResources('AWS::Chatbot::MicrosoftTeamsChannelConfiguration'))).toEqual([]);
    });
  });
});
