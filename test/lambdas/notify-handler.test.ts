import 'aws-sdk-client-mock-jest';
import { Logger } from '@aws-lambda-powertools/logger';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import { formatFindingAlert, formatUnprocessableAlert, toPublishInput } from '../../lambdas/shared/alert';
import { InvalidEventError } from '../../lambdas/shared/errors';
import { parseFindingEvent } from '../../lambdas/shared/finding';
import { createNotifyHandler } from '../../lambdas/notify/notify';
import { findingHandler } from '../../lambdas/shared/handler-shell';
import { fixtureEvent } from '../support/corpus';

const TOPIC_ARN = 'arn:aws:sns:eu-west-1:111122223333:GuardDutyResponse-AlertsTopic';
const sns = mockClient(SNSClient);
const spambot = () => fixtureEvent('spambot.json') as Record<string, any>;

function handlerFor(playbookId = 'ec2-spambot') {
  const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
  const errors = jest.spyOn(logger, 'error');
  const handler = createNotifyHandler({ sns: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC_ARN, playbookId, logger, ownRoleArns: [], deferredClaims: [] });
  return { handler, logger, errors };
}

describe('Handler: notify', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  it('publishes exactly the formatted alert for a finding', async () => {
    // Prepare
    const { handler } = handlerFor();
    const event = spambot();
    // Act
    await handler(event);
    // Assess
    const expected = toPublishInput(
      formatFindingAlert(parseFindingEvent(event), { playbookId: 'ec2-spambot', summary: 'Alert only. No change was made to your resources; investigate with the links below.' }),
      TOPIC_ARN,
    );
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, expected);
    expect(expected.Subject).toBe('[MEDIUM] Backdoor:EC2/Spambot on i-0abc1234def567890 ("web-1") in 111122223333/eu-west-1');
  });

  it('says a sample finding changed nothing', async () => {
    const { handler } = handlerFor();
    const event = spambot();
    event.detail.service.additionalInfo = { value: '{"sample":true}', type: 'default' };
    await handler(event);
    const message = JSON.parse(sns.commandCalls(PublishCommand)[0].args[0].input.Message!);
    expect(message.email).toMatch(/Outcome: +Alert only \(sample finding\)\. No change was made/);
    expect(sns.commandCalls(PublishCommand)[0].args[0].input.Subject).toMatch(/^\[SAMPLE\] /);
  });

  it.each([
    ['a non-object', 'not json', 'the event is not a JSON object but a string'],
    ['no detail', { id: 'e-2', source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding' }, 'the event has no detail object'],
    ['another detail-type', { id: 'e-3', source: 'aws.guardduty', 'detail-type': 'GuardDuty Runtime Protection Unhealthy', detail: {} }, 'detail-type is "GuardDuty Runtime Protection Unhealthy", expected "GuardDuty Finding"'],
    ['no type', { id: 'e-4', source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: { id: 'f', severity: 5, accountId: '1', region: 'r' } }, 'detail.type (the finding type) is missing'],
    ['a text severity', { id: 'e-5', source: 'aws.guardduty', 'detail-type': 'GuardDuty Finding', detail: { id: 'f', type: 'T', severity: 'high', accountId: '1', region: 'r' } }, 'detail.severity is "high", not a number'],
  ])('reports an event with %s on the topic, logs its id, and fails the invocation', async (_name, event, problem) => {
    // Prepare
    const { handler, errors } = handlerFor('iam-findings');
    const eventId = typeof event === 'object' ? event.id : undefined;
    const detailType = typeof event === 'object' ? event['detail-type'] : undefined;
    // Act + Assess
    await expect(handler(event)).rejects.toThrow(new InvalidEventError(problem));
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, toPublishInput(formatUnprocessableAlert({ playbookId: 'iam-findings', eventId, detailType, problem }), TOPIC_ARN));
    expect(errors).toHaveBeenCalledWith('event could not be processed', { eventId, detailType, problem });
  });

  it('fails the invocation when the alert cannot be published, so Lambda retries and then dead-letters it', async () => {
    sns.on(PublishCommand).rejects(new Error('Throttling: Rate exceeded'));
    const { handler } = handlerFor();
    await expect(handler(spambot())).rejects.toThrow('Throttling: Rate exceeded');
  });

  it('still publishes an alert for the finding, then fails, when a playbook breaks unexpectedly', async () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const broken = findingHandler({ sns: new SNSClient({ region: 'eu-west-1' }), topicArn: TOPIC_ARN, playbookId: 'revoke-ssh-ingress', logger, ownRoleArns: [], deferredClaims: [] }, async () => {
      throw new TypeError("Cannot read properties of undefined (reading 'GroupId')");
    });
    await expect(broken(spambot())).rejects.toThrow(TypeError);
    const input = sns.commandCalls(PublishCommand)[0].args[0].input;
    expect(input.Subject).toBe('[MEDIUM] [FAILED] Backdoor:EC2/Spambot on i-0abc1234def567890 ("web-1") in 111122223333/eu-west-1');
    expect(JSON.parse(input.Message!).email).toMatch(/Outcome: +The playbook failed unexpectedly \(TypeError: Cannot read properties of undefined \(reading 'GroupId'\)\)\. What it may have changed is not known/);
  });

  it('skips a finding that a specific playbook claims (deferred claim), publishing nothing', async () => {
    const logger = new Logger({ serviceName: 'test', logLevel: 'SILENT' });
    const deferring = createNotifyHandler({
      sns: new SNSClient({ region: 'eu-west-1' }),
      topicArn: TOPIC_ARN,
      playbookId: 'all-other-findings',
      logger,
      ownRoleArns: [],
      deferredClaims: [{ playbookId: 'ec2-spambot', detail: { type: ['Backdoor:EC2/Spambot'] } }],
    });
    await deferring(spambot());
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 0);
  });

  it('logs with the finding id as correlation id and clears it afterwards', async () => {
    const { handler, logger } = handlerFor();
    const seen: unknown[] = [];
    jest.spyOn(logger, 'info').mockImplementation(() => seen.push(logger.getCorrelationId()));
    await handler(spambot());
    // Two log lines (the alert before publishing, then its message id), each with the finding id.
    expect(seen).toEqual(['b2c6e0f1b3d84c7e9f1a2b3c4d5e6f01', 'b2c6e0f1b3d84c7e9f1a2b3c4d5e6f01']);
    expect(logger.getCorrelationId()).toBeUndefined();
  });
});
