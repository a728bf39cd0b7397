import { parseFindingEvent } from '../../lambdas/shared/finding';
import { formatFindingAlert } from '../../lambdas/shared/alert';
import { boundedJson } from '../../lambdas/shared/text';
import { fixtureEvent } from '../support/corpus';
import { createNotifyHandler } from '../../lambdas/notify/notify';
import { createTamperHandler } from '../../lambdas/tamper/tamper';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';

/** An object nested `depth` levels deep: {a: {a: {... 'bottom'}}}. */
function deep(depth: number): unknown {
  let value: unknown = 'bottom';
  for (let i = 0; i < depth; i++) value = { a: value };
  return value;
}

const sns = mockClient(SNSClient);
const dependencies = (playbookId: string) => ({ sns: new SNSClient({ region: 'eu-west-1' }), topicArn: 'arn:aws:sns:eu-west-1:111122223333:t', playbookId, logger: new Logger({ logLevel: 'SILENT' }), ownRoleArns: [], deferredClaims: [] });

describe('Alerts: values of any depth', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });

  it('formats a finding whose fields hold a 10,000-deep object without throwing, within bounds', async () => {
    const event = fixtureEvent('spambot.json') as { detail: Record<string, any> };
    event.detail.title = deep(10_000);
    event.detail.service.additionalInfo = deep(10_000);
    event.detail.resource.instanceDetails.tags = [{ key: 'Name', value: deep(10_000) }];
    await createNotifyHandler(dependencies('ec2-spambot'))(event);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toMatch(/Backdoor:EC2\/Spambot/);
    expect(Buffer.byteLength(input.Message!)).toBeLessThan(256 * 1024);
    expect(() => formatFindingAlert(parseFindingEvent(event), { playbookId: 'x', summary: 's' })).not.toThrow();
  });

  it('formats a tamper alert whose request parameters are 10,000 deep without throwing', async () => {
    const event = JSON.parse(readFileSync(path.join(__dirname, '..', 'fixtures', 'cloudtrail', 'delete-detector.json'), 'utf8'));
    event.detail.requestParameters = { detectorId: 'd', extra: deep(10_000) };
    await createTamperHandler(dependencies('guardduty-config-change'))(event);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/detector deleted/);
  });
});

describe('Function: boundedJson', () => {
  it('writes JSON down to the depth bound, "..." below it, and stops at the length bound', () => {
    expect(boundedJson({ a: [1, 'two', null], b: { c: true } })).toBe('{"a":[1,"two",null],"b":{"c":true}}');
    expect(boundedJson(deep(5), 100, 3)).toBe('{"a":{"a":{"a":"..."}}}');
    expect(boundedJson({ long: 'x'.repeat(500) }, 50)).toHaveLength(53);
    expect(JSON.parse(boundedJson(deep(3)))).toEqual(deep(3));
  });
});

describe('Could-not-process alerts: what is missing is called missing', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
  });

  it('says "detail.severity is missing", never "undefined"', async () => {
    const event = fixtureEvent('spambot.json') as { detail: Record<string, unknown> };
    delete event.detail.severity;
    await expect(createNotifyHandler(dependencies('all-other-findings'))(event)).rejects.toThrow('detail.severity is missing');
    const email = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!).email as string;
    expect(email).toContain('detail.severity is missing');
    expect(email).not.toContain('undefined');
  });

  it('says the source is missing', async () => {
    await expect(createNotifyHandler(dependencies('all-other-findings'))({ id: 'e-1', 'detail-type': 'GuardDuty Finding', detail: {} })).rejects.toThrow('source is missing, expected "aws.guardduty"');
  });
});
