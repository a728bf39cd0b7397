/**
 * The SDK copies the bundles carry (infra/shakeable-sdk.ts) are the SDK: their schemas differ from
 * the published ones only in computed keys written as the strings they stood for, and a client
 * built from a copy sends the same request and reads the same answer as the published client.
 */
import { AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand, EC2Client } from '@aws-sdk/client-ec2';
import { buildSync } from 'esbuild';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { BUNDLED_SDK_CLIENTS, shakeableSdkAliases } from '../../infra/shakeable-sdk';

const ROOT = path.join(__dirname, '..', '..');
// Written afresh for the test (not the synthesis cache), inside node_modules as the cache is: the
// copies' own imports resolve from there.
const cacheParent = path.join(ROOT, 'node_modules', '.cache', 'guardduty-response');
mkdirSync(cacheParent, { recursive: true });
const cacheDir = mkdtempSync(path.join(cacheParent, 'test-shakeable-'));
const aliases = shakeableSdkAliases(cacheDir);
afterAll(() => rmSync(cacheDir, { recursive: true, force: true }));

/**
 * Walks the original and the copy side by side: outside computed keys they must be identical;
 * each computed key `[_name]:` on a constant `const _name = "value";` must read `"value":` in the
 * copy, and any other computed key must be unchanged. Returns how many keys were written plain.
 */
function plainKeysOnly(original: string, copy: string): number {
  const constants = new Map([...original.matchAll(/^const (_[A-Za-z0-9_$]+) = ("(?:[^"\\]|\\.)*");$/gm)].map(([, name, literal]) => [name, literal]));
  let inOriginal = 0;
  let inCopy = 0;
  let plain = 0;
  for (const match of original.matchAll(/\[(_[A-Za-z0-9_$]+)\]:/g)) {
    const between = original.slice(inOriginal, match.index);
    if (copy.slice(inCopy, inCopy + between.length) !== between) throw new Error(`the copy differs before offset ${match.index}`);
    inCopy += between.length;
    const expected = constants.has(match[1]) ? `${constants.get(match[1])}:` : match[0];
    if (copy.slice(inCopy, inCopy + expected.length) !== expected) throw new Error(`at offset ${match.index}: expected ${expected}, found ${copy.slice(inCopy, inCopy + 40)}`);
    if (constants.has(match[1])) plain++;
    inCopy += expected.length;
    inOriginal = match.index + match[0].length;
  }
  if (copy.slice(inCopy) !== original.slice(inOriginal)) throw new Error('the copy differs after the last computed key');
  return plain;
}

/** The copy's EC2 client and two commands, bundled as the Lambda bundles are (alias), loaded here. */
function copiedEc2(): { EC2Client: typeof EC2Client; AuthorizeSecurityGroupIngressCommand: typeof AuthorizeSecurityGroupIngressCommand; DescribeSecurityGroupsCommand: typeof DescribeSecurityGroupsCommand } {
  const dir = mkdtempSync(path.join(tmpdir(), 'shakeable-ec2-'));
  const outfile = path.join(dir, 'ec2.cjs');
  buildSync({
    stdin: { contents: "export { EC2Client, AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand } from '@aws-sdk/client-ec2';", resolveDir: ROOT },
    bundle: true,
    platform: 'node',
    format: 'cjs',
    outfile,
    mainFields: ['module', 'main'],
    alias: { '@aws-sdk/client-ec2': aliases['@aws-sdk/client-ec2'] },
    logLevel: 'silent',
  });
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return require(outfile);
}

/** A request handler that records the request body and answers `xml`. */
function answering(xml: string, bodies: string[]) {
  return {
    handle: async (request: { body?: unknown }) => {
      bodies.push(String(request.body));
      return { response: { statusCode: 200, headers: { 'content-type': 'text/xml' }, body: Buffer.from(xml) } };
    },
  };
}

const DESCRIBE_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<DescribeSecurityGroupsResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-1</requestId><securityGroupInfo><item>
<ownerId>111122223333</ownerId><groupId>sg-1</groupId><groupName>web</groupName><groupDescription>web tier</groupDescription><vpcId>vpc-1</vpcId>
<ipPermissions><item><ipProtocol>tcp</ipProtocol><fromPort>22</fromPort><toPort>22</toPort><groups><item><userId>111122223333</userId><groupId>sg-2</groupId><description>bastion</description></item></groups>
<ipRanges><item><cidrIp>0.0.0.0/0</cidrIp><description>world</description></item></ipRanges><ipv6Ranges><item><cidrIpv6>::/0</cidrIpv6></item></ipv6Ranges><prefixListIds><item><prefixListId>pl-1</prefixListId></item></prefixListIds></item></ipPermissions>
<ipPermissionsEgress/><tagSet><item><key>Name</key><value>web</value></item></tagSet></item></securityGroupInfo></DescribeSecurityGroupsResponse>`;
const AUTHORIZE_ANSWER = `<?xml version="1.0" encoding="UTF-8"?>
<AuthorizeSecurityGroupIngressResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/"><requestId>r-2</requestId><return>true</return>
<securityGroupRuleSet><item><securityGroupRuleId>sgr-1</securityGroupRuleId><groupId>sg-1</groupId><isEgress>false</isEgress><ipProtocol>tcp</ipProtocol><fromPort>23</fromPort><toPort>65535</toPort><cidrIpv4>0.0.0.0/0</cidrIpv4><description>split</description></item></securityGroupRuleSet></AuthorizeSecurityGroupIngressResponse>`;

describe('Shakeable SDK copies', () => {
  it.each(BUNDLED_SDK_CLIENTS)('@aws-sdk/%s: the schemas differ from the published ones only in computed keys written as their strings', (client) => {
    const published = path.join(ROOT, 'node_modules', '@aws-sdk', client, 'dist-es', 'schemas');
    const copy = path.join(path.dirname(aliases[`@aws-sdk/${client}`]), 'schemas');
    const files = readdirSync(published).filter((f) => f.endsWith('.js'));
    expect(files.length).toBeGreaterThan(0);
    const plain = files.reduce((sum, file) => sum + plainKeysOnly(readFileSync(path.join(published, file), 'utf8'), readFileSync(path.join(copy, file), 'utf8')), 0);
    expect(plain).toBeGreaterThan(0);
  });

  it('writes each copy once, then reuses it', () => {
    expect(shakeableSdkAliases(cacheDir)).toEqual(aliases);
    expect(Object.values(aliases).every((index) => index.startsWith(cacheDir))).toBe(true);
  });

  it('reports a copy that differs anywhere else', () => {
    const original = 'const _xN = "xmlName";\nexport var A = [{ [_xN]: `Min` }, 1];';
    expect(plainKeysOnly(original, 'const _xN = "xmlName";\nexport var A = [{ "xmlName": `Min` }, 1];')).toBe(1);
    expect(() => plainKeysOnly(original, 'const _xN = "xmlName";\nexport var A = [{ "xmlName": `Max` }, 1];')).toThrow('differs after');
    expect(() => plainKeysOnly(original, 'const _xN = "xmlName";\nexport var A = [{ "xmlNam": `Min` }, 1];')).toThrow('expected "xmlName":');
  });

  it('an EC2 client from the copy serializes a request and reads an answer exactly as the published client does', async () => {
    const copied = copiedEc2();
    const permissions = [
      { IpProtocol: 'tcp', FromPort: 23, ToPort: 65535, IpRanges: [{ CidrIp: '0.0.0.0/0', Description: 'split' }], Ipv6Ranges: [{ CidrIpv6: '::/0' }], UserIdGroupPairs: [{ GroupId: 'sg-2', Description: 'bastion' }], PrefixListIds: [{ PrefixListId: 'pl-1' }] },
    ];
    const run = async (Client: typeof EC2Client, Authorize: typeof AuthorizeSecurityGroupIngressCommand, Describe: typeof DescribeSecurityGroupsCommand) => {
      const bodies: string[] = [];
      const config = { region: 'eu-west-1', credentials: { accessKeyId: 'AKID', secretAccessKey: 'secret' }, maxAttempts: 1 };
      const authorized = await new Client({ ...config, requestHandler: answering(AUTHORIZE_ANSWER, bodies) }).send(
        new Authorize({ GroupId: 'sg-1', IpPermissions: permissions, TagSpecifications: [{ ResourceType: 'security-group-rule', Tags: [{ Key: 'k', Value: 'v' }] }] }),
      );
      const described = await new Client({ ...config, requestHandler: answering(DESCRIBE_ANSWER, bodies) }).send(new Describe({ Filters: [{ Name: 'vpc-id', Values: ['vpc-1'] }], GroupIds: ['sg-1'] }));
      const strip = (value: unknown) => JSON.parse(JSON.stringify(value, (key, v) => (key === '$metadata' ? undefined : v)));
      return { bodies, authorized: strip(authorized), described: strip(described) };
    };
    const fromCopy = await run(copied.EC2Client, copied.AuthorizeSecurityGroupIngressCommand, copied.DescribeSecurityGroupsCommand);
    const fromPublished = await run(EC2Client, AuthorizeSecurityGroupIngressCommand, DescribeSecurityGroupsCommand);
    expect(fromCopy).toEqual(fromPublished);
    // And the published client did read everything (a broken schema would read less).
    expect(fromPublished.bodies[0]).toContain('IpPermissions.1.Ipv6Ranges.1.CidrIpv6=%3A%3A%2F0');
    expect(fromPublished.described.SecurityGroups[0].IpPermissions[0]).toMatchObject({ UserIdGroupPairs: [{ GroupId: 'sg-2', Description: 'bastion' }], PrefixListIds: [{ PrefixListId: 'pl-1' }] });
    expect(fromPublished.authorized.SecurityGroupRules[0]).toMatchObject({ SecurityGroupRuleId: 'sgr-1', CidrIpv4: '0.0.0.0/0' });
  });
});
