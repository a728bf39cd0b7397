import type { Instance, IpPermission, SecurityGroup } from '@aws-sdk/client-ec2';
import { FINDING_TAG, REMEDIATION_TAG, REVOKED_TAG, SshPlanInput, decodeRevoked, encodeRevoked, planSshRevocation, ruleText, sshPrefixLists } from '../../lambdas/revoke-ssh/plan';

const world = (from: number | undefined, to: number | undefined, protocol = 'tcp', v6 = false): IpPermission => ({
  IpProtocol: protocol,
  ...(from !== undefined && { FromPort: from, ToPort: to }),
  ...(v6 ? { Ipv6Ranges: [{ CidrIpv6: '::/0' }] } : { IpRanges: [{ CidrIp: '0.0.0.0/0' }] }),
});
const group = (id: string, rules: IpPermission[], tags: { Key: string; Value: string }[] = []): SecurityGroup => ({ GroupId: id, GroupName: `${id}-name`, IpPermissions: rules, Tags: tags });
const instance = (groupIds: string[][], tags: { Key: string; Value: string }[] = []): Instance => ({
  InstanceId: 'i-1',
  Tags: tags,
  NetworkInterfaces: groupIds.map((ids, i) => ({ NetworkInterfaceId: `eni-${i}`, Groups: ids.map((GroupId) => ({ GroupId })) })),
});
function plan(groups: SecurityGroup[], overrides: Partial<SshPlanInput> = {}) {
  return planSshRevocation({
    instance: instance([groups.map((g) => g.GroupId!)]),
    groups,
    interfacesByGroup: {},
    exclusionTag: 'guardduty-response:exclude',
    trustedSshCidrs: [],
    probingAddresses: [],
    prefixListEntries: {},
    findingId: 'f-1',
    now: '2026-11-20T03:00:00.000Z',
    ...overrides,
  });
}
const texts = (changes: readonly { text: string }[]) => changes.map((c) => c.text);

describe('Function: planSshRevocation', () => {
  it('revokes a rule that is exactly TCP 22 from the world, and replaces nothing', () => {
    const { groups } = plan([group('sg-1', [world(22, 22)])]);
    expect(groups[0]).toMatchObject({ status: 'change', droppedProtocols: false });
    expect(groups[0].revoke.map((r) => r.permission)).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
    expect(groups[0].authorize).toEqual([]);
  });

  it('replaces a TCP range containing 22 by the ranges below and above it', () => {
    const { groups } = plan([group('sg-1', [world(0, 65535)])]);
    expect(texts(groups[0].revoke)).toEqual(['tcp 0-65535 from 0.0.0.0/0']);
    expect(texts(groups[0].authorize)).toEqual(['tcp 0-21 from 0.0.0.0/0', 'tcp 23-65535 from 0.0.0.0/0']);
    expect(groups[0].authorize[0].reason).toBe('kept from tcp 0-65535 from 0.0.0.0/0');
  });

  it.each([
    [20, 22, ['tcp 20-21 from 0.0.0.0/0']],
    [22, 25, ['tcp 23-25 from 0.0.0.0/0']],
    [21, 23, ['tcp 21 from 0.0.0.0/0', 'tcp 23 from 0.0.0.0/0']],
  ])('keeps the rest of TCP %i-%i', (from, to, kept) => {
    expect(texts(plan([group('sg-1', [world(from, to)])]).groups[0].authorize)).toEqual(kept);
  });

  it('replaces an all-traffic rule by TCP around 22, all UDP and all ICMP, and says other protocols go', () => {
    const { groups } = plan([group('sg-1', [world(undefined, undefined, '-1')])]);
    expect(groups[0].revoke.map((r) => r.permission)).toEqual([{ IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
    expect(texts(groups[0].authorize)).toEqual(['tcp 0-21 from 0.0.0.0/0', 'tcp 23-65535 from 0.0.0.0/0', 'udp 0-65535 from 0.0.0.0/0', 'icmp from 0.0.0.0/0']);
    expect(groups[0].droppedProtocols).toBe(true);
  });

  it('handles ::/0 with ICMPv6, and both families of one rule separately', () => {
    const both: IpPermission = { IpProtocol: '-1', IpRanges: [{ CidrIp: '0.0.0.0/0' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }] };
    const { groups } = plan([group('sg-1', [both])]);
    expect(texts(groups[0].revoke)).toEqual(['all traffic from 0.0.0.0/0', 'all traffic from ::/0']);
    expect(texts(groups[0].authorize)).toContain('icmpv6 from ::/0');
    expect(groups[0].revoke[1].permission).toEqual({ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] });
  });

  it('treats protocol 6 as TCP', () => {
    expect(texts(plan([group('sg-1', [world(22, 22, '6')])]).groups[0].revoke)).toEqual(['tcp 22 from 0.0.0.0/0']);
  });

  it('leaves alone rules that do not let the world reach TCP 22', () => {
    const rules: IpPermission[] = [
      world(443, 443),
      world(0, 65535, 'udp'),
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] },
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, UserIdGroupPairs: [{ GroupId: 'sg-bastion' }] },
      { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-123' }] },
    ];
    const { groups } = plan([group('sg-1', rules)]);
    expect(groups[0]).toMatchObject({ status: 'clean', revoke: [], authorize: [], tags: [] });
  });

  it('revokes only the world source of a rule that also has narrower sources', () => {
    const mixed: IpPermission = { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/8' }, { CidrIp: '0.0.0.0/0', Description: 'oops' }] };
    expect(plan([group('sg-1', [mixed])]).groups[0].revoke.map((r) => r.permission)).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  });

  it('does not authorize a kept part the group already allows', () => {
    const { groups } = plan([group('sg-1', [world(0, 65535), world(0, 21)])]);
    expect(texts(groups[0].authorize)).toEqual(['tcp 23-65535 from 0.0.0.0/0']);
  });

  it('keeps the description of the world rule on its kept parts', () => {
    const described: IpPermission = { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'legacy app' }] };
    expect(plan([group('sg-1', [described])]).groups[0].authorize[0].permission.IpRanges).toEqual([{ CidrIp: '0.0.0.0/0', Description: 'legacy app' }]);
  });

  it('plans every group of every interface, each on its own', () => {
    const groups = [group('sg-a', [world(22, 22)]), group('sg-b', [world(443, 443)]), group('sg-c', [world(22, 22, 'tcp', true)])];
    const result = planSshRevocation({
      instance: instance([['sg-a', 'sg-b'], ['sg-c']]),
      groups,
      interfacesByGroup: {},
      probingAddresses: [],
      prefixListEntries: {},
      exclusionTag: 'x',
      trustedSshCidrs: [],
      findingId: 'f-1',
      now: 'now',
    });
    expect(result.groups.map((g) => [g.groupId, g.status, texts(g.revoke)])).toEqual([
      ['sg-a', 'change', ['tcp 22 from 0.0.0.0/0']],
      ['sg-b', 'clean', []],
      ['sg-c', 'change', ['tcp 22 from ::/0']],
    ]);
  });

  it('authorizes SSH from trusted CIDRs on the groups it closes, unless already allowed', () => {
    const rules = [world(22, 22), { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '10.0.0.0/16' }] }];
    const { groups } = plan([group('sg-1', rules), group('sg-2', [world(443, 443)])], { trustedSshCidrs: ['10.0.0.0/16', '203.0.113.0/24', '2001:db8:1::/48'] });
    expect(texts(groups[0].authorize)).toEqual(['tcp 22 from 203.0.113.0/24', 'tcp 22 from 2001:db8:1::/48']);
    expect(groups[0].authorize[1].permission.Ipv6Ranges).toEqual([{ CidrIpv6: '2001:db8:1::/48', Description: 'guardduty-response: trusted SSH source' }]);
    expect(groups[1].authorize).toEqual([]);
  });

  it('tags a changed group with what was done and the finding id', () => {
    expect(plan([group('sg-1', [world(22, 22)])]).groups[0].tags).toEqual([
      { Key: REMEDIATION_TAG, Value: 'revoke-ssh-ingress closed TCP 22 from the world at 2026-11-20T03:00:00.000Z' },
      { Key: FINDING_TAG, Value: 'f-1' },
      { Key: REVOKED_TAG, Value: 'tcp:22-22:0.0.0.0/0' },
    ]);
  });

  it('records the revoked rules in one tag value of at most 256 characters, and reads them back', () => {
    const rules = [
      { IpProtocol: 'tcp', FromPort: 0, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0' }] },
      { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] },
    ];
    expect(encodeRevoked(rules)).toBe('tcp:0-65535:0.0.0.0/0 -1:-1--1:::/0');
    expect(decodeRevoked(encodeRevoked(rules))).toEqual([rules[0], { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] }]);
    const many = Array.from({ length: 20 }, (_, i) => ({ IpProtocol: 'tcp', FromPort: i, ToPort: 22 + i, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }));
    const value = encodeRevoked(many);
    expect(value.length).toBeLessThanOrEqual(256);
    expect(value.endsWith(' +')).toBe(true);
    expect(decodeRevoked(value)!.length).toBeGreaterThan(5);
    // An edited tag: words that are not rules are left out, never turned into a command.
    expect(decodeRevoked("tcp:22-22:0.0.0.0/0 $(curl evil) udp:1-2:not-a-cidr")).toEqual([{ IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/0' }] }]);
  });

  it('reports a group already fixed for this finding as such (idempotency)', () => {
    const fixed = group('sg-1', [world(443, 443)], [
      { Key: FINDING_TAG, Value: 'f-1' },
      { Key: REMEDIATION_TAG, Value: 'revoke-ssh-ingress closed TCP 22 from the world at T' },
    ]);
    expect(plan([fixed]).groups[0]).toMatchObject({ status: 'clean', remediatedAt: 'revoke-ssh-ingress closed TCP 22 from the world at T' });
  });

  it('honours the exclusion tag on a group, and reports the instance exclusion', () => {
    const excluded = group('sg-1', [world(22, 22)], [{ Key: 'guardduty-response:exclude', Value: '' }]);
    expect(plan([excluded]).groups[0]).toMatchObject({ status: 'excluded', revoke: [], authorize: [], tags: [] });
    const onInstance = planSshRevocation({ ...baseInput(), instance: instance([['sg-1']], [{ Key: 'guardduty-response:exclude', Value: 'yes' }]) });
    expect(onInstance.instanceExcluded).toBe(true);
  });

  it('lists the interfaces of other instances that share a group', () => {
    const result = planSshRevocation({
      ...baseInput(),
      interfacesByGroup: { 'sg-1': [{ networkInterfaceId: 'eni-0', instanceId: 'i-1' }, { networkInterfaceId: 'eni-9', instanceId: 'i-2' }, { networkInterfaceId: 'eni-8' }] },
    });
    expect(result.groups[0].sharedWith).toEqual(['eni-9 (i-2)', 'eni-8']);
  });

  it('names the narrower rules that still let a probing address reach TCP 22, and only those', () => {
    const narrower: IpPermission[] = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, IpRanges: [{ CidrIp: '0.0.0.0/1' }, { CidrIp: '128.0.0.0/1' }, { CidrIp: '10.0.0.0/8' }] },
      { IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '2001:db8::/32' }] },
      // Not SSH: never named.
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, IpRanges: [{ CidrIp: '0.0.0.0/1' }] },
      world(22, 22),
    ];
    const [result] = plan([group('sg-1', narrower)], { probingAddresses: ['198.51.100.7', '2001:db8::9', 'not an address', '10.1.2.3'] }).groups;
    expect(result.stillOpen).toEqual([
      'tcp 22 from 0.0.0.0/1 (holds 10.1.2.3)',
      'tcp 22 from 128.0.0.0/1 (holds 198.51.100.7)',
      'tcp 22 from 10.0.0.0/8 (holds 10.1.2.3)',
      'all traffic from 2001:db8::/32 (holds 2001:db8::9)',
    ]);
    // The world rule is revoked as always; the narrower ones are only said.
    expect(texts(result.revoke)).toEqual(['tcp 22 from 0.0.0.0/0']);
    expect(plan([group('sg-1', narrower)]).groups[0].stillOpen).toEqual([]);
  });

  it('names the prefix-list SSH rules whose list holds the world or a probing address, or could not be read, and changes none of them', () => {
    const viaLists: IpPermission[] = [
      { IpProtocol: 'tcp', FromPort: 22, ToPort: 22, PrefixListIds: [{ PrefixListId: 'pl-00000000000000001' }, { PrefixListId: 'pl-00000000000000002' }] },
      { IpProtocol: '-1', PrefixListIds: [{ PrefixListId: 'pl-00000000000000003' }, { PrefixListId: 'pl-00000000000000004' }, { PrefixListId: 'pl-00000000000000005' }] },
      // Not SSH: its list is never read, never named.
      { IpProtocol: 'tcp', FromPort: 443, ToPort: 443, PrefixListIds: [{ PrefixListId: 'pl-00000000000000006' }] },
    ];
    expect(sshPrefixLists([group('sg-1', viaLists), group('sg-2', viaLists.slice(0, 1))])).toEqual(['pl-00000000000000001', 'pl-00000000000000002', 'pl-00000000000000003', 'pl-00000000000000004', 'pl-00000000000000005']);
    const [result] = plan([group('sg-1', viaLists)], {
      probingAddresses: ['198.51.100.7'],
      prefixListEntries: {
        'pl-00000000000000001': ['10.0.0.0/8', '0.0.0.0/0'],
        'pl-00000000000000002': ['10.0.0.0/8', '192.0.2.0/24'],
        'pl-00000000000000003': ['198.51.100.0/24', '::/0'],
        'pl-00000000000000004': { unreadable: 'UnauthorizedOperation' },
        'pl-00000000000000006': ['0.0.0.0/0'],
      },
    }).groups;
    expect(result.stillOpen).toEqual([
      'tcp 22 from pl-00000000000000001 (its entry 0.0.0.0/0 is the whole world)',
      'all traffic from pl-00000000000000003 (its entry ::/0 is the whole world)',
      'all traffic from pl-00000000000000004 (its entries could not be read: UnauthorizedOperation; it may hold the world)',
      // Missing from the entries given: never read, so never an all-clear.
      'all traffic from pl-00000000000000005 (its entries could not be read: not read; it may hold the world)',
    ]);
    const [probed] = plan([group('sg-1', viaLists.slice(0, 1))], { probingAddresses: ['192.0.2.9', '203.0.113.1'], prefixListEntries: { 'pl-00000000000000001': [], 'pl-00000000000000002': ['192.0.2.0/24', 'not a cidr'] } }).groups;
    expect(probed.stillOpen).toEqual(['tcp 22 from pl-00000000000000002 (its entry 192.0.2.0/24 holds 192.0.2.9)']);
    // A prefix list is shared by other rules and groups: nothing is revoked or added for one.
    expect([result.status, result.revoke, result.authorize]).toEqual(['clean', [], []]);
  });

  it('names rules the way the alert shows them', () => {
    expect(ruleText({ IpProtocol: '-1', Ipv6Ranges: [{ CidrIpv6: '::/0' }] })).toBe('all traffic from ::/0');
    expect(ruleText({ IpProtocol: 'icmp', FromPort: -1, ToPort: -1, IpRanges: [{ CidrIp: '0.0.0.0/0' }] })).toBe('icmp from 0.0.0.0/0');
  });
});

function baseInput(): SshPlanInput {
  return {
    instance: instance([['sg-1']]),
    groups: [group('sg-1', [world(22, 22)])],
    interfacesByGroup: {},
    exclusionTag: 'guardduty-response:exclude',
    trustedSshCidrs: [],
    probingAddresses: [],
    prefixListEntries: {},
    findingId: 'f-1',
    now: 'now',
  };
}
