import * as path from 'node:path';
import { buildSync } from 'esbuild';
import { sdkClientsIn, sdkFloorSource } from '../../bench/sdk-floor';
import { shakeableSdkAliases } from '../../infra/shakeable-sdk';

const ROOT = path.join(__dirname, '..', '..');
const copy = (client: string, file: string) => `node_modules/.cache/guardduty-response/shakeable-sdk/${client}@3.1169.0/dist-es/${file}`;

describe('Bench: the AWS SDK floor of a handler', () => {
  it('counts a client whose class has code in the bundle, not one whose error classes alone came along or that was dropped', () => {
    expect(
      sdkClientsIn({
        inputs: {
          [copy('client-sns', 'SNSClient.js')]: { bytesInOutput: 1200 },
          [copy('client-auto-scaling', 'models/errors.js')]: { bytesInOutput: 3600 },
          [copy('client-sts', 'STSClient.js')]: { bytesInOutput: 0 },
          'node_modules/@aws-sdk/client-ec2/dist-es/EC2Client.js': { bytesInOutput: 900 },
          'lambdas/shared/EC2Client.js': { bytesInOutput: 10 },
        },
      }),
    ).toEqual(['client-ec2', 'client-sns']);
  });

  it('builds a module that carries exactly the clients it is given, as the bundles carry them', () => {
    const { metafile } = buildSync({
      stdin: { contents: sdkFloorSource(['client-dynamodb', 'client-sns'], { maxAttempts: 3 }), resolveDir: ROOT, loader: 'js' },
      bundle: true,
      write: false,
      metafile: true,
      platform: 'node',
      format: 'esm',
      outfile: 'floor.mjs',
      mainFields: ['module', 'main'],
      alias: { ...shakeableSdkAliases() },
      logLevel: 'silent',
      absWorkingDir: ROOT,
    });
    expect(sdkClientsIn(Object.values(metafile!.outputs)[0])).toEqual(['client-dynamodb', 'client-sns']);
  });

  it('refuses a floor of no client', () => {
    expect(() => sdkFloorSource([], {})).toThrow('an SDK floor needs at least one client');
  });
});
