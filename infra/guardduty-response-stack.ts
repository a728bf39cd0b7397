import { Aws, Duration, Fn, Lazy, Stack, StackProps } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { PlaybookId, isRemediation, locksInstances, memberRoleNameOf, playbookById, settingsOf } from '../core/catalog';
import { FINDING_SOURCE, HANDLER_ENV, STORM_DIGEST_ID } from '../core/contract';
import { ResponseConfig } from '../core/config';
import { AlertTopic } from './constructs/alert-topic';
import { ChatChannels } from './constructs/chat-channels';
import { DeadLetterQueue } from './constructs/dead-letter-queue';
import { eventBridgeRole } from './constructs/event-bridge-role';
import { FindingStateTable } from './constructs/finding-state-table';
import { PlaybookRule, RuleDestination, targetOptions } from './constructs/playbook-rule';
import { ResponseFunction } from './constructs/response-function';
import { FORWARDER_ALARM_DETAIL_TYPE } from './region-forwarder-stack';
import { BusName, allRoutes, deferredClaims } from '../core/routing';
import { encodeSettings } from '../core/settings';
import { stateKeyPatterns } from '../core/state-table';

export interface GuardDutyResponseStackProps extends StackProps {
  readonly config: ResponseConfig;
  /**
   * Regions whose RegionForwarderStack sends events here (infra/app.ts): their dead-letter alarms are alerted.
   * @default - none
   */
  readonly forwardedRegions?: readonly string[];
}

/** Everything in the security account: the alert topic, and a rule and a function per enabled playbook. */
export class GuardDutyResponseStack extends Stack {
  public readonly alertTopic: AlertTopic;
  public readonly deadLetterQueue: sqs.Queue;
  public readonly functions: ReadonlyMap<PlaybookId, ResponseFunction>;

  constructor(scope: Construct, id: string, props: GuardDutyResponseStackProps) {
    super(scope, id, props);
    const { config } = props;

    const key = new kms.Key(this, 'Key', {
      description: 'guardduty-response: encrypts the alert topic',
      enableKeyRotation: true,
    });
    this.alertTopic = new AlertTopic(this, 'Alerts', {
      key,
      emails: config.alertEmails,
      phoneNumbers: config.alertPhoneNumbers,
      smsMinSeverity: config.smsMinSeverity,
      smsMonthlyBudgetUsd: config.smsMonthlyBudgetUsd,
    });
    new ChatChannels(this, 'Chat', { topic: this.alertTopic.topic, chat: config.chat });
    const ruleNamePrefix = `${this.stackName}-`;
    const deadLetters = new DeadLetterQueue(this, 'DeadLetters', { ruleNamePrefix });
    this.deadLetterQueue = deadLetters.queue;
    // The DLQ keeps what could not be handled; its alarm makes sure someone hears about it.
    this.alertTopic.notifyOnAlarm(deadLetters.alarm);

    const findingState = new FindingStateTable(this, 'FindingState', { key });

    const routes = allRoutes(config);
    const defaultBus = events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const unclaimedBus = routes.some((r) => r.bus === 'unclaimed')
      ? new events.EventBus(this, 'UnclaimedFindings', { description: 'guardduty-response: findings no enabled specific playbook claims' })
      : undefined;
    const busOf = (name: BusName): events.IEventBus => (name === 'unclaimed' && unclaimedBus) || defaultBus;
    const functions = new Map<PlaybookId, ResponseFunction>();
    for (const route of routes) {
      let destination: RuleDestination;
      if (route.playbookId) {
        const playbook = playbookById(route.playbookId);
        const fn = new ResponseFunction(this, route.playbookId, {
          playbook,
          alertTopic: this.alertTopic,
          deadLetterQueue: this.deadLetterQueue,
          environment: {
            [HANDLER_ENV.stateTable]: findingState.table.tableName,
            ...(playbook.trigger === 'finding' && {
              [HANDLER_ENV.realertHours]: String(config.realertHours),
              [HANDLER_ENV.stormThreshold]: String(config.stormThreshold),
              [HANDLER_ENV.stormWindowMinutes]: String(config.stormWindowMinutes),
            }),
            ...(route.bus === 'unclaimed' && deferredClaims(config, route.playbookId).length > 0 && { [HANDLER_ENV.deferredClaims]: JSON.stringify(deferredClaims(config, route.playbookId)) }),
            // Exactly the settings this handler reads, through the codec it decodes them with.
            ...encodeSettings(settingsOf(playbook.handler), {
              ...config.remediation,
              memberRoleName: memberRoleNameOf(config.remediation.memberRoleName, playbook.handler),
              securityAccountId: Aws.ACCOUNT_ID,
            }),
          },
          ...(isRemediation(playbook) && {
            remediation: {
              memberRoleName: memberRoleNameOf(config.remediation.memberRoleName, playbook.handler),
              exclusionTag: config.remediation.exclusionTag,
              organizationId: config.organizationId,
              concurrency: config.remediationConcurrency,
            },
          }),
        });
        findingState.grantDecide(fn.role, stateKeyPatterns(playbook.trigger, locksInstances(playbook.handler)));
        if (locksInstances(playbook.handler)) findingState.grantLocks(fn.role);
        functions.set(route.playbookId, fn);
        destination = { function: fn.function };
      } else {
        // findingRoutes adds the forwarding route only when an unclaimed-bus route exists. Its role
        // trusts EventBridge for this rule only (aws:SourceAccount, aws:SourceArn: confused deputy).
        const forwardingRole = eventBridgeRole(this, 'ForwardingRole', {
          description: 'guardduty-response: forwards unclaimed findings to the unclaimed bus',
          ruleName: `${ruleNamePrefix}${route.key}`,
        });
        destination = { eventBus: unclaimedBus!, role: forwardingRole };
      }
      new PlaybookRule(this, `${route.key}-rule`, { route, eventBus: busOf(route.bus), destination, deadLetterQueue: deadLetters.ruleTargetQueue, ruleName: `${ruleNamePrefix}${route.key}` });
    }
    this.functions = functions;
    if (props.forwardedRegions && props.forwardedRegions.length > 0) this.alertForwarderAlarms(props.forwardedRegions, deadLetters);
    if (config.organizationId) this.acceptMemberCalls(config.organizationId);
    // Storm control's digest: every 5 minutes, one message per window of held findings.
    if (config.stormThreshold > 0) {
      const digest = new ResponseFunction(this, STORM_DIGEST_ID, {
        playbook: { id: STORM_DIGEST_ID, title: 'Storm digest', handler: 'digest' },
        alertTopic: this.alertTopic,
        deadLetterQueue: this.deadLetterQueue,
        environment: { [HANDLER_ENV.stateTable]: findingState.table.tableName },
      });
      findingState.grantDigest(digest.role);
      new events.Rule(this, `${STORM_DIGEST_ID}-rule`, {
        ruleName: `${ruleNamePrefix}${STORM_DIGEST_ID}`,
        description: `[${STORM_DIGEST_ID}] Publishes the findings storm control held back, one message per type, account and Region.`,
        schedule: events.Schedule.rate(Duration.minutes(5)),
        targets: [new targets.LambdaFunction(digest.function, targetOptions(deadLetters.ruleTargetQueue))],
      });
    }
    // API-call playbooks recognise calls made by this stack's own roles and do not alert on them.
    const roleArns = Lazy.list({ produce: () => [...functions.values()].map((f) => f.role.roleArn) });
    for (const [id, fn] of functions) {
      if (playbookById(id).trigger === 'api-call') fn.function.addEnvironment(HANDLER_ENV.ownRoleArns, Fn.join(',', roleArns));
    }
  }

  /**
   * The dead-letter alarms of the forwarding stacks arrive as alarm state-change events from their
   * Regions (RegionForwarderStack); going into ALARM, one becomes an email alert.
   *
   * EventBridge publishes with a role of its own, like the functions: the topic's policy then needs
   * no service-principal statement, and the key none either (KMS requests made for EventBridge
   * deliveries carry no aws:SourceArn to scope one with). The role trusts EventBridge for this
   * rule only.
   */
  private alertForwarderAlarms(regions: readonly string[], deadLetters: DeadLetterQueue): void {
    const ruleName = `${this.stackName}-forwarder-alarms`;
    const field = (path: string) => events.EventField.fromPath(path);
    const role = eventBridgeRole(this, 'ForwarderAlarmsRole', {
      description: 'guardduty-response: publishes the forwarding Regions\' dead-letter alarms to the alert topic',
      ruleName,
    });
    this.alertTopic.grantPublish(role);
    new events.Rule(this, 'forwarder-alarms-rule', {
      ruleName,
      description: '[forwarder-alarms] Alerts when a Region cannot forward its GuardDuty events here (its dead-letter alarm).',
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: [FORWARDER_ALARM_DETAIL_TYPE],
        region: [...regions],
        detail: { alarmName: [{ prefix: `${this.stackName}-` }], state: { value: ['ALARM'] } },
      },
      targets: [
        new targets.SnsTopic(this.alertTopic.topic, {
          ...targetOptions(deadLetters.ruleTargetQueue),
          role,
          message: events.RuleTargetInput.fromText(
            `guardduty-response: events of ${field('$.region')} could not be forwarded to this Region. Alarm ${field('$.detail.alarmName')} is ${field('$.detail.state.value')} since ${field('$.time')}: ${field('$.detail.state.reason')}. They are kept in the dead-letter queue of the ${this.stackName}-${field('$.region')} stack in that Region: inspect the queue and re-drive them.`,
          ),
        }),
      ],
    });
  }

  /**
   * Member accounts forward their GuardDuty API calls here (MemberForwarderStack). The default
   * bus accepts them only from principals of the organisation (aws:PrincipalOrgID: the
   * forwarding role of a member account) and only events whose source is aws.guardduty
   * (events:source), so a member cannot inject findings of another source or anything else.
   * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-event-bus-perms.html
   */
  private acceptMemberCalls(organizationId: string): void {
    new events.CfnEventBusPolicy(this, 'AcceptMemberGuardDutyCalls', {
      eventBusName: 'default',
      statementId: `${this.stackName}-member-guardduty-calls`.slice(0, 64),
      statement: {
        Sid: `${this.stackName}-member-guardduty-calls`.slice(0, 64),
        Effect: 'Allow',
        Principal: '*',
        Action: 'events:PutEvents',
        Resource: `arn:${Aws.PARTITION}:events:${Aws.REGION}:${Aws.ACCOUNT_ID}:event-bus/default`,
        Condition: { StringEquals: { 'aws:PrincipalOrgID': organizationId, 'events:source': FINDING_SOURCE } },
      },
    });
  }
}
