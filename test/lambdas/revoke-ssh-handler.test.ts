import 'aws-sdk-client-mock-jest';
import {
  AuthorizeSecurityGroupIngressCommand,
  CreateTagsCommand,
  DescribeInstancesCommand,
  DescribeNetworkInterfacesCommand,
  DescribeSecurityGroupsCommand,
  GetManagedPrefixListEntriesCommand,
  EC2Client,
  EC2ServiceException,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import * as path from 'node:path';
import { createRevokeSshHandler } from '../../lambdas/revoke-ssh/revoke-ssh';
import { FINDING_TAG, REMEDIATION_TAG, REVOKED_TAG } from '../../lambdas/revoke-ssh/plan';
import type { RemediationSettings } from '../../lambdas/shared/remediation';
import { fixtureEvent } from '../support/corpus';
import { remediationDependencies } from '../support/dependencies';

const ec2 = mockClient(EC2Client);
const sts = mockClient(STSClient);
const sns = mockClient(SNSClient);
const world = (name: string) => require(path.join(__dirname, '..', '..', 'examples', 'world', name));

const probe = () => fixtureEvent('port-probe-22.json') as Record<string, any>;
const groups = (): SecurityGroup[] => structuredClone(world('security-groups.json').SecurityGroups);
const instances = () => structuredClone(world('instances.json').Reservations.flatMap((r: { Instances: unknown[] }) => r.Instances));

function handlerWith(settings: Partial<RemediationSettings> = {}) {
  const { dependencies, regions } = remediationDependencies('revoke-ssh-ingress', settings);
  return { handler: createRevokeSshHandler(dependencies), ec2Regions: regions };
}

/** The alert the handler published. */
function published() {
  const calls = sns.commandCalls(PublishCommand);
  expect(calls).toHaveLength(1);
  const input = calls[0].args[0].input;
  return { subject: input.Subject!, email: JSON.parse(input.Message!).email as string };
}

function answerWorld(securityGroups: SecurityGroup[] = groups(), instanceList = instances()) {
  ec2.on(DescribeInstancesCommand).callsFake((input) => ({ Reservations: [{ Instances: instanceList.filter((i: { InstanceId: string }) => input.InstanceIds.includes(i.InstanceId)) }] }));
  ec2.on(DescribeSecurityGroupsCommand).callsFake((input) => ({ SecurityGroups: securityGroups.filter((g) => input.GroupIds.includes(g.GroupId)) }));
  ec2.on(DescribeNetworkInterfacesCommand).resolves({
    NetworkInterfaces: [
      { NetworkInterfaceId: 'eni-0aa11bb22cc33dd44', Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }], Attachment: { InstanceId: 'i-0abc1234def567890' } },
      { NetworkInterfaceId: 'eni-0bb22cc33dd44ee55', Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }], Attachment: { InstanceId: 'i-0def5678abc123456' } },
    ],
  });
  ec2.on(AuthorizeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(RevokeSecurityGroupIngressCommand).resolves({ Return: true });
  ec2.on(CreateTagsCommand).resolves({});
}

describe('Handler: revoke-ssh-ingress', () => {
  beforeEach(() => {
    ec2.reset();
    sts.reset();
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('revokes SSH from 0.0.0.0/0 and ::/0 on the instance group, tags it, and says so with the restore commands', async () => {
    // Prepare
    answerWorld();
    const { handler, ec2Regions } = handlerWith();
    // Act
    await handler(probe());
    // Assess
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, {
      GroupId: 'sg-0a1b2c3d4e5f60718',
      DryRun: false,
      IpPermissions: [
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
        { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
      ],
    });
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 0);
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, {
      Resources: ['sg-0a1b2c3d4e5f60718'],
      DryRun: false,
      Tags: [
        { Key: REMEDIATION_TAG, Value: 'revoke-ssh-ingress closed TCP 22 from the world at 2026-11-20T03:30:00.000Z' },
        { Key: FINDING_TAG, Value: probe().detail.id },
        { Key: REVOKED_TAG, Value: 'tcp:22-22:0.0.0.0/0 tcp:22-22:::/0' },
      ],
    });
    expect(sts).toHaveReceivedCommandTimes(AssumeRoleCommand, 0);
    expect(ec2Regions).toEqual(['eu-west-1:own']);
    const alert = published();
    expect(alert.subject).toBe('[MEDIUM] [SSH CLOSED] Recon:EC2/PortProbeUnprotectedPort in 111122223333/eu-west-1');
    expect(alert.email).toMatch(/Outcome: +Closed TCP 22 to the world on sg-0a1b2c3d4e5f60718 \("web-sg"\) on i-0abc1234def567890, keeping every other rule\./);
    expect(alert.email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): revoked tcp 22 from 0.0.0.0/0');
    expect(alert.email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): revoked tcp 22 from ::/0');
    expect(alert.email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): also used by eni-0bb22cc33dd44ee55 (i-0def5678abc123456)');
    expect(alert.email).toContain(
      `aws ec2 authorize-security-group-ingress --region eu-west-1 --group-id sg-0a1b2c3d4e5f60718 --ip-permissions '[{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"IpRanges":[{"CidrIp":"0.0.0.0/0","Description":"temporary ssh"}]},{"IpProtocol":"tcp","FromPort":22,"ToPort":22,"Ipv6Ranges":[{"CidrIpv6":"::/0"}]}]'`,
    );
    expect(alert.email).toContain(`aws ec2 delete-tags --region eu-west-1 --resources sg-0a1b2c3d4e5f60718 --tags Key=${REMEDIATION_TAG} Key=${FINDING_TAG} Key=${REVOKED_TAG}`);
  });

  it('reads every page of the interfaces that share the group, and names a few of them in the alert, counting the rest', async () => {
    // A fleet's group: 2,500 other interfaces, on three pages of at most 1,000.
    answerWorld();
    const shared = Array.from({ length: 2500 }, (_, i) => ({ NetworkInterfaceId: `eni-${String(i).padStart(17, '0')}`, Groups: [{ GroupId: 'sg-0a1b2c3d4e5f60718' }], Attachment: { InstanceId: `i-${String(i).padStart(17, '0')}` } }));
    ec2.on(DescribeNetworkInterfacesCommand).callsFake((input) => {
      const start = Number(input.NextToken ?? 0);
      const end = Math.min(shared.length, start + input.MaxResults);
      return { NetworkInterfaces: shared.slice(start, end), ...(end < shared.length && { NextToken: String(end) }) };
    });
    const { handler } = handlerWith();
    await handler(probe());
    expect(ec2.commandCalls(DescribeNetworkInterfacesCommand).map((c) => [c.args[0].input.MaxResults, c.args[0].input.NextToken])).toEqual([
      [1000, undefined],
      [1000, '1000'],
      [1000, '2000'],
    ]);
    const alert = published();
    expect(alert.email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): also used by eni-00000000000000000 (i-00000000000000000), eni-00000000000000001 (i-00000000000000001),');
    expect(alert.email).toContain(' and 2495 more (fixed for all of them: it was open to the world for each)');
    expect(alert.email.length).toBeLessThan(10_000);
  });

  it('replaces a wide rule, authorizing the kept parts and trusted SSH before revoking', async () => {
    const wide = groups();
    wide[0].IpPermissions = [{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    answerWorld(wide);
    const { handler } = handlerWith({ trustedSshCidrs: ['203.0.113.0/24'] });
    await handler(probe());
    const order = ec2.calls().map((c) => c.args[0].constructor.name);
    expect(order.indexOf('AuthorizeSecurityGroupIngressCommand')).toBeLessThan(order.indexOf('RevokeSecurityGroupIngressCommand'));
    const authorized = ec2.commandCalls(AuthorizeSecurityGroupIngressCommand)[0].args[0].input.IpPermissions!;
    expect(authorized.map((p) => `${p.IpProtocol} ${p.FromPort}-${p.ToPort} ${p.IpRanges?.[0]?.CidrIp}`)).toEqual([
      'tcp 0-21 0.0.0.0/0',
      'tcp 23-65535 0.0.0.0/0',
      'udp 0-65535 0.0.0.0/0',
      'icmp -1--1 0.0.0.0/0',
      'tcp 22-22 203.0.113.0/24',
    ]);
    const { email } = published();
    expect(email).toContain('allowed tcp 0-21 from 0.0.0.0/0 (kept from all traffic from 0.0.0.0/0)');
    expect(email).toContain('allowed tcp 22 from 203.0.113.0/24 (trusted SSH source (trustedSshCidrs))');
    expect(email).toContain('IP protocols other than TCP, UDP and ICMP that the all-traffic rule allowed from the world are no longer allowed');
    expect(email).toMatch(/aws ec2 revoke-security-group-ingress --region eu-west-1 --group-id sg-0a1b2c3d4e5f60718 --ip-permissions '\[\{"IpProtocol":"tcp","FromPort":0,"ToPort":21/);
  });

  it('never remediates a sample finding, and says what it would have done', async () => {
    const sample = probe();
    sample.detail.service.additionalInfo = { sample: true };
    const { handler } = handlerWith();
    await handler(sample);
    expect(ec2.calls()).toHaveLength(0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[SAMPLE\] \[MEDIUM\] Recon:EC2\/PortProbeUnprotectedPort/);
    expect(email).toMatch(/Outcome: +Sample finding: nothing was changed\. For a real finding, this playbook would close TCP 22 to 0\.0\.0\.0\/0 and ::\/0 on the security groups of i-0abc1234def567890 \(sg-0a1b2c3d4e5f60718\)/);
  });

  it('leaves an instance with the exclusion tag alone and says why', async () => {
    const tagged = instances();
    tagged[0].Tags.push({ Key: 'guardduty-response:exclude', Value: 'forensics' });
    answerWorld(groups(), tagged);
    const { handler } = handlerWith();
    await handler(probe());
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    expect(published().email).toMatch(/Outcome: +Nothing was changed: instance i-0abc1234def567890 carries the exclusion tag 'guardduty-response:exclude'\. TCP 22 stays open to the world on sg-0a1b2c3d4e5f60718 \("web-sg"\)\./);
  });

  it('leaves a group with the exclusion tag alone, fixes the others, and says which', async () => {
    const two = groups();
    two[0].Tags!.push({ Key: 'guardduty-response:exclude', Value: '' });
    two[1].IpPermissions = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    const both = instances();
    both[0].NetworkInterfaces[0].Groups.push({ GroupId: 'sg-0b2c3d4e5f6071829', GroupName: 'internal-sg' });
    answerWorld(two, both);
    const { handler } = handlerWith();
    await handler(probe());
    expect(ec2.commandCalls(RevokeSecurityGroupIngressCommand).map((c) => c.args[0].input.GroupId)).toEqual(['sg-0b2c3d4e5f6071829']);
    expect(published().email).toContain("- sg-0a1b2c3d4e5f60718 (\"web-sg\"): left as it is: it carries the exclusion tag 'guardduty-response:exclude'");
  });

  it('makes every mutating call with DryRun: true in dry run, and says "would have"', async () => {
    answerWorld();
    const dryRun = new EC2ServiceException({ name: 'DryRunOperation', $fault: 'client', message: 'Request would have succeeded, but DryRun flag is set.', $metadata: {} });
    ec2.on(RevokeSecurityGroupIngressCommand).rejects(dryRun);
    ec2.on(CreateTagsCommand).rejects(dryRun);
    const { handler } = handlerWith({ dryRun: true });
    await handler(probe());
    expect(ec2).toHaveReceivedCommandWith(RevokeSecurityGroupIngressCommand, { DryRun: true });
    expect(ec2).toHaveReceivedCommandWith(CreateTagsCommand, { DryRun: true });
    const { subject, email } = published();
    expect(subject).toMatch(/^\[MEDIUM\] \[DRY RUN\] /);
    expect(email).toMatch(/Outcome: +Dry run: nothing was changed\. Would have closed TCP 22 to the world on sg-0a1b2c3d4e5f60718 \("web-sg"\)/);
    expect(email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): would have revoked tcp 22 from 0.0.0.0/0');
    expect(email).toContain('also used by eni-0bb22cc33dd44ee55 (i-0def5678abc123456) (would be fixed for all of them: it is open to the world for each)');
    expect(email).not.toContain('aws ec2 authorize-security-group-ingress');
  });

  it('changes nothing on a second delivery and says "already remediated"', async () => {
    const fixed = groups();
    fixed[0].IpPermissions = fixed[0].IpPermissions!.filter((p) => p.FromPort !== 22 || p.IpRanges?.[0]?.CidrIp !== '0.0.0.0/0');
    fixed[0].Tags!.push({ Key: FINDING_TAG, Value: probe().detail.id }, { Key: REMEDIATION_TAG, Value: 'revoke-ssh-ingress closed TCP 22 from the world at 2026-11-20T03:30:00.000Z' });
    answerWorld(fixed);
    const { handler } = handlerWith();
    await handler(probe());
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[MEDIUM\] \[ALREADY REMEDIATED\] /);
    expect(email).toMatch(/Outcome: +Already remediated: no rule of the security groups of i-0abc1234def567890 names the whole world for TCP 22/);
  });

  // A revoke of a rule that is gone: a non-default VPC answers InvalidPermission.NotFound, a default
  // VPC success with the rule in UnknownIpPermissions (Amazon EC2 API Reference, RevokeSecurityGroupIngress).
  it.each([
    ['InvalidPermission.NotFound (a non-default VPC)', () => ec2.on(RevokeSecurityGroupIngressCommand).rejects(new EC2ServiceException({ name: 'InvalidPermission.NotFound', $fault: 'client', message: 'The specified rule does not exist in this security group.', $metadata: {} }))],
    ['success with the rules in UnknownIpPermissions (a default VPC)', () => ec2.on(RevokeSecurityGroupIngressCommand).callsFake((input) => ({ Return: true, UnknownIpPermissions: input.IpPermissions }))],
  ])('reads the group again when another delivery closed it at the same moment (EC2 answers %s), and says this one changed nothing', async (_answer, answerRevoke) => {
    // The first read finds SSH open; the revoke finds the rule gone; the second read finds the group closed and tagged.
    const fixed = groups();
    fixed[0].IpPermissions = fixed[0].IpPermissions!.filter((p) => p.FromPort !== 22 || p.IpRanges?.[0]?.CidrIp !== '0.0.0.0/0');
    fixed[0].Tags!.push({ Key: REMEDIATION_TAG, Value: 'revoke-ssh-ingress closed TCP 22 from the world at 2026-11-20T03:30:00.000Z' });
    answerWorld();
    const reads = [groups(), fixed];
    ec2.on(DescribeSecurityGroupsCommand).callsFake((input) => ({ SecurityGroups: (reads.shift() ?? fixed).filter((g) => input.GroupIds.includes(g.GroupId)) }));
    answerRevoke();
    const { handler } = handlerWith();
    await handler(probe());
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 1);
    // Never tagged as this delivery's change.
    expect(ec2).toHaveReceivedCommandTimes(CreateTagsCommand, 0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[MEDIUM\] \[ALREADY REMEDIATED\] /);
    expect(email).toMatch(/Outcome: +Another delivery closed TCP 22 to the world on sg-0a1b2c3d4e5f60718 \("web-sg"\) on i-0abc1234def567890 at the same moment; this one changed nothing/);
    expect(email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): closed at the same moment by another delivery, whose alert has the way back');
    expect(email).not.toContain('): revoked tcp 22');
    expect(email).not.toContain('aws ec2 ');
  });

  it('never reads as an all-clear while a narrower rule still lets the probing address reach TCP 22: it says which, and changes nothing there', async () => {
    // The probe came from 198.51.100.99; half the IPv4 Internet may still reach SSH.
    const narrow = groups();
    narrow[0].IpPermissions = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '128.0.0.0/1' }] }];
    answerWorld(narrow);
    await handlerWith().handler(probe());
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    const nothingClosed = published();
    expect(nothingClosed.subject).toMatch(/^\[MEDIUM\] \[SSH STILL OPEN\] /);
    expect(nothingClosed.email).toMatch(/Outcome: +No rule of the security groups of i-0abc1234def567890 names the whole world for TCP 22, but rules below can still let the address that probed it, or the world, reach it/);
    expect(nothingClosed.email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): TCP 22 can still be reached through tcp 22 from 128.0.0.0/1 (holds 198.51.100.99) (left as it is: not a rule that names the world)');
    // With a world rule too: the world rule is closed, and the alert still says what is left.
    sns.resetHistory();
    narrow[0].IpPermissions.push({ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] });
    answerWorld(narrow);
    await handlerWith().handler(probe());
    const closed = published();
    expect(closed.subject).toMatch(/^\[MEDIUM\] \[SSH CLOSED\] /);
    expect(closed.email).toMatch(/keeping every other rule\. Rules left as they are can still let the address that probed it, or the world, reach TCP 22 \(below\)\./);
    expect(closed.email).toContain('tcp 22 from 128.0.0.0/1 (holds 198.51.100.99)');
  });

  it('reads the prefix lists of SSH rules: one holding the world is named, never an all-clear, and changed nowhere; one it cannot read is named too', async () => {
    const viaList = groups();
    viaList[0].IpPermissions = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: 'pl-0123456789abcdef0' }, { PrefixListId: 'pl-0fedcba9876543210' }] }];
    answerWorld(viaList);
    // Two pages of the first list (100 entries at most each, as EC2 allows); the second is denied.
    ec2.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0123456789abcdef0' })
      .resolvesOnce({ Entries: Array.from({ length: 100 }, (_, i) => ({ Cidr: `10.0.${i}.0/24` })), NextToken: 'page-2' })
      .resolvesOnce({ Entries: [{ Cidr: '0.0.0.0/0', Description: 'temporary' }] });
    ec2.on(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0fedcba9876543210' }).rejects(Object.assign(new Error('You are not authorized to perform this operation.'), { name: 'UnauthorizedOperation' }));
    await handlerWith().handler(probe());
    expect(ec2).toHaveReceivedCommandWith(GetManagedPrefixListEntriesCommand, { PrefixListId: 'pl-0123456789abcdef0', MaxResults: 100, NextToken: 'page-2' });
    expect(ec2).toHaveReceivedCommandTimes(AuthorizeSecurityGroupIngressCommand, 0);
    expect(ec2).toHaveReceivedCommandTimes(RevokeSecurityGroupIngressCommand, 0);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[MEDIUM\] \[SSH STILL OPEN\] /);
    expect(email).toContain(
      '- sg-0a1b2c3d4e5f60718 ("web-sg"): TCP 22 can still be reached through tcp 22 from pl-0123456789abcdef0 (its entry 0.0.0.0/0 is the whole world), tcp 22 from pl-0fedcba9876543210 (its entries could not be read: UnauthorizedOperation; it may hold the world) (left as it is: not a rule that names the world)',
    );
  });

  it('fixes the groups it can when one fails, lists both, and fails the invocation', async () => {
    const two = groups();
    two[1].IpPermissions = [{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }];
    const both = instances();
    both[0].NetworkInterfaces[0].Groups.push({ GroupId: 'sg-0b2c3d4e5f6071829', GroupName: 'internal-sg' });
    answerWorld(two, both);
    ec2
      .on(RevokeSecurityGroupIngressCommand, { GroupId: 'sg-0a1b2c3d4e5f60718' })
      .rejects(new EC2ServiceException({ name: 'UnauthorizedOperation', $fault: 'client', message: 'You are not authorized to perform this operation.', $metadata: {} }));
    const { handler } = handlerWith();
    await expect(handler(probe())).rejects.toThrow(/^1 of 2 security group\(s\) could not be changed: sg-0a1b2c3d4e5f60718: revoke .+ \(UnauthorizedOperation\)$/);
    const { subject, email } = published();
    expect(subject).toMatch(/^\[MEDIUM\] \[REMEDIATION FAILED\] /);
    expect(email).toMatch(/Outcome: +Closed TCP 22 to the world on sg-0b2c3d4e5f6071829 \("internal-sg"\); FAILED on sg-0a1b2c3d4e5f60718 \("web-sg"\)/);
    expect(email).toContain('- sg-0a1b2c3d4e5f60718 ("web-sg"): FAILED to revoke tcp 22 from 0.0.0.0/0, tcp 22 from ::/0: UnauthorizedOperation: You are not authorized to perform this operation.');
    expect(email).toContain('- sg-0b2c3d4e5f6071829 ("internal-sg"): revoked tcp 22 from 0.0.0.0/0');
    // The failed group was not tagged as fixed.
    expect(ec2.commandCalls(CreateTagsCommand).map((c) => c.args[0].input.Resources)).toEqual([['sg-0b2c3d4e5f6071829']]);
  });

  it("assumes the member role in another account, with the finding id in the session name, and works in the finding's region", async () => {
    const member = probe();
    member.detail.accountId = '444455556666';
    member.detail.region = 'ap-southeast-2';
    answerWorld();
    sts.on(AssumeRoleCommand).resolves({ Credentials: { AccessKeyId: 'ASIAMEMBER', SecretAccessKey: 's', SessionToken: 't', Expiration: new Date() } });
    const { handler, ec2Regions } = handlerWith();
    await handler(member);
    expect(sts).toHaveReceivedCommandWith(AssumeRoleCommand, {
      RoleArn: 'arn:aws:iam::444455556666:role/GuardDutyResponseMember',
      RoleSessionName: `guardduty-response-${member.detail.id}`,
      DurationSeconds: 900,
    });
    expect(ec2Regions).toEqual(['ap-southeast-2:ASIAMEMBER']);
    expect(published().email).toContain('# with credentials for account 444455556666');
  });

  it('reports a member role it cannot assume, changes nothing, and fails the invocation', async () => {
    const member = probe();
    member.detail.accountId = '444455556666';
    sts.on(AssumeRoleCommand).rejects(new Error('AccessDenied: not authorized to perform sts:AssumeRole'));
    const { handler } = handlerWith();
    await expect(handler(member)).rejects.toThrow(/could not assume arn:aws:iam::444455556666:role\/GuardDutyResponseMember/);
    expect(ec2.calls()).toHaveLength(0);
    expect(published().email).toMatch(/Outcome: +Nothing was changed: could not assume arn:aws:iam::444455556666:role\/GuardDutyResponseMember .*deploy the member stack in account 444455556666/);
  });

  it('reports an instance that no longer exists, without failing', async () => {
    ec2.on(DescribeInstancesCommand).rejects(new EC2ServiceException({ name: 'InvalidInstanceID.NotFound', $fault: 'client', message: 'gone', $metadata: {} }));
    const { handler } = handlerWith();
    await handler(probe());
    expect(published().subject).toMatch(/^\[MEDIUM\] \[NOTHING TO DO\] /);
  });
});
