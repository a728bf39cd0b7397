import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';

export interface BreachAlarmProps {
  /** Required: the alert topic admits alarms by ARN, so an alarm that publishes there is named (AlertTopic.notifyOnAlarm). */
  readonly alarmName: string;
  readonly alarmDescription: string;
  readonly metric: cloudwatch.IMetric;
  /** @default 1 (the first one) */
  readonly threshold?: number;
}

/**
 * The stack's alarms are all of one kind: they fire in the first period in which `metric` reaches
 * `threshold`, and a period without data is no breach (a queue nobody wrote to sends no metric).
 */
export function breachAlarm(scope: Construct, id: string, props: BreachAlarmProps): cloudwatch.Alarm {
  return new cloudwatch.Alarm(scope, id, {
    ...props,
    threshold: props.threshold ?? 1,
    evaluationPeriods: 1,
    comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_OR_EQUAL_TO_THRESHOLD,
    treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
  });
}
