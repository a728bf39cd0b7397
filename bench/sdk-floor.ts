/**
 * A handler's AWS SDK floor (bench/cold-start.ts): which SDK clients a bundle carries, and the
 * module that loads only those and builds one of each.
 */
import type { Metafile } from 'esbuild';
import { BUNDLED_SDK_CLIENTS } from '../infra/shakeable-sdk';

export type SdkClient = (typeof BUNDLED_SDK_CLIENTS)[number];

/** Each bundled client package's client class. */
const CLIENT_CLASS: Readonly<Record<SdkClient, string>> = {
  'client-auto-scaling': 'AutoScalingClient',
  'client-dynamodb': 'DynamoDBClient',
  'client-ec2': 'EC2Client',
  'client-guardduty': 'GuardDutyClient',
  'client-sns': 'SNSClient',
  'client-sts': 'STSClient',
};

/**
 * The SDK clients of a bundle (one output of esbuild's metafile): those whose client class has code
 * in it. A bundle may carry another package's error classes only (revoke-ssh carries Auto Scaling's
 * through the shared step interpreter), and a module esbuild read but dropped has 0 bytes. Bundles
 * take the shakeable copies (infra/shakeable-sdk.ts): .../client-sns@<version>/dist-es/SNSClient.js.
 */
export function sdkClientsIn(output: Pick<Metafile['outputs'][string], 'inputs'>): SdkClient[] {
  const inputs = Object.entries(output.inputs).filter(([, { bytesInOutput }]) => bytesInOutput > 0).map(([input]) => input);
  return BUNDLED_SDK_CLIENTS.filter((client) => inputs.some((input) => new RegExp(`/${client}(@[^/]+)?/dist-es/${CLIENT_CLASS[client]}\\.js$`).test(input)));
}

/** An ES module that loads `clients` and builds one of each with `config`, and nothing else. */
export function sdkFloorSource(clients: readonly SdkClient[], config: object): string {
  if (clients.length === 0) throw new Error('an SDK floor needs at least one client');
  return [
    ...clients.map((client) => `import { ${CLIENT_CLASS[client]} } from '@aws-sdk/${client}';`),
    `const config = ${JSON.stringify(config)};`,
    `export const clients = [${clients.map((client) => `new ${CLIENT_CLASS[client]}(config)`).join(', ')}];`,
    '',
  ].join('\n');
}
