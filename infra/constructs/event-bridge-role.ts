import { Aws, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';

/**
 * A role that EventBridge assumes for a target (another bus, a topic), trusted for this stack's
 * rules only: aws:SourceAccount and aws:SourceArn, the keys EventBridge sets, against the
 * confused deputy. `ruleName` is one rule's name, or a name prefix ending in `*`.
 * https://docs.aws.amazon.com/eventbridge/latest/userguide/eb-use-identity-based.html
 */
export function eventBridgeRole(scope: Construct, id: string, props: { readonly description: string; readonly ruleName: string }): iam.Role {
  const ruleArn = `arn:${Aws.PARTITION}:events:${Stack.of(scope).region}:${Aws.ACCOUNT_ID}:rule/${props.ruleName}`;
  return new iam.Role(scope, id, {
    description: props.description,
    assumedBy: new iam.ServicePrincipal('events.amazonaws.com').withConditions({
      StringEquals: { 'aws:SourceAccount': Aws.ACCOUNT_ID },
      [props.ruleName.endsWith('*') ? 'ArnLike' : 'ArnEquals']: { 'aws:SourceArn': ruleArn },
    }),
  });
}
