import { ALERT_ATTRIBUTES } from '../../core/contract';
import { MAX_SMS_LENGTH, MAX_SUBJECT_LENGTH, formatFindingAlert, formatReminderAlert, formatUnprocessableAlert, toPublishInput } from '../../lambdas/shared/alert';
import { MAX_CHAT_DESCRIPTION_LENGTH } from '../../lambdas/shared/chat';
import { parseFindingEvent } from '../../lambdas/shared/finding';
import { corpusFindings, externalFindings, fixtureEvent, fixtureFindings, sdkShapeFindings } from '../support/corpus';

const outcome = { playbookId: 'ec2-spambot', summary: 'Alert only. No change was made to your resources.' };
const fixture = (name: string) => fixtureEvent(name) as Record<string, any>;
const alertOf = (event: unknown) => formatFindingAlert(parseFindingEvent(event), outcome);

/** Every value of an alert a subscriber sees. */
const visibleText = (alert: ReturnType<typeof alertOf>) => [alert.subject, alert.email, alert.sms, ...Object.values(alert.attributes).map(String)];

describe('Function: formatFindingAlert', () => {
  it('writes the subject a responder reads first', () => {
    expect(alertOf(fixture('spambot.json')).subject).toBe('[MEDIUM] Backdoor:EC2/Spambot on i-0abc1234def567890 ("web-1") in 111122223333/eu-west-1');
  });

  it('writes the email sections in order, each with its facts', () => {
    const { email } = alertOf(fixture('spambot.json'));
    const headings = ['What happened', 'Severity', 'Where', 'Affected resource', 'Actor', 'When', 'What guardduty-response did', 'Investigate'];
    const positions = headings.map((h) => email.indexOf(`\n${h}\n`) >= 0 ? email.indexOf(`\n${h}\n`) : email.indexOf(`${h}\n`));
    expect(positions.every((p) => p >= 0)).toBe(true);
    expect([...positions].sort((a, b) => a - b)).toEqual(positions);
    expect(email).toMatch(/\n  Type: +Backdoor:EC2\/Spambot\n/);
    expect(email).toMatch(/About this type: +Instance talks SMTP/);
    expect(email).toMatch(/Severity: +MEDIUM \(5\)/);
    expect(email).toMatch(/Account: +111122223333/);
    expect(email).toMatch(/Instance: +i-0abc1234def567890/);
    expect(email).toMatch(/Name tag: +"web-1"/);
    expect(email).toMatch(/Remote: +151\.80\.19\.228 \("Roubaix, France"; "OVH SAS"\)/);
    expect(email).toMatch(/Connection: +OUTBOUND TCP local port 49152 remote port 25/);
    expect(email).toMatch(/First seen: +2026-11-20T02:55:10\.000Z/);
    expect(email).toMatch(/Count: +14/);
    expect(email).toMatch(/Outcome: +Alert only\. No change was made/);
    expect(email).toContain(
      'https://eu-west-1.console.aws.amazon.com/guardduty/home?region=eu-west-1#/findings?macros=current&fId=b2c6e0f1b3d84c7e9f1a2b3c4d5e6f01',
    );
    expect(email).toMatch(/Finding id: +b2c6e0f1b3d84c7e9f1a2b3c4d5e6f01/);
  });

  it('writes a short SMS with severity, type, resource id (never its Name tag), account and region', () => {
    expect(alertOf(fixture('spambot.json')).sms).toBe('[MEDIUM] GuardDuty Backdoor:EC2/Spambot on i-0abc1234def567890 in 111122223333/eu-west-1');
  });

  it('sets the message attributes subscriptions filter on', () => {
    expect(alertOf(fixture('fractional.json')).attributes).toEqual({
      [ALERT_ATTRIBUTES.severityLabel]: 'LOW',
      [ALERT_ATTRIBUTES.severityScore]: 4,
      [ALERT_ATTRIBUTES.findingType]: 'UnauthorizedAccess:EC2/SSHBruteForce',
      [ALERT_ATTRIBUTES.playbookId]: 'ec2-spambot',
      [ALERT_ATTRIBUTES.account]: '111122223333',
      [ALERT_ATTRIBUTES.region]: 'eu-west-1',
      [ALERT_ATTRIBUTES.channel]: 'all',
    });
  });

  it('sends sample findings to email only (channel attribute, which the SMS filter policy requires to be "all")', () => {
    const sample = fixtureEvent('spambot.json') as { detail: Record<string, any> };
    sample.detail.service.additionalInfo = { sample: true };
    expect(alertOf(sample).attributes[ALERT_ATTRIBUTES.channel]).toBe('email-only');
  });

  it.each([
    [1, 'LOW'],
    [3.9, 'LOW'],
    [4, 'MEDIUM'],
    [6.9, 'MEDIUM'],
    [7, 'HIGH'],
    [8.9, 'HIGH'],
    [9, 'CRITICAL'],
    [10, 'CRITICAL'],
  ])('labels severity %p as %s (GuardDuty bands)', (severity, label) => {
    const event = fixture('spambot.json');
    event.detail.severity = severity;
    expect(alertOf(event).subject.startsWith(`[${label}] `)).toBe(true);
  });

  it('labels sample findings [SAMPLE] in subject, SMS and body', () => {
    const sample = corpusFindings().find((f) => f.file.endsWith('Recon_IAMUser_MaliciousIPCaller.json'))!.event;
    const alert = alertOf(sample);
    expect(alert.subject).toBe('[SAMPLE] [MEDIUM] Recon:IAMUser/MaliciousIPCaller in 180294179922/us-east-1');
    expect(alert.sms.startsWith('[SAMPLE] ')).toBe(true);
    expect(alert.email.startsWith('THIS IS A GUARDDUTY SAMPLE FINDING')).toBe(true);
  });

  it('does not label a real finding as a sample', () => {
    expect(alertOf(fixture('spambot.json')).subject).not.toContain('SAMPLE');
  });

  it('shortens a long subject by dropping the resource name, then the resource, then cutting', () => {
    const event = fixture('spambot.json');
    event.detail.resource.instanceDetails.tags = [{ key: 'Name', value: 'n'.repeat(60) }];
    expect(alertOf(event).subject).toBe('[MEDIUM] Backdoor:EC2/Spambot on i-0abc1234def567890 in 111122223333/eu-west-1');
    event.detail.type = 'Backdoor:EC2/' + 'Spambot'.repeat(10);
    const subject = alertOf(event).subject;
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(/^\[MEDIUM\] Backdoor:EC2\/Spambot/);
    expect(subject).not.toContain('i-0abc');
  });

  describe('with hostile values', () => {
    const hostile: [string, string][] = [
      ['CR/LF', 'web-1\r\nSeverity: LOW\r\nFinding id: forged'],
      ['<script>', '<script>alert(1)</script>'],
      ['ANSI escapes', '\u001b[31mred\u001b[0m\u001b]0;title\u0007web'],
      ['U+202E', 'web-\u202Egnp.exe'],
      ['100 KB', 'A'.repeat(100 * 1024)],
    ];

    it.each(hostile)('keeps %s out of the structure of every part', (_name, value) => {
      const event = fixture('spambot.json');
      event.detail.resource.instanceDetails.tags = [{ key: 'Name', value }];
      event.detail.title = value;
      event.detail.service.action.networkConnectionAction.remoteIpDetails.organization.asnOrg = value;
      const alert = alertOf(event);
      for (const text of visibleText(alert)) {
        expect(text).not.toMatch(/[\u0000-\u0009\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/);
        expect(text).not.toContain('<script>');
      }
      expect(alert.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
      expect(alert.sms.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
      expect(alert.email.length).toBeLessThan(8000);
      // Each body line is one label: value pair, so forged lines cannot appear.
      expect(alert.email).not.toMatch(/^\s*Finding id: +forged/m);
      expect(alert.email.match(/^\s+Severity:/gm)).toHaveLength(1);
    });
  });

  it('leaves a missing field out instead of printing undefined, null or None', () => {
    const event = fixture('spambot.json');
    delete event.detail.title;
    delete event.detail.service.count;
    event.detail.service.eventFirstSeen = null;
    event.detail.resource.instanceDetails.tags = [{ key: 'Name', value: 'None' }];
    event.detail.service.action.networkConnectionAction.remoteIpDetails = { ipAddressV4: '198.51.100.7', country: {}, organization: null };
    const alert = alertOf(event);
    for (const text of visibleText(alert)) expect(text).not.toMatch(/\b(undefined|null|None|NaN)\b/);
    expect(alert.email).not.toMatch(/First seen|Count:|Name tag/);
    expect(alert.email).toMatch(/Remote: +198\.51\.100\.7\n/);
  });

  // findings-sdk-shape is GetFindings output converted to the EventBridge shape (test/support/corpus.ts says how):
  // it holds the families the EventBridge corpus lacks (Lambda, RDS, Runtime).
  it.each([...corpusFindings(), ...sdkShapeFindings(), ...externalFindings(), ...fixtureFindings()].map((f) => [f.file, f.event] as const))('formats %s within every bound', (_file, event) => {
    const alert = alertOf(event);
    expect(alert.subject).toMatch(/^[\x20-\x7e]{1,100}$/);
    expect(alert.subject).not.toMatch(/undefined|null|None/);
    expect(alert.sms.length).toBeGreaterThan(10);
    expect(alert.sms.length).toBeLessThanOrEqual(MAX_SMS_LENGTH);
    for (const text of visibleText(alert)) expect(text).not.toMatch(/\bundefined\b|: null\b|: None\b|\[object Object\]/);
  });

  it('a Lambda finding names the function, its version, execution role and network placement', () => {
    const event = sdkShapeFindings().find((f) => f.file.endsWith('Trojan_Lambda_BlackholeTraffic.json'))!.event;
    const alert = alertOf(event);
    expect(alert.sms).toContain('on function "GeneratedFindingLambdaFunctionName"');
    expect(alert.email).toMatch(/Version: +\$LATEST/);
    expect(alert.email).toMatch(/Execution role: +arn:aws:iam::000000000000:role\/service-role\/GeneratedFindingLambdaExecutionRole/);
    expect(alert.email).toMatch(/VPC: +vpc-generatedvpcid/);
    expect(alert.email).toMatch(/Security groups: +GeneratedFindingSecurityId1, GeneratedFindingSecurityId2, /);
  });

  it('an RDS Limitless finding names the shard group, cluster, engine and the database user, application and auth', () => {
    const event = sdkShapeFindings().find((f) => f.file.endsWith('CredentialAccess_RDS_AnomalousBehavior.SuccessfulLogin.json'))!.event;
    const alert = alertOf(event);
    expect(alert.sms).toContain('on shard group "dbshardgroupidentifier"');
    expect(alert.email).toMatch(/DB cluster: +"GeneratedFindingDBClusterId"/);
    expect(alert.email).toMatch(/Engine: +GeneratedFindingEngine 13\.6/);
    expect(alert.email).toMatch(/Database user: +"GeneratedFindingUserName"/);
    expect(alert.email).toMatch(/Client application: +"GeneratedFindingApplicationName"/);
    expect(alert.email).toMatch(/Auth method: +GeneratedFindingAuthMethod/);
  });

  it("an RDS login finding shows each login attempt's result", () => {
    const event = structuredClone(corpusFindings().find((f) => f.file.endsWith('CredentialAccess_RDS_AnomalousBehavior.SuccessfulLogin.json'))!.event) as { detail: Record<string, any> };
    expect(alertOf(event).sms).toContain('on database "GeneratedFindingDBInstanceId"');
    // Spelled as the API reference spells it on the wire (capital L).
    event.detail.service.action.rdsLoginAttemptAction.LoginAttributes = [
      { user: 'admin', application: 'psql', failedLoginAttempts: 41, successfulLoginAttempts: 1 },
      { user: 'app', failedLoginAttempts: 3, successfulLoginAttempts: 0 },
    ];
    expect(alertOf(event).email).toMatch(/Login attempts: +"admin" via "psql": 41 failed, 1 succeeded, "app": 3 failed, 0 succeeded/);
  });

  it('names the bucket of an S3 finding and the user of an IAM finding, not the sample instance they carry', () => {
    const s3 = corpusFindings().find((f) => f.file.endsWith('Policy_S3_BucketBlockPublicAccessDisabled.json'))!.event;
    expect(alertOf(s3).email).toMatch(/Bucket: +\S+/);
    expect(alertOf(s3).email).not.toMatch(/Instance: /);
  });

  // GuardDuty files these under the AccessKey that made the change; the bucket is what the reader must fix.
  it.each(['Policy_S3_BucketPublicAccessGranted.json', 'Policy_S3_BucketBlockPublicAccessDisabled.json'])(
    '%s: the SMS names the bucket that changed, not the user',
    (file) => {
      const event = corpusFindings().find((f) => f.file.endsWith(file))!.event as { detail: Record<string, any> };
      expect(event.detail.resource.resourceType).toBe('AccessKey');
      const alert = alertOf(event);
      expect(alert.sms).toContain('on bucket "bucketName" in');
      expect(alert.sms).not.toContain('GeneratedFindingUserName');
    },
  );

  it('a bucket policy finding under an access key leads its subject with the bucket, then the user when room allows', () => {
    const event = corpusFindings().find((f) => f.file.endsWith('Policy_S3_BucketPublicAccessGranted.json'))!.event as { detail: Record<string, any> };
    expect(alertOf(event).subject).toBe('[SAMPLE] [HIGH] Policy:S3/BucketPublicAccessGranted on bucket "bucketName" in 973743533182/us-east-2');
    const resource = {
      ...event.detail.resource,
      accessKeyDetails: { ...event.detail.resource.accessKeyDetails, userName: 'ops' },
      s3BucketDetails: [{ ...event.detail.resource.s3BucketDetails[0], name: 'web' }],
    };
    const roomy = { ...event, detail: { ...event.detail, resource, accountId: '111122223333', region: 'r' } };
    expect(alertOf(roomy).subject).toBe('[SAMPLE] [HIGH] Policy:S3/BucketPublicAccessGranted on bucket "web" (user "ops") in 111122223333/r');
  });

  it('InstanceCredentialExfiltration.InsideAWS names the instance whose role credentials were used, the role and the caller account', () => {
    const event = structuredClone(corpusFindings().find((f) => f.file.endsWith('UnauthorizedAccess_IAMUser_InstanceCredentialExfiltration.json'))!.event) as { detail: Record<string, any> };
    // Today's shape (the corpus sample predates the .InsideAWS split): an EC2 role session and the remote account.
    event.detail.type = 'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.InsideAWS';
    event.detail.resource.accessKeyDetails = { accessKeyId: 'ASIAEXAMPLE', principalId: 'AROAEXAMPLEID:i-0abc1234def567890', userType: 'AssumedRole', userName: 'web-role' };
    event.detail.service.action.awsApiCallAction.remoteAccountDetails = { accountId: '444455556666', affiliated: false };
    const email = alertOf(event).email;
    expect(email).toMatch(/Credentials of: +instance i-0abc1234def567890 \(role "web-role"\)/);
    expect(email).toMatch(/Caller account: +444455556666 \(outside your GuardDuty environment\)/);
    expect(email).toMatch(/Remote: +198\.51\.100\.0/);
  });

  it('an IAM user principal names no instance, and an instance-like session of a user is not trusted as one', () => {
    const event = structuredClone(corpusFindings().find((f) => f.file.endsWith('UnauthorizedAccess_IAMUser_InstanceCredentialExfiltration.json'))!.event) as { detail: Record<string, any> };
    expect(alertOf(event).email).not.toContain('Credentials of');
    event.detail.resource.accessKeyDetails.principalId = 'AIDAEXAMPLE:i-0abc1234def567890';
    expect(alertOf(event).email).not.toContain('Credentials of');
  });

  it('an account-level S3 finding changed no bucket, so the user leads', () => {
    const event = corpusFindings().find((f) => f.file.endsWith('Policy_S3_AccountBlockPublicAccessDisabled.json'))!.event;
    expect(alertOf(event).sms).toContain('on user "GeneratedFindingUserName" in');
  });
});

describe('Function: formatUnprocessableAlert', () => {
  it('names the event, its detail-type and the problem, scored HIGH so phones hear of it', () => {
    const alert = formatUnprocessableAlert({ playbookId: 'iam-findings', eventId: 'e-1', detailType: 'GuardDuty Finding', problem: 'detail.type (the finding type) is missing' });
    expect(alert.subject).toBe('[ERROR] guardduty-response could not process an event (e-1)');
    expect(alert.email).toMatch(/Event id: +e-1/);
    expect(alert.email).toMatch(/Problem: +detail\.type \(the finding type\) is missing/);
    expect(alert.email).toContain('dead-letter');
    expect(alert.attributes[ALERT_ATTRIBUTES.severityScore]).toBe(7);
  });
});

describe('Function: toPublishInput', () => {
  it('publishes a JSON message structure with email, sms, default and chat (https) bodies and typed attributes', () => {
    const alert = alertOf(fixture('spambot.json'));
    const input = toPublishInput(alert, 'arn:aws:sns:eu-west-1:111122223333:alerts');
    expect(input).toMatchObject({ TopicArn: 'arn:aws:sns:eu-west-1:111122223333:alerts', Subject: alert.subject, MessageStructure: 'json' });
    expect(JSON.parse(input.Message!)).toEqual({ default: alert.email, email: alert.email, sms: alert.sms, https: JSON.stringify(alert.chat) });
    expect(input.MessageAttributes![ALERT_ATTRIBUTES.severityScore]).toEqual({ DataType: 'Number', StringValue: '5' });
    expect(input.MessageAttributes![ALERT_ATTRIBUTES.findingType]).toEqual({ DataType: 'String', StringValue: 'Backdoor:EC2/Spambot' });
  });
});

describe('Function: formatFindingAlert subject', () => {
  it('never loses the account and Region to a long type: the resource goes first, then the middle of the type', () => {
    const event = fixtureEvent('spambot.json') as Record<string, any>;
    event.detail.type = 'PrivilegeEscalation:Kubernetes/AnomalousBehavior.PermissionCheckedAndThenRoleBindingCreatedByAnUnusualPrincipal';
    event.detail.region = 'ap-southeast-2';
    const { subject } = formatFindingAlert(parseFindingEvent(event), { playbookId: 'p', tag: 'REMEDIATION FAILED', summary: 's' });
    expect(subject.length).toBeLessThanOrEqual(MAX_SUBJECT_LENGTH);
    expect(subject).toMatch(/ in 111122223333\/ap-southeast-2$/);
    expect(subject).toMatch(/^\[MEDIUM\] \[REMEDIATION FAILED\] PrivilegeEscalation.*\.\..*UnusualPrincipal in /);
  });
});

describe('Evidence per finding family', () => {
  const corpusEvent = (file: string) => structuredClone([...corpusFindings(), ...sdkShapeFindings(), ...externalFindings()].find((f) => f.file.endsWith(file))!.event) as Record<string, any>;

  it('Runtime: the process, its executable, hash and user, and what the runtime context names', () => {
    const { email, sms } = alertOf(corpusEvent('findings/PrivilegeEscalation_Runtime_DockerSocketAccessed.json'));
    // A container without a name is named by its id; its host instance is listed (what isolation would act on).
    expect(sms).toContain('on container abcd1234 in');
    expect(email).toMatch(/Container id: +abcd1234\n(.*\n)*? {2}Instance: +i-abcd1234\n/);
    expect(email).toMatch(/\nProcess\n {2}Process: +"sshd" \(pid 2345, user "admin" uid 1000\)\n/);
    expect(email).toMatch(/Executable: +"\/usr\/bin\/ssh"\n/);
    expect(email).toMatch(/SHA-256: +d2d2d2d2[0-9a-f]{56}\n/);
    expect(email).toMatch(/Socket: +"\/var\/run\/docker\.sock"\n/);
    expect(email).toMatch(/Modified by: +"bash" \(pid 2451, user "root"\)\n/);
    // The context's example command carries a URL: defanged like any value.
    expect(email).toMatch(/Command line: +"\/usr\/bin\/curl -X POST hxxp:\/\/malicious\[\.\]example\[\.\]com"\n/);
  });

  it('Runtime on EKS and ECS: the parent lineage, bounded, after the cluster', () => {
    for (const file of ['CryptoCurrency_Runtime_BitcoinTool.B_DNS.json', 'DefenseEvasion_Runtime_PtraceAntiDebugging__2.json']) {
      const { email } = alertOf(corpusEvent(file));
      expect(email).toMatch(/(EKS|ECS) cluster: +"GeneratedFinding(EKS|ECS)ClusterName"/);
      // A lineage entry without a name is shown by its executable path.
      expect(email).toMatch(/Parent lineage: +"GeneratedFinding(ProcessLineageName|Path)1" \(pid 1233\) <- "GeneratedFinding(ProcessLineageName|Path)2" \(pid 1234\) <- /);
    }
    const long = corpusEvent('CryptoCurrency_Runtime_BitcoinTool.B_DNS.json');
    const lineage = long.detail.service.runtimeDetails.process.lineage;
    long.detail.service.runtimeDetails.process.lineage = [...lineage, ...lineage];
    expect(alertOf(long).email).toMatch(/Parent lineage: .*"GeneratedFinding(ProcessLineageName|Path)1" \(pid 1233\) <- and 3 more\n/);
  });

  it('AttackSequence: the subject and SMS name the resource, the email tells the signals in order with tactics, actors and endpoints', () => {
    const alert = alertOf(fixture('attack-sequence-s3.json'));
    expect(alert.subject).toBe('[CRITICAL] AttackSequence:S3/CompromisedData on bucket "customer-exports" in 111122223333/eu-west-1');
    expect(alert.sms).toContain('on bucket "customer-exports" +1 in');
    expect(alert.email).toMatch(
      /Signals: +2026-11-30T21:02:11\.000Z "Discovery:S3\/AnomalousBehavior" \(count 1\); 2026-11-30T21:10:00\.000Z "PutBucketPublicAccessBlock" \(count 1\); 2026-11-30T21:30:00\.000Z "GetObject" \(count 4810\); 2026-11-30T22:41:57\.000Z "DeleteObjects" \(count 212\)\n/,
    );
    expect(alert.email).toMatch(/MITRE tactics: +"Discovery", "Defense Evasion", "Exfiltration", "Impact"\n/);
    expect(alert.email).toMatch(/MITRE techniques: +"T1530 - Data from Cloud Storage", "T1485 - Data Destruction"\n/);
    expect(alert.email).toMatch(/Indicators: +HIGH_RISK_API: "s3:DeleteObjects", "s3:PutBucketPublicAccessBlock"; UNUSUAL_ASN_FOR_USER: "64511"\n/);
    expect(alert.email).toMatch(/Actors: +user "build-bot" \(IAMUser, account 111122223333\)\n/);
    expect(alert.email).toMatch(/Endpoints: +203\.0\.113\.77 \("Frankfurt am Main, Germany"; AS 64511 "Example Transit GmbH"\)\n/);
    expect(alert.email).toMatch(/Resources: +bucket "customer-exports"; access key "AKIAEXAMPLEKEY000001"; bucket "customer-exports-archive"\n/);
  });

  it('AttackSequence: a credential compromise names the principal, even from a trimmed finding', () => {
    expect(alertOf(corpusEvent('AttackSequence_IAM_CompromisedCredentials.json')).sms).toContain('CompromisedCredentials on user "john_doe" in');
    const credentials = fixture('attack-sequence-s3.json');
    credentials.detail.type = 'AttackSequence:IAM/CompromisedCredentials';
    expect(alertOf(credentials).sms).toContain('on user "build-bot" in');
  });

  it.each([...corpusFindings(), ...sdkShapeFindings(), ...fixtureFindings()].filter((f) => String((f.event.detail as any).type).startsWith('AttackSequence:')).map((f) => [f.file, f.event] as const))(
    '%s: never names "AttackSequence" as the resource',
    (_file, event) => {
      const alert = alertOf(event);
      for (const text of [alert.subject, alert.sms]) expect(text).not.toMatch(/ on AttackSequence\b/);
    },
  );

  it('Malware Protection for EC2: the threats, each file with its hash and volume, the scan id', () => {
    const { email, sms } = alertOf(corpusEvent('findings-external/Execution_ECS_MaliciousFile.json'));
    expect(sms).toContain('on cluster "GeneratedFindingECSClusterName"');
    expect(email).toMatch(/Scan id: +bd6ce77dcacb163330a1a40ec143f851\n/);
    expect(email).toMatch(/Threats: +"EICAR-Test-File" \(HIGH, 2 files\)\n/);
    expect(email).toMatch(/Files: +"tmp\/eicar\.com" SHA-256 275a021b[0-9a-f]{56} on vol-09d5050dea915943d; "tmp\/eicar-2\.txt" SHA-256 /);
    expect(email).toMatch(/Scanned: +65226 files, 1 volumes, 1 GB\n/);
    expect(email).toMatch(/Triggered by finding: +aebf726700725c2ffe5a2418d71b91wd\n/);
  });

  it('Malware Protection for S3: the object, its version and hash, the threat and the file inside the archive', () => {
    const { email, sms } = alertOf(fixture('malware-s3-object.json'));
    expect(sms).toContain('on bucket "uploads-incoming" in');
    expect(email).toMatch(/Object: +"invoices\/2026\/invoice-1187\.zip" version 3HL4kqtJlcpXroDTDmJ\.rmSpXd3dIbrHY SHA-256 2546dcff[0-9a-f]{56}\n/);
    expect(email).toMatch(/Threats: +"EICAR-Test-File" \(Bitdefender\)\n/);
    expect(email).toMatch(/Files: +"invoice-1187\[\.\]zip\/invoice\.pdf\.exe" SHA-256 275a021b/);
    expect(email).toMatch(/Scan id: +5c2a9e7b1d4f4a3b8e6c0d9f7a1b2c3d\n/);
  });
});

describe('Chat card (Amazon Q Developer in chat applications custom notification)', () => {
  it('is a custom notification: title from the subject, the alert in a code block, the console link as a next step, threaded by finding', () => {
    const event = fixture('spambot.json');
    const alert = alertOf(event);
    expect(alert.chat).toEqual({
      version: '1.0',
      source: 'custom',
      id: event.id,
      content: {
        textType: 'client-markdown',
        title: `\u{1f7e0} ${alert.subject}`,
        description: `\`\`\`\n${alert.email.trim()}\n\`\`\``,
        nextSteps: [expect.stringMatching(/^Open the finding in the GuardDuty console: https:\/\/eu-west-1\.console\.aws\.amazon\.com\/guardduty\/home\?region=eu-west-1#\/findings\?macros=current&fId=/)],
        keywords: ['MEDIUM', 'Backdoor:EC2/Spambot', '111122223333', 'eu-west-1', 'ec2-spambot'],
      },
      metadata: {
        threadId: `guardduty-finding-${event.detail.id}`,
        summary: alert.subject,
        eventType: 'GuardDutyFinding',
        relatedResources: ['i-0abc1234def567890', event.detail.arn],
      },
    });
  });

  it('a reminder of the same finding lands in the same thread', () => {
    const finding = parseFindingEvent(fixture('spambot.json'));
    const reminder = formatReminderAlert(finding, { kind: 'reminder', firstAlertAt: 'a', lastAlertAt: 'b', deliveries: 3, lastOutcome: 'x' } as never, 'notify');
    expect(reminder.chat.metadata?.threadId).toBe(alertOf(fixture('spambot.json')).chat.metadata?.threadId);
  });

  it('a backtick in a value cannot close the code block, and a long alert is cut with a pointer to the email', () => {
    const event = fixture('spambot.json');
    event.detail.resource.instanceDetails.tags = [{ key: 'Name', value: '```\n@here [click](https://evil.example) *now*' }];
    event.detail.description = 'x'.repeat(900);
    event.detail.title = 'y '.repeat(400);
    const details = Array.from({ length: 40 }, (_, i) => `change ${i} ${'w'.repeat(80)}`);
    const { chat } = formatFindingAlert(parseFindingEvent(event), { playbookId: 'p', summary: 's', details });
    expect(chat.content.description.startsWith('```\n') && chat.content.description.endsWith('\n```')).toBe(true);
    expect(chat.content.description.slice(4, -4)).not.toContain('`');
    expect(chat.content.description.length).toBeLessThanOrEqual(MAX_CHAT_DESCRIPTION_LENGTH);
    expect(chat.content.description).toContain('... (the email alert has the rest)');
    expect(chat.content.title).not.toMatch(/\]\(|[`*~<>]/);
  });

  it('every alert kind has a card: an unprocessable event tells the channel where the event is kept', () => {
    const { chat } = formatUnprocessableAlert({ playbookId: 'notify', eventId: 'e-1', detailType: 'GuardDuty Finding', problem: 'detail.severity is missing' });
    expect(chat.content.title).toMatch(/could not process an event/);
    expect(chat.content.nextSteps).toEqual([expect.stringContaining('dead-letter queue')]);
  });
});
