import type { AttributeValue } from '@aws-sdk/client-dynamodb';

/** A string attribute of a state-table item. */
export const S = (value: string): AttributeValue => ({ S: value });
/** A number attribute: DynamoDB carries numbers as decimal strings. */
export const N = (value: number): AttributeValue => ({ N: String(value) });
