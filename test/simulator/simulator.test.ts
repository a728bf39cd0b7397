import type { SecurityGroup } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { PLAYBOOKS } from '../../core/catalog';
import { ConfigError, loadConfig } from '../../core/config';
import { EXAMPLE_EVENTS_DIR, EXAMPLE_WORLD_DIR, Io, runSimulate } from '../../simulator/cli';
import { Ec2World } from '../../simulator/ec2-world';
import { EventResult, Simulator } from '../../simulator/simulate';
import { CORPUS_DIR } from '../support/corpus';
import { synthStack } from '../support/synth';

interface Run {
  readonly status: number;
  readonly stdout: string;
  readonly stderr: string;
}

async function simulate(argv: string[], tty = false, env: Record<string, string> = {}): Promise<Run> {
  let stdout = '';
  let stderr = '';
  const io: Io = {
    stdout: { write: (text: string) => (stdout += text), isTTY: tty },
    stderr: { write: (text: string) => (stderr += text), isTTY: false },
    env,
  };
  const status = await runSimulate(argv, io);
  return { status, stdout, stderr };
}

const jsonLines = (stdout: string): EventResult[] => stdout.trimEnd().split('\n').map((line) => JSON.parse(line));

describe('CLI: npm run simulate', () => {
  it('replays one example event per playbook on by default, each alerted by its own playbook, through handlers and clients built once per run', async () => {
    // As a warm Lambda container keeps them: every alert of the run goes through one SNS client,
    // and each is still filed under its own event.
    const publishers = new Set<unknown>();
    const send = SNSClient.prototype.send;
    const spy = jest.spyOn(SNSClient.prototype, 'send').mockImplementation(function (this: SNSClient, ...args: unknown[]) {
      publishers.add(this);
      return (send as (...a: unknown[]) => Promise<unknown>).apply(this, args);
    });
    const { status, stdout } = await simulate(['--json']).finally(() => spy.mockRestore());
    expect(publishers.size).toBe(1);
    expect(status).toBe(0);
    const results = jsonLines(stdout);
    expect(results.map((r) => r.playbooks)).toEqual(results.map((r) => [path.basename(r.file, '.json')]));
    expect(results.map((r) => r.playbooks[0]).sort()).toEqual(PLAYBOOKS.filter((p) => p.enabledByDefault).map((p) => p.id).sort());
    for (const r of results) {
      expect(Object.keys(r)).toEqual(['file', 'eventId', 'findingType', 'playbooks', 'actions', 'alerts', 'suppressed', 'errors']);
      expect(r.errors).toEqual([]);
      // Only the remediation changes anything; every notification playbook makes no AWS call.
      if (r.playbooks[0] !== 'revoke-ssh-ingress') expect(r.actions).toEqual([]);
      expect(r.alerts).toHaveLength(1);
      expect(Object.keys(r.alerts[0])).toEqual(['subject', 'email', 'sms', 'chat', 'attributes']);
      // The chat card is what Amazon Q Developer in chat applications renders: the subject as title, the email in a code block.
      expect(r.alerts[0].chat).toMatchObject({ version: '1.0', source: 'custom', content: { textType: 'client-markdown', title: expect.stringContaining(r.alerts[0].subject) } });
      expect((r.alerts[0].chat as { content: { description: string } }).content.description).toContain(r.alerts[0].email.trim().slice(0, 200).replace(/`/g, '\u02cb'));
    }
  });

  it('prints the alert exactly as a subscriber would receive it, in human form', async () => {
    const { status, stdout } = await simulate([path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')]);
    expect(status).toBe(0);
    expect(stdout).toContain('== examples/events/ec2-spambot.json');
    expect(stdout).toMatch(/playbooks: ec2-spambot\n/);
    expect(stdout).toMatch(/AWS calls: none\n/);
    expect(stdout).toContain('Subject: [MEDIUM] Backdoor:EC2/Spambot on i-0abc1234def567890 ("web-1") in 111122223333/eu-west-1');
    // The Name tag stays out of the SMS.
    expect(stdout).toContain('SMS:     [MEDIUM] GuardDuty Backdoor:EC2/Spambot on i-0abc1234def567890 in 111122223333/eu-west-1');
    expect(stdout).toMatch(/\| {3}Remote: +198\.51\.100\.23 \("Lyon, France"; "Example Hosting SAS"\)/);
    expect(stdout).not.toContain('\u001b[');
  });

  it('colours its output only on a terminal', async () => {
    const { stdout } = await simulate([path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')], true);
    expect(stdout).toContain('\u001b[1;36m== examples/events/ec2-spambot.json\u001b[0m');
  });

  it('applies -c flags as cdk synth does: a playbook switched off hands its findings to the fallback', async () => {
    const { stdout } = await simulate(['--json', '-c', 'playbook:ec2-spambot=false', path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')]);
    expect(jsonLines(stdout)[0].playbooks).toEqual(['all-other-findings']);
    const high = await simulate(['--json', '-c', 'minSeverity=HIGH', path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')]);
    expect(jsonLines(high.stdout)[0]).toMatchObject({ playbooks: [], alerts: [], errors: [] });
  });

  it.each([
    [['-c', 'playbook:nope=true'], { 'playbook:nope': 'true' }],
    [['-c', 'minSeverity=SEVERE'], { minSeverity: 'SEVERE' }],
    [['--context', 'alertPhoneNumbers=4155550100'], { alertPhoneNumbers: '4155550100' }],
  ])('refuses bad flags %p with the message cdk synth gives, and a non-zero status', async (argv, context) => {
    const expected = (() => {
      try {
        loadConfig(context);
      } catch (error) {
        return (error as ConfigError).message;
      }
      throw new Error('the flag was expected to be bad');
    })();
    const { status, stdout, stderr } = await simulate(argv);
    expect(status).toBe(1);
    expect(stderr).toBe(`guardduty-response: ${expected}\n`);
    expect(stdout).toBe('');
  });

  it('processes every good event around a bad file, reports the bad one with its name and why, and exits non-zero', async () => {
    // Prepare
    const dir = mkdtempSync(path.join(tmpdir(), 'simulate-'));
    writeFileSync(path.join(dir, '1-good.json'), JSON.stringify(require(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'))));
    writeFileSync(path.join(dir, '2-broken.json'), '{"version": "0", "detail": ');
    writeFileSync(
      path.join(dir, '3-text-severity.json'),
      JSON.stringify({ id: 'e-3', source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: { id: 'f', type: 'Backdoor:EC2/Spambot', severity: 'high', accountId: '111122223333', region: 'eu-west-1' } }),
    );
    writeFileSync(path.join(dir, '4-good.json'), JSON.stringify(require(path.join(EXAMPLE_EVENTS_DIR, 's3-findings.json'))));
    // Act
    const { status, stdout, stderr } = await simulate(['--json', dir]);
    // Assess
    expect(status).toBe(1);
    const results = jsonLines(stdout);
    expect(results.map((r) => [path.basename(r.file), r.playbooks, r.alerts.length, r.errors.length])).toEqual([
      ['1-good.json', ['ec2-spambot'], 1, 0],
      ['2-broken.json', [], 0, 1],
      // No numeric severity: the fallback alone receives it (routing.ts UNSCORED) and reports it.
      ['3-text-severity.json', ['all-other-findings'], 1, 1],
      ['4-good.json', ['s3-findings'], 1, 0],
    ]);
    expect(results[1].errors[0]).toMatch(/2-broken\.json could not be read as JSON: /);
    expect(results[2].errors[0]).toBe('all-other-findings: InvalidEventError: detail.severity is "high", not a number');
    expect(results[2].alerts[0].subject).toBe('[ERROR] guardduty-response could not process an event (e-3)');
    expect(stderr).toContain('simulate: 2 of 4 event(s) could not be processed');
  });

  it('shows the exact revoke calls for the example port probe, one alert for the same event delivered twice, and "nothing to do" for a new finding', async () => {
    const example = path.join(EXAMPLE_EVENTS_DIR, 'revoke-ssh-ingress.json');
    const dir = mkdtempSync(path.join(tmpdir(), 'events-'));
    const event = JSON.parse(readFileSync(example, 'utf8'));
    writeFileSync(path.join(dir, 'another-finding.json'), JSON.stringify({ ...event, id: 'e-another', detail: { ...event.detail, id: 'another-finding', arn: `${event.detail.arn}-another` } }));
    const { status, stdout } = await simulate(['--json', example, example, path.join(dir, 'another-finding.json')]);
    expect(status).toBe(0);
    const [first, second, third] = jsonLines(stdout);
    expect(first.actions.map((a) => a.operation)).toEqual(['ListDetectors', 'GetFindings', 'DescribeInstances', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces', 'RevokeSecurityGroupIngress', 'CreateTags']);
    expect(first.actions[5]).toEqual({
      service: 'ec2',
      operation: 'RevokeSecurityGroupIngress',
      account: '111122223333',
      region: 'eu-west-1',
      params: {
        GroupId: 'sg-0a1b2c3d4e5f60718',
        DryRun: false,
        IpPermissions: [
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
          { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
        ],
      },
    });
    expect(first.alerts[0].subject).toMatch(/^\[MEDIUM\] \[SSH CLOSED\] /);
    // The same event again (EventBridge delivers at least once): the playbook runs, changes nothing, and alerts nobody.
    expect(second.actions.map((a) => a.operation)).toEqual(['ListDetectors', 'GetFindings', 'DescribeInstances', 'DescribeSecurityGroups', 'DescribeNetworkInterfaces']);
    expect(second.alerts).toEqual([]);
    expect(second.suppressed).toEqual(['duplicate delivery of an event already alerted']);
    // Another finding about the same instance: its first delivery alerts, and finds nothing left to close.
    expect(third.alerts[0].subject).toMatch(/^\[MEDIUM\] \[NOTHING TO DO\] /);
  });

  it('shows dry-run calls with DryRun: true and the role assumed for a member account, from -c flags', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'member-'));
    const event = require(path.join(EXAMPLE_EVENTS_DIR, 'revoke-ssh-ingress.json'));
    event.detail.accountId = '444455556666';
    writeFileSync(path.join(dir, 'member.json'), JSON.stringify(event));
    const { stdout } = await simulate(['--json', '-c', 'dryRun=true', '-c', 'trustedSshCidrs=203.0.113.0/24', path.join(dir, 'member.json')]);
    const [result] = jsonLines(stdout);
    // GuardDuty confirms the finding first (the simulator knows each replayed finding), then the member role is assumed.
    expect(result.actions.slice(0, 2).map((a) => `${a.service}:${a.operation}`)).toEqual(['guardduty:ListDetectors', 'guardduty:GetFindings']);
    expect(result.actions[2]).toMatchObject({ service: 'sts', operation: 'AssumeRole', params: { RoleArn: 'arn:aws:iam::444455556666:role/GuardDutyResponseMember-revoke-ssh' } });
    const mutating = result.actions.filter((a) => !a.operation.startsWith('Describe') && a.service === 'ec2');
    expect(mutating.map((a) => [a.operation, a.account, a.params.DryRun])).toEqual([
      ['AuthorizeSecurityGroupIngress', '444455556666', true],
      ['RevokeSecurityGroupIngress', '444455556666', true],
      ['CreateTags', '444455556666', true],
    ]);
    expect(result.alerts[0].subject).toMatch(/\[DRY RUN\]/);
  });

  it('isolates the example C&C instance when isolate-instance is on, and changes and tells nothing on a duplicate delivery', async () => {
    const example = path.join(EXAMPLE_EVENTS_DIR, 'all-other-findings.json');
    const { status, stdout } = await simulate(['--json', '-c', 'playbook:isolate-instance=true', example, example]);
    expect(status).toBe(0);
    const [first, second] = jsonLines(stdout);
    expect(first.playbooks).toEqual(['isolate-instance']);
    expect(first.actions.filter((a) => !/^(Describe|List|Get)/.test(a.operation)).map((a) => `${a.service}:${a.operation}`)).toEqual([
      'ec2:CreateTags',
      'ec2:CreateSecurityGroup',
      'ec2:AuthorizeSecurityGroupIngress',
      'ec2:AuthorizeSecurityGroupEgress',
      'ec2:CreateSecurityGroup',
      'ec2:RevokeSecurityGroupEgress',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:ModifyNetworkInterfaceAttribute',
      'ec2:ModifyInstanceAttribute',
      'autoscaling:DetachInstances',
      'ec2:CreateSnapshot',
    ]);
    expect(first.actions.find((a) => a.operation === 'DetachInstances')!.params).toEqual({ InstanceIds: ['i-0abc1234def567890'], AutoScalingGroupName: 'web-asg', ShouldDecrementDesiredCapacity: false });
    expect(first.alerts[0].subject).toMatch(/^\[HIGH\] \[ISOLATED\] /);
    expect(second.alerts).toEqual([]);
    expect(second.suppressed).toEqual(['duplicate delivery of an event already alerted']);
    expect(second.actions.filter((a) => !/^(Describe|List|Get)/.test(a.operation))).toEqual([]);
  });

  it('changes nothing and alerts [NOT VERIFIED] when GuardDuty does not know the findings (--unknown-to-guardduty)', async () => {
    const example = path.join(EXAMPLE_EVENTS_DIR, 'revoke-ssh-ingress.json');
    const isolation = path.join(EXAMPLE_EVENTS_DIR, 'all-other-findings.json');
    const { status, stdout } = await simulate(['--json', '--unknown-to-guardduty', '-c', 'playbook:isolate-instance=true', example, isolation]);
    expect(status).toBe(0);
    for (const result of jsonLines(stdout)) {
      expect(result.actions.map((a) => `${a.service}:${a.operation}`)).toEqual(['guardduty:ListDetectors', 'guardduty:GetFindings']);
      expect(result.alerts[0].subject).toMatch(/\[NOT VERIFIED\]/);
      expect(result.alerts[0].email).toContain('Nothing was changed: GuardDuty does not know finding');
    }
  });

  it('injects a failure with --fail-after and shows the next delivery resuming instead of starting over', async () => {
    const example = path.join(EXAMPLE_EVENTS_DIR, 'all-other-findings.json');
    // The 11th mutating call of the run is the snapshot, after the isolation.
    const { status, stdout } = await simulate(['--json', '--fail-after', '11', '-c', 'playbook:isolate-instance=true', example, example]);
    expect(status).toBe(1);
    const [first, second] = jsonLines(stdout);
    expect(first.alerts[0].subject).toMatch(/\[ISOLATION FAILED\]/);
    expect(first.alerts[0].email).toMatch(/FAILED to snapshot vol-0a1b2c3d4e5f60001: InternalError: injected by --fail-after 11/);
    expect(first.errors).toHaveLength(1);
    // The retry only keeps the missing evidence: nothing moves, nothing is recorded again.
    expect(second.actions.filter((a) => !/^(Describe|List|Get)/.test(a.operation)).map((a) => a.operation)).toEqual(['CreateSnapshot']);
    expect(second.alerts[0].subject).toMatch(/\[EVIDENCE KEPT\]/);
    expect(second.errors).toEqual([]);
  });

  it('refuses a --fail-after that is not a positive whole number', async () => {
    const { status, stderr } = await simulate(['--fail-after', 'soon']);
    expect(status).toBe(2);
    expect(stderr).toContain("--fail-after needs a positive whole number, not 'soon'");
  });

  it('prints event values cleaned in its human output: no terminal escapes from a finding', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'events-'));
    const example = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'), 'utf8'));
    writeFileSync(path.join(dir, 'hostile.json'), JSON.stringify({ ...example, id: 'e\u001b[2J\u001b[31mred', detail: { ...example.detail, type: 'Backdoor:EC2/Spambot\u202e\nFAKE' } }));
    const { stdout } = await simulate([path.join(dir, 'hostile.json')]);
    expect(stdout).not.toMatch(/[\u001b\u202e]/);
    expect(stdout).not.toMatch(/\nFAKE/);
  });

  it('reports an event with an empty or forged region as could-not-process and goes on with the next', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'events-'));
    const example = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'revoke-ssh-ingress.json'), 'utf8'));
    const empty = { ...example, region: '', detail: { ...example.detail, region: '' } };
    const forged = { ...example, detail: { ...example.detail, region: 'eu-west-1; echo pwned' } };
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify([empty, forged]));
    const { status, stdout } = await simulate(['--json', path.join(dir, 'bad.json'), path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json')]);
    expect(status).toBe(1);
    const [first, second, third] = jsonLines(stdout);
    expect(first.errors).toEqual([expect.stringMatching(/could not process: the event's region "" is not an AWS region name/)]);
    expect(second.errors).toEqual([expect.stringMatching(/the finding's region "eu-west-1; echo pwned" is not an AWS region name/)]);
    expect(second.actions).toEqual([]);
    expect(second.alerts[0].subject).toMatch(/^\[ERROR\] guardduty-response could not process an event/);
    expect(third.errors).toEqual([]);
    expect(third.alerts).toHaveLength(1);
  });

  it('reads the world from --world files and says which file is wrong', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'world-'));
    writeFileSync(path.join(dir, 'bad.json'), JSON.stringify({ Buckets: [] }));
    const bad = await simulate(['--world', path.join(dir, 'bad.json')]);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/^guardduty-response: world file .*bad\.json: has none of Reservations/);
    const missing = await simulate(['--world', path.join(dir, 'missing.json')]);
    expect(missing.stderr).toMatch(/world file .*missing\.json: no such file/);
  });

  it.each([[['--wrold', 'x']], [['-c', 'novalue']], [['--world']]])('answers usage errors %p with status 2 and the usage', async (argv) => {
    const { status, stderr } = await simulate(argv);
    expect(status).toBe(2);
    expect(stderr).toContain('usage: npm run simulate --');
  });

  it('routes every corpus finding to exactly one playbook with one alert and no error, and tells a second delivery of each nobody, with progress on stderr', async () => {
    const corpusFindings = path.join(CORPUS_DIR, 'findings');
    const count = readdirSync(corpusFindings).filter((f) => f.endsWith('.json')).length;
    expect(count).toBeGreaterThan(30);
    // The directory twice: more than 50 events, so the progress line shows; the second pass delivers each event again.
    const { status, stdout, stderr } = await simulate(['--json', corpusFindings, corpusFindings]);
    const results = jsonLines(stdout);
    expect(results.length).toBe(2 * count);
    expect(results.filter((r) => r.playbooks.length !== 1 || r.errors.length !== 0)).toEqual([]);
    expect(results.slice(0, count).filter((r) => r.alerts.length !== 1)).toEqual([]);
    expect(results.slice(count).filter((r) => r.alerts.length !== 0 || r.suppressed.length !== 1)).toEqual([]);
    expect(status).toBe(0);
    expect(stderr).toMatch(/simulate: 50\/\d+ events\n/);
  });

  it('runs as npm run simulate: --json writes only JSON lines to stdout, reads no credentials and leaves no temporary files', () => {
    const temporary = mkdtempSync(path.join(tmpdir(), 'simulate-tmp-'));
    // The command users run, with the Node.js options of package.json's script.
    const result = spawnSync('npm', ['run', '-s', 'simulate', '--', '--json', path.join(EXAMPLE_EVENTS_DIR, 'iam-findings.json')], {
      cwd: path.join(__dirname, '..', '..'),
      encoding: 'utf8',
      env: { PATH: process.env.PATH, HOME: mkdtempSync(path.join(tmpdir(), 'home-')), TMPDIR: temporary, AWS_CONFIG_FILE: '/nonexistent', AWS_SHARED_CREDENTIALS_FILE: '/nonexistent' },
    });
    expect(result.status).toBe(0);
    const lines = result.stdout.trimEnd().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toMatchObject({ playbooks: ['iam-findings'], errors: [] });
    // tsx keeps its compile cache there (tsx-<uid>); the synthesized assembly must not stay.
    expect(readdirSync(temporary).filter((name) => !name.startsWith('tsx-'))).toEqual([]);
  });

  it("reports an event of a Region that 'regions' does not forward, and runs nothing for it", async () => {
    const example = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'), 'utf8'));
    const dir = mkdtempSync(path.join(tmpdir(), 'regions-'));
    writeFileSync(path.join(dir, '1-home.json'), JSON.stringify(example));
    writeFileSync(path.join(dir, '2-forwarded.json'), JSON.stringify({ ...example, id: 'e-us', region: 'us-east-1', detail: { ...example.detail, region: 'us-east-1' } }));
    writeFileSync(path.join(dir, '3-elsewhere.json'), JSON.stringify({ ...example, id: 'e-sa', region: 'sa-east-1', detail: { ...example.detail, region: 'sa-east-1' } }));
    const { status, stdout } = await simulate(['--json', '-c', 'regions=us-east-1', dir], false, { AWS_REGION: 'eu-west-1' });
    expect(status).toBe(0);
    const [home, forwarded, elsewhere] = jsonLines(stdout);
    expect([home.playbooks, forwarded.playbooks, elsewhere.playbooks]).toEqual([['ec2-spambot'], ['ec2-spambot'], []]);
    expect(elsewhere.alerts).toEqual([]);
    expect(elsewhere.suppressed).toEqual([expect.stringMatching(/^not forwarded by this configuration: the event's Region sa-east-1 is neither the home Region nor listed in 'regions' \(eu-west-1, us-east-1\)/)]);
  });
});

describe('Simulator', () => {
  it('shows revoke-ssh refused by a group at its quota of 60 inbound IPv4 rules: nothing changed on it, the failure kept, and what to do', async () => {
    const worldFiles = readdirSync(EXAMPLE_WORLD_DIR).map((file) => ({ file, json: JSON.parse(readFileSync(path.join(EXAMPLE_WORLD_DIR, file), 'utf8')) }));
    const groups = worldFiles.find((f) => f.json.SecurityGroups)!.json.SecurityGroups as SecurityGroup[];
    const web = groups.find((g) => g.GroupName === 'web-sg')!;
    // World SSH inside a wider world rule (closing it adds tcp 0-21 and 23-65535), in a group
    // already holding 60 IPv4 rules.
    web.IpPermissions!.push(
      { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
      { IpProtocol: 'tcp', FromPort: 8080, ToPort: 8080, IpRanges: Array.from({ length: 56 }, (_, i) => ({ CidrIp: `10.${i + 1}.0.0/16` })), Ipv6Ranges: [], UserIdGroupPairs: [], PrefixListIds: [] },
    );
    const world = Ec2World.fromDocuments(worldFiles);
    const before = world.call('DescribeSecurityGroups', { GroupIds: [web.GroupId] });
    const simulator = new Simulator(synthStack().template.toJSON(), world);
    try {
      const result = await simulator.run('probe.json', JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'revoke-ssh-ingress.json'), 'utf8')));
      expect(result.playbooks).toEqual(['revoke-ssh-ingress']);
      const [alert] = result.alerts;
      expect(alert.subject).toMatch(/\[REMEDIATION FAILED\]/);
      expect(alert.email).toContain('FAILED to allow tcp 0-21 from 0.0.0.0/0, tcp 23-65535 from 0.0.0.0/0: RulesPerSecurityGroupLimitExceeded');
      expect(alert.email).toContain('(the group is at its quota of rules, "Inbound or outbound rules per security group": 60 by default');
      // The other instance on the group is as exposed as before, and the alert says so.
      expect(alert.email).toContain('also used by eni-0bb22cc33dd44ee55 (i-0def5678abc123456) (still open to the world for all of them)');
      expect(result.errors).toEqual([expect.stringContaining('could not be changed: sg-0a1b2c3d4e5f60718')]);
      // The authorize came first and was refused: the world SSH rule was never revoked.
      expect(world.call('DescribeSecurityGroups', { GroupIds: [web.GroupId] })).toEqual(before);
    } finally {
      await simulator.close();
    }
  });

  it('runs one event at a time: a run started while another is under way is refused, and the first keeps its own output', async () => {
    const simulator = new Simulator(synthStack().template.toJSON(), Ec2World.empty());
    const example = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, 'ec2-spambot.json'), 'utf8'));
    try {
      const first = simulator.run('first.json', example);
      await expect(simulator.run('second.json', { ...example, id: 'e-second' })).rejects.toThrow('the simulator runs one event at a time');
      await expect(simulator.digest()).rejects.toThrow('the simulator runs one event at a time');
      expect(await first).toMatchObject({ file: 'first.json', playbooks: ['ec2-spambot'], alerts: [expect.anything()], errors: [] });
      // Once it is done, the next run goes ahead.
      expect(await simulator.run('second.json', { ...example, id: 'e-second' })).toMatchObject({ file: 'second.json', eventId: 'e-second', errors: [] });
    } finally {
      await simulator.close();
    }
  });
});
