import { Aws, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Ec2Permission, HandlerName, ResourceKind, VERIFY_FINDING_PERMISSION, arnPatternOf, ec2PermissionsOf, isMutating } from '../../core/catalog';

/**
 * The IAM statements of a remediation handler, for its function roles in the security account and
 * its member role in member accounts alike: the catalog's grants, each scoped as written there,
 * and one explicit Deny of every mutating action on a resource carrying the exclusion tag. The
 * handler checks the tag too (and says so in its alert); the Deny makes IAM the guarantee.
 */
export function remediationStatements(handler: HandlerName, exclusionTag: string): iam.PolicyStatement[] {
  const permissions = ec2PermissionsOf(handler);
  return [
    ...permissions.map(
      (permission) =>
        new iam.PolicyStatement({
          actions: [...permission.actions],
          resources: resourcesOf(permission, Aws.PARTITION, Aws.ACCOUNT_ID),
          conditions: conditionsOf(permission),
        }),
    ),
    ...exclusionDenials(handler).map(
      ({ actions, resources }, i) =>
        new iam.PolicyStatement({
          sid: `NeverChangeExcludedResources${i === 0 ? '' : i + 1}`,
          effect: iam.Effect.DENY,
          actions,
          resources,
          conditions: { Null: { [`aws:ResourceTag/${exclusionTag}`]: 'false' } },
        }),
    ),
  ];
}

/**
 * What the exclusion Deny covers: every mutating action on every resource (`*`), except that an
 * action which refers to resources it does not change is denied only on those it changes.
 */
export function exclusionDenials(handler: HandlerName): { actions: string[]; resources: string[] }[] {
  const permissions = ec2PermissionsOf(handler);
  const partial = new Map<string, Set<string>>();
  for (const permission of permissions.filter((p) => p.referencedOnly)) {
    for (const action of permission.actions.filter(isMutating)) {
      const set = partial.get(action) ?? new Set<string>();
      for (const kind of (permission.resources as readonly ResourceKind[]).filter((k) => !permission.referencedOnly!.includes(k))) set.add(arnPatternOf(kind, Aws.PARTITION, Aws.ACCOUNT_ID));
      partial.set(action, set);
    }
  }
  // An action granted elsewhere on resources it changes is denied there too.
  for (const permission of permissions.filter((p) => !p.referencedOnly && p.resources !== '*')) {
    for (const action of permission.actions.filter((a) => partial.has(a))) {
      for (const kind of permission.resources as readonly ResourceKind[]) partial.get(action)!.add(arnPatternOf(kind, Aws.PARTITION, Aws.ACCOUNT_ID));
    }
  }
  const everywhere = [...new Set(permissions.flatMap((p) => p.actions).filter(isMutating))].filter((a) => !partial.has(a));
  return [...(everywhere.length > 0 ? [{ actions: everywhere, resources: ['*'] }] : []), ...[...partial].filter(([, r]) => r.size > 0).map(([action, resources]) => ({ actions: [action], resources: [...resources] }))];
}

function resourcesOf(permission: Ec2Permission, partition: string, account: string): string[] {
  return permission.resources === '*' ? ['*'] : permission.resources.map((kind) => arnPatternOf(kind, partition, account));
}

function conditionsOf(permission: Ec2Permission): Record<string, Record<string, unknown>> {
  const conditions: Record<string, Record<string, unknown>> = {};
  const add = (operator: string, key: string, value: unknown) => (conditions[operator] = { ...conditions[operator], [key]: value });
  // ForAllValues with an Allow is true when the request has no tag keys at all (IAM User Guide,
  // "Single-valued vs. multivalued condition keys"): require that some key is there too.
  if (permission.tagKeys) {
    add('ForAllValues:StringLike', 'aws:TagKeys', [...permission.tagKeys]);
    add('Null', 'aws:TagKeys', 'false');
  }
  if (permission.createAction) add('StringEquals', 'ec2:CreateAction', permission.createAction);
  if (permission.resourceTag) add('Null', `aws:ResourceTag/${permission.resourceTag}`, 'false');
  if (permission.requestTag) add('Null', `aws:RequestTag/${permission.requestTag}`, 'false');
  return conditions;
}

/**
 * cdk-nag flags every wildcard resource; each grant of the catalog carries its reason, which
 * becomes the acknowledgement of exactly the wildcard it needs (resources of one kind in the own
 * account, or `*` where the service has no resource-level permission, or the Deny).
 */
export function acknowledgeScopedWildcards(role: iam.IRole, handler: HandlerName): void {
  const reasons = new Map<string, string[]>();
  for (const permission of ec2PermissionsOf(handler)) {
    for (const resource of resourcesOf(permission, '<AWS::Partition>', '<AWS::AccountId>')) reasons.set(resource, [...(reasons.get(resource) ?? []), permission.why]);
  }
  reasons.set('*', [...(reasons.get('*') ?? []), 'the Deny of every change to a resource carrying the exclusion tag applies to every resource', VERIFY_FINDING_PERMISSION.why]);
  for (const [resource, why] of reasons) {
    Validations.of(role).acknowledge({ id: `AwsSolutions::AwsSolutions-IAM5[Resource::${resource}]`, reason: `${why.join('; ')}.` });
  }
}
