import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { MEMBER_STACK_ID, STACK_ID, buildApp } from '../../infra/app';
import { HandlerName, PLAYBOOKS, REMEDIATION_HANDLERS, ec2PermissionsOf, isMutating, playbookById } from '../../core/catalog';
import { EXAMPLE_EVENTS_DIR, EXAMPLE_WORLD_DIR } from '../../simulator/cli';
import { Ec2World } from '../../simulator/ec2-world';
import type { AwsCall } from '../../simulator/offline-aws';
import { Simulator } from '../../simulator/simulate';
import { STORM_DIGEST_ID } from '../../core/contract';
import { parseFindingEvent } from '../../lambdas/shared/finding';
import { dynamoStormControl, dynamoStormDigest } from '../../lambdas/shared/storm';
import { dynamoFindingState } from '../../lambdas/shared/finding-state';
import { dynamoInstanceLocks } from '../../lambdas/shared/instance-lock';
import { dynamoDeliveryLog } from '../../lambdas/shared/delivery-log';
import { COMMERCIAL, Resolver, Template } from '../support/cfn-resolve';
import { fixtureEvent } from '../support/corpus';
import { LocalDynamoDb, startDynalite } from '../support/local-dynamodb';
import { ContextValue, Request, Statement, evaluate } from '../support/iam-evaluate';
import { unitTestApp } from '../support/synth';

/**
 * Least privilege that IAM itself enforces. The handlers run in the simulator (revoke-ssh and
 * isolate, in the security account and through the member roles); every AWS call they make is
 * turned into the IAM requests AWS authorizes for it, with resource ARNs written from the Service
 * Authorization Reference's formats (not from our own helper), and evaluated against the
 * synthesized policies of the role that made it.
 */
const SECURITY = '111122223333';
const MEMBER = '444455556666';
const EXCLUSION = 'Hold';
const CONTEXT = { 'playbook:isolate-instance': 'true', securityAccountId: SECURITY, exclusionTag: EXCLUSION, memberRoleName: 'SecOps', trustedSshCidrs: '203.0.113.0/24' };

const app = unitTestApp(CONTEXT);
buildApp(app);
const assembly = app.synth();
const main = assembly.getStackByName(STACK_ID).template as Template;
const member = assembly.getStackByName(MEMBER_STACK_ID).template as Template;

/** Every statement of a role's inline policies, resolved as CloudFormation would. */
function policiesOf(template: Template, roleId: string): Statement[] {
  // The member stack is deployed in the member account.
  const resolver = new Resolver(template, { ...COMMERCIAL, account: template === member ? MEMBER : SECURITY });
  return Object.values(template.Resources)
    .filter((r) => r.Type === 'AWS::IAM::Policy' && JSON.stringify(r.Properties!.Roles).includes(`"${roleId}"`))
    .flatMap((r) => (resolver.resolve(r.Properties!.PolicyDocument) as { Statement: Statement[] }).Statement);
}

const functionRoleOf = (playbookId: string): string => {
  const fn = Object.values(main.Resources).find((r) => r.Type === 'AWS::Lambda::Function' && (r.Properties!.Environment as { Variables: Record<string, unknown> }).Variables.PLAYBOOK_ID === playbookId)!;
  return (fn.Properties!.Role as { 'Fn::GetAtt': [string] })['Fn::GetAtt'][0];
};
const memberRoleOf = (handler: HandlerName): string =>
  Object.entries(member.Resources).find(([, r]) => r.Type === 'AWS::IAM::Role' && r.Properties!.RoleName === `SecOps-${handler}`)![0];

// ARN formats of the Service Authorization Reference (Amazon EC2, Amazon EC2 Auto Scaling: resource types).
const SAR_ARN = {
  instance: (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:instance/${id}`,
  'network-interface': (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:network-interface/${id}`,
  'security-group': (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:security-group/${id}`,
  'security-group-rule': (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:security-group-rule/${id}`,
  snapshot: (region: string, _account: string, id: string) => `arn:aws:ec2:${region}::snapshot/${id}`,
  volume: (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:volume/${id}`,
  vpc: (region: string, account: string, id: string) => `arn:aws:ec2:${region}:${account}:vpc/${id}`,
  autoScalingGroup: (region: string, account: string, name: string) =>
    `arn:aws:autoscaling:${region}:${account}:autoScalingGroup:8e3d5b8a-1f2c-4d3e-9a7b-0c1d2e3f4a5b:autoScalingGroupName/${name}`,
} as const;
const KIND_OF_ID: readonly [RegExp, keyof typeof SAR_ARN][] = [
  [/^i-/, 'instance'],
  [/^eni-/, 'network-interface'],
  [/^sg-/, 'security-group'],
  [/^snap-/, 'snapshot'],
  [/^vol-/, 'volume'],
  [/^vpc-/, 'vpc'],
];

type Tags = readonly { Key?: string; Value?: string }[] | undefined;
const requestTags = (tags: Tags): Record<string, ContextValue> =>
  (tags ?? []).length === 0 ? {} : { 'aws:TagKeys': (tags ?? []).map((t) => t.Key!), ...Object.fromEntries((tags ?? []).map((t) => [`aws:RequestTag/${t.Key}`, t.Value ?? ''])) };
const specTags = (params: Record<string, unknown>, type: string): Tags =>
  ((params.TagSpecifications as { ResourceType: string; Tags: Tags }[] | undefined) ?? []).find((s) => s.ResourceType === type)?.Tags;

/**
 * The IAM requests AWS authorizes for one call (SAR: the resource types each action touches, and
 * for tags written on create, ec2:CreateTags with ec2:CreateAction). `resourceTags` gives the
 * tags a resource carries now (aws:ResourceTag).
 */
function requestsOf(call: AwsCall, resourceTags: (id: string) => Tags): Request[] {
  const { region, account, params } = call;
  const action = `${call.service}:${call.operation}`;
  const onId = (id: string, context: Record<string, ContextValue> = {}): Request => {
    const kind = KIND_OF_ID.find(([pattern]) => pattern.test(id))?.[1];
    if (!kind) throw new Error(`no ARN format for ${id}`);
    const current = Object.fromEntries((resourceTags(id) ?? []).map((t) => [`aws:ResourceTag/${t.Key}`, t.Value ?? '']));
    return { action, resource: SAR_ARN[kind](region, account, id), context: { ...current, ...context } };
  };
  const createTags = (kind: keyof typeof SAR_ARN, id: string, createAction: string, tags: Tags): Request[] =>
    (tags ?? []).length === 0 ? [] : [{ action: 'ec2:CreateTags', resource: SAR_ARN[kind](region, account, id), context: { 'ec2:CreateAction': createAction, ...requestTags(tags) } }];
  if (/^(Describe|List|Get)/.test(call.operation)) return [{ action, resource: '*' }];
  switch (action) {
    case 'sts:AssumeRole':
      return [{ action, resource: String(params.RoleArn) }];
    case 'ec2:CreateTags':
      return (params.Resources as string[]).map((id) => onId(id, requestTags(params.Tags as Tags)));
    case 'ec2:CreateSecurityGroup': {
      const tags = specTags(params, 'security-group');
      return [
        onId(String(params.VpcId), requestTags(tags)),
        { action, resource: SAR_ARN['security-group'](region, account, 'sg-0new0000000000000'), context: requestTags(tags) },
        ...createTags('security-group', 'sg-0new0000000000000', 'CreateSecurityGroup', tags),
      ];
    }
    case 'ec2:AuthorizeSecurityGroupIngress':
    case 'ec2:AuthorizeSecurityGroupEgress':
    case 'ec2:RevokeSecurityGroupIngress':
    case 'ec2:RevokeSecurityGroupEgress': {
      const ruleTags = specTags(params, 'security-group-rule');
      return [
        onId(String(params.GroupId)),
        ...(ruleTags ? [{ action, resource: SAR_ARN['security-group-rule'](region, account, 'sgr-0new000000000000'), context: requestTags(ruleTags) }] : []),
        ...createTags('security-group-rule', 'sgr-0new000000000000', call.operation, ruleTags),
      ];
    }
    case 'ec2:ModifyNetworkInterfaceAttribute':
      return [onId(String(params.NetworkInterfaceId)), ...(params.Groups as string[]).map((id) => onId(id))];
    case 'ec2:ModifyInstanceAttribute':
      return [onId(String(params.InstanceId))];
    case 'ec2:CreateSnapshot': {
      const tags = specTags(params, 'snapshot');
      return [
        onId(String(params.VolumeId)),
        { action, resource: SAR_ARN.snapshot(region, account, 'snap-0new000000000000'), context: requestTags(tags) },
        ...createTags('snapshot', 'snap-0new000000000000', 'CreateSnapshot', tags),
      ];
    }
    case 'autoscaling:DetachInstances':
      return [{ action, resource: SAR_ARN.autoScalingGroup(region, account, String(params.AutoScalingGroupName)) }];
    default:
      throw new Error(`requestsOf: ${action} is not modelled; add it from the Service Authorization Reference`);
  }
}

/**
 * Whether the catalog says the action only refers to this resource (the groups an interface is put
 * in, the VPC of a new group, the volume of a snapshot): the exclusion Deny does not cover those.
 */
function onlyReferenced(action: string, resource: string): boolean {
  const kind = /:(?:\d{12}|):([a-zA-Z-]+)[/:]/.exec(resource)?.[1];
  return REMEDIATION_HANDLERS.flatMap(ec2PermissionsOf).some((p) => p.actions.includes(action) && (p.referencedOnly ?? []).some((k) => k === kind));
}

interface Observed {
  readonly playbookId: string;
  readonly call: AwsCall;
  readonly requests: Request[];
}

/** Runs revoke-ssh and isolate on the example world, in the security account and in a member account. */
async function observeCalls(): Promise<Observed[]> {
  const observed: Observed[] = [];
  // The same findings in the security account, then in a member account (through its member roles), each on a fresh world.
  for (const accountId of [SECURITY, MEMBER]) {
    const world = Ec2World.fromDocuments(readdirSync(EXAMPLE_WORLD_DIR).map((f) => ({ file: f, json: JSON.parse(readFileSync(path.join(EXAMPLE_WORLD_DIR, f), 'utf8')) })));
    const simulator = new Simulator(main as never, world, { now: () => new Date('2026-11-20T03:30:00Z') });
    for (const file of ['revoke-ssh-ingress.json', 'all-other-findings.json']) {
      const event = JSON.parse(readFileSync(path.join(EXAMPLE_EVENTS_DIR, file), 'utf8'));
      const result = await simulator.run(file, { ...event, detail: { ...event.detail, accountId } });
      expect(result.errors).toEqual([]);
      for (const call of result.actions) observed.push({ playbookId: result.playbooks[0], call, requests: requestsOf(call, tagsOf(world)) });
    }
    await simulator.close();
  }
  return observed;
}

/** The tags a resource of the world carries now. */
function tagsOf(world: Ec2World): (id: string) => Tags {
  return (id: string): Tags => {
    const answer = (operation: string, params: Record<string, unknown>, key: string) => {
      try {
        return (world.call(operation, params)[key] as Record<string, unknown>[] | undefined) ?? [];
      } catch {
        return [];
      }
    };
    if (id.startsWith('sg-')) return (answer('DescribeSecurityGroups', { GroupIds: [id] }, 'SecurityGroups')[0]?.Tags as Tags) ?? [];
    if (id.startsWith('i-')) return ((answer('DescribeInstances', { InstanceIds: [id] }, 'Reservations')[0]?.Instances as { Tags: Tags }[] | undefined)?.[0]?.Tags as Tags) ?? [];
    return [];
  };
}

describe('IAM: every call the remediations make is allowed by the role that makes it', () => {
  let observed: Observed[];
  beforeAll(async () => {
    observed = await observeCalls();
  });

  const statementsFor = ({ playbookId, call }: Observed): Statement[] =>
    call.account === SECURITY || call.service === 'sts' ? policiesOf(main, functionRoleOf(playbookId)) : policiesOf(member, memberRoleOf(playbookById(playbookId as never).handler));

  it('observes both remediations change things in both accounts, including every tag they write', () => {
    const seen = new Set(observed.map((o) => `${o.playbookId} ${o.call.account === SECURITY ? 'own' : 'member'} ${o.call.operation}`));
    for (const expected of [
      'revoke-ssh-ingress own AuthorizeSecurityGroupIngress',
      'revoke-ssh-ingress member RevokeSecurityGroupIngress',
      'revoke-ssh-ingress member CreateTags',
      'isolate-instance own CreateSecurityGroup',
      'isolate-instance member ModifyNetworkInterfaceAttribute',
      'isolate-instance member CreateSnapshot',
      'isolate-instance member DetachInstances',
      'isolate-instance member CreateTags',
    ]) {
      expect(seen).toContain(expected);
    }
  });

  it('allows each IAM request of each call, with resources named as the Service Authorization Reference names them', () => {
    const refused = observed.flatMap((o) =>
      o.requests.filter((r) => evaluate(statementsFor(o), r) !== 'allow').map((r) => `${o.playbookId} in ${o.call.account}: ${r.action} on ${r.resource} ${JSON.stringify(r.context ?? {})}`),
    );
    expect(refused).toEqual([]);
  });

  it('denies each of those changes when the resource carries the exclusion tag', () => {
    const allowed = observed.flatMap((o) =>
      o.requests
        .filter((r) => isMutating(r.action) && r.action !== 'sts:AssumeRole' && !onlyReferenced(r.action, r.resource))
        .filter((r) => evaluate(statementsFor(o), { ...r, context: { ...r.context, [`aws:ResourceTag/${EXCLUSION}`]: 'anything' } }) !== 'deny')
        .map((r) => `${o.playbookId}: ${r.action} on ${r.resource}`),
    );
    expect(observed.length).toBeGreaterThan(20);
    expect(allowed).toEqual([]);
  });
});

describe('IAM: what the grants refuse', () => {
  const isolate = policiesOf(main, functionRoleOf('isolate-instance'));
  const revoke = policiesOf(main, functionRoleOf('revoke-ssh-ingress'));
  const sg = SAR_ARN['security-group']('eu-west-1', SECURITY, 'sg-0123456789abcdef0');

  it('never lets a role write the exclusion tag, or any key the stack does not write', () => {
    for (const key of [EXCLUSION, 'guardduty-response:exclude', 'Owner']) {
      expect(evaluate(revoke, { action: 'ec2:CreateTags', resource: sg, context: { 'aws:TagKeys': [key], [`aws:RequestTag/${key}`]: 'x' } })).not.toBe('allow');
      expect(evaluate(isolate, { action: 'ec2:CreateTags', resource: SAR_ARN.instance('eu-west-1', SECURITY, 'i-1'), context: { 'aws:TagKeys': [key] } })).not.toBe('allow');
    }
  });

  it('writes the isolation marker only on a group it creates, and changes rules only on groups that carry it', () => {
    const marker = { 'aws:TagKeys': ['guardduty-response:isolation'], 'aws:RequestTag/guardduty-response:isolation': 'isolation' };
    expect(evaluate(isolate, { action: 'ec2:CreateTags', resource: sg, context: marker })).not.toBe('allow');
    expect(evaluate(isolate, { action: 'ec2:CreateTags', resource: sg, context: { ...marker, 'ec2:CreateAction': 'CreateSecurityGroup' } })).toBe('allow');
    expect(evaluate(isolate, { action: 'ec2:AuthorizeSecurityGroupIngress', resource: sg })).not.toBe('allow');
    expect(evaluate(isolate, { action: 'ec2:AuthorizeSecurityGroupIngress', resource: sg, context: { 'aws:ResourceTag/guardduty-response:isolation': 'untracked' } })).toBe('allow');
  });

  it('keeps each member role to its own handler: the SSH role cannot move an interface, the isolation role cannot open a port', () => {
    const sshMember = policiesOf(member, memberRoleOf('revoke-ssh'));
    const isolateMember = policiesOf(member, memberRoleOf('isolate'));
    const memberSg = SAR_ARN['security-group']('eu-west-1', MEMBER, 'sg-1');
    expect(evaluate(sshMember, { action: 'ec2:ModifyNetworkInterfaceAttribute', resource: SAR_ARN['network-interface']('eu-west-1', MEMBER, 'eni-1') })).not.toBe('allow');
    expect(evaluate(sshMember, { action: 'ec2:ModifyInstanceAttribute', resource: SAR_ARN.instance('eu-west-1', MEMBER, 'i-1') })).not.toBe('allow');
    expect(evaluate(isolateMember, { action: 'ec2:AuthorizeSecurityGroupIngress', resource: memberSg })).not.toBe('allow');
  });

  it('puts an interface back into its own groups even when one carries the exclusion tag (a failed isolation must not stay open)', () => {
    const back = { action: 'ec2:ModifyNetworkInterfaceAttribute', context: { [`aws:ResourceTag/${EXCLUSION}`]: 'x' } };
    expect(evaluate(isolate, { ...back, resource: sg })).toBe('allow');
    expect(evaluate(isolate, { ...back, resource: SAR_ARN['network-interface']('eu-west-1', SECURITY, 'eni-1') })).toBe('deny');
  });

  it('snapshots only with the finding tag in the request', () => {
    const snapshot = SAR_ARN.snapshot('eu-west-1', SECURITY, 'snap-1');
    expect(evaluate(isolate, { action: 'ec2:CreateSnapshot', resource: snapshot })).not.toBe('allow');
    expect(evaluate(isolate, { action: 'ec2:CreateSnapshot', resource: snapshot, context: { 'aws:RequestTag/guardduty-response:finding': 'f' } })).toBe('allow');
  });
});

describe('IAM: a walk over every statement of both stacks', () => {
  const roles = [
    ...Object.entries(main.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => ({ stack: STACK_ID, id, statements: policiesOf(main, id) })),
    ...Object.entries(member.Resources).filter(([, r]) => r.Type === 'AWS::IAM::Role').map(([id]) => ({ stack: MEMBER_STACK_ID, id, statements: policiesOf(member, id) })),
  ];
  const everything = roles.flatMap((r) => r.statements.map((s) => ({ role: `${r.stack}/${r.id}`, statement: s })));

  it('grants no `*` action and no mutating action on `*` without a condition', () => {
    // A role per playbook function, the storm digest's, the forwarding rule's, a member role per remediation handler.
    expect(roles.length).toBe(PLAYBOOKS.filter((p) => p.enabledByDefault || p.id === 'isolate-instance').length + 2 + REMEDIATION_HANDLERS.length);
    const wild = everything.filter(({ statement }) => statement.Effect === 'Allow' && [statement.Action].flat().some((a) => a === '*' || a!.endsWith(':*')));
    expect(wild).toEqual([]);
    const unscoped = everything.filter(
      ({ statement }) => statement.Effect === 'Allow' && [statement.Resource].flat().includes('*') && !statement.Condition && [statement.Action].flat().some((a) => isMutating(a!) && !/^(kms|logs|xray):/.test(a!)),
    );
    expect(unscoped.map(({ role, statement }) => `${role}: ${[statement.Action].flat().join(',')}`)).toEqual([]);
  });

  it('lets no role reach a mutating EC2 or Auto Scaling action on a resource carrying the exclusion tag', () => {
    const reachable: string[] = [];
    for (const { stack, id, statements } of roles) {
      for (const statement of statements.filter((s) => s.Effect === 'Allow')) {
        for (const action of [statement.Action].flat().filter((a): a is string => !!a && /^(ec2|autoscaling):/.test(a) && isMutating(a))) {
          for (const pattern of [statement.Resource].flat().filter((r) => !onlyReferenced(action, String(r)))) {
            const resource = String(pattern).replace(/\*/g, 'x1');
            const context = { [`aws:ResourceTag/${EXCLUSION}`]: 'x', 'aws:TagKeys': ['guardduty-response:finding'], 'ec2:CreateAction': 'CreateSecurityGroup', 'aws:RequestTag/guardduty-response:finding': 'f' };
            if (evaluate(statements, { action, resource, context }) !== 'deny') reachable.push(`${stack}/${id}: ${action} on ${resource}`);
          }
        }
      }
    }
    expect(reachable).toEqual([]);
  });
});

/** The calls a state module makes, as DynamoDB authorizes them: the action and the partition key it touches. */
interface StateCall {
  readonly action: string;
  readonly key: string;
}

/** A DynamoDB client that records each call's action and key before sending it. */
function recordingClient(client: DynamoDBClient, sent: StateCall[]): DynamoDBClient {
  return {
    send: (command: { constructor: { name: string }; input: { Key?: { pk: { S: string } }; Item?: { pk: { S: string } } } }) => {
      sent.push({ action: `dynamodb:${command.constructor.name.replace(/Command$/, '')}`, key: (command.input.Key ?? command.input.Item)!.pk.S });
      return client.send(command as never);
    },
  } as unknown as DynamoDBClient;
}

describe('IAM: the finding-state table, item by item (dynamodb:LeadingKeys)', () => {
  let db: LocalDynamoDb;
  let table: string;
  beforeAll(async () => {
    db = await startDynalite();
    table = await db.newTable();
  });
  afterAll(() => db.stop());

  const base = () => fixtureEvent<{ detail: Record<string, unknown> }>('spambot.json');
  const finding = (i: number) => parseFindingEvent({ ...base(), id: `e${i}`, detail: { ...base().detail, id: `f${i}` } });
  const tableArnOf = (statements: Statement[]) => String(statements.find((s) => [s.Action].flat().includes('dynamodb:GetItem'))!.Resource);
  const reach = (statements: Statement[], calls: readonly StateCall[]) =>
    calls.map(({ action, key }) => `${action} ${key}: ${evaluate(statements, { action, resource: tableArnOf(statements), context: { 'dynamodb:LeadingKeys': [key] } })}`);

  /** What each state module calls, run on dynalite. */
  async function callsOf(module: 'findingState' | 'storm' | 'digest' | 'locks' | 'deliveryLog'): Promise<StateCall[]> {
    const sent: StateCall[] = [];
    const client = recordingClient(db.client, sent);
    switch (module) {
      case 'findingState': {
        const state = dynamoFindingState(client, table, { realertHours: 6 });
        await state.decide(finding(1));
        await state.published(finding(1), 'alerted');
        break;
      }
      case 'storm': {
        const control = dynamoStormControl(client, table, { threshold: 1, windowMinutes: 15 });
        for (const i of [2, 3]) await control.admit(finding(i), { id: finding(i).id, severity: 5, resource: 'i-1' });
        break;
      }
      case 'digest': {
        const digest = dynamoStormDigest(client, table);
        for (const window of await digest.held()) await digest.digested(window);
        await digest.held();
        break;
      }
      case 'locks': {
        const locks = dynamoInstanceLocks(client, table, 960);
        await locks.acquire('111122223333/eu-west-1/i-1', 'owner');
        await locks.release('111122223333/eu-west-1/i-1', 'owner');
        break;
      }
      case 'deliveryLog': {
        const log = dynamoDeliveryLog(client, table, 30);
        await log.claim('event-1', 'request-1');
        await log.published('event-1');
        break;
      }
    }
    return sent;
  }

  it('lets each function reach the items of its own state modules, and no other item', async () => {
    const modules = { findingState: await callsOf('findingState'), storm: await callsOf('storm'), digest: await callsOf('digest'), locks: await callsOf('locks'), deliveryLog: await callsOf('deliveryLog') };
    // Every module made its calls: a hold, a digest that removed it, a lock given back.
    expect(Object.fromEntries(Object.entries(modules).map(([name, calls]) => [name, [...new Set(calls.map((c) => c.action))].sort()]))).toEqual({
      findingState: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
      storm: ['dynamodb:UpdateItem'],
      digest: ['dynamodb:GetItem', 'dynamodb:UpdateItem'],
      locks: ['dynamodb:DeleteItem', 'dynamodb:PutItem'],
      deliveryLog: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
    });
    // The kinds of items, by the modules that touch them (storm control and its digest share theirs).
    const kinds = { finding: modules.findingState, storm: [...modules.storm, ...modules.digest], lock: modules.locks, event: modules.deliveryLog };
    const uses: Record<string, readonly (keyof typeof kinds)[]> = {
      'ec2-spambot': ['finding', 'storm'],
      'revoke-ssh-ingress': ['finding', 'storm'],
      'isolate-instance': ['finding', 'storm', 'lock'],
      'guardduty-config-change': ['event'],
      [STORM_DIGEST_ID]: ['storm'],
    };
    for (const [playbookId, own] of Object.entries(uses)) {
      const statements = policiesOf(main, functionRoleOf(playbookId));
      expect(tableArnOf(statements)).toMatch(/^arn:aws:dynamodb:[\w-]+:111122223333:table\//);
      // Its own kinds: each call the modules made (the digest: each of its own calls).
      const mine = playbookId === STORM_DIGEST_ID ? modules.digest : own.flatMap((k) => kinds[k]);
      const others = (Object.keys(kinds) as (keyof typeof kinds)[]).filter((k) => !own.includes(k)).flatMap((k) => kinds[k]);
      expect([playbookId, reach(statements, mine).filter((line) => !line.endsWith(': allow'))]).toEqual([playbookId, []]);
      expect([playbookId, reach(statements, others).filter((line) => line.endsWith(': allow'))]).toEqual([playbookId, []]);
    }
  });
});
