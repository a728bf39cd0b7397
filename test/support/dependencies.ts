import { Logger } from '@aws-lambda-powertools/logger';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { EC2Client } from '@aws-sdk/client-ec2';
import { SNSClient } from '@aws-sdk/client-sns';
import { STSClient } from '@aws-sdk/client-sts';
import type { RemediationDependencies, RemediationSettings } from '../../lambdas/shared/remediation';

export const TEST_SECURITY_ACCOUNT = '111122223333';
export const TEST_NOW = new Date('2026-11-20T03:30:00.000Z');

/** The remediation settings of the tests: the defaults of the flags (no dry run, snapshots on), with `overrides`. */
export function testSettings(overrides: Partial<RemediationSettings> & Pick<RemediationSettings, 'securityAccountId'>): RemediationSettings {
  return {
    dryRun: false,
    exclusionTag: 'guardduty-response:exclude',
    memberRoleName: 'GuardDutyResponseMember',
    trustedSshCidrs: [],
    isolateSnapshots: true,
    ...overrides,
  };
}

/**
 * The dependencies of a remediation handler under test: real SDK clients (aws-sdk-client-mock
 * answers them), the security account 111122223333, a fixed clock, and `regions` recording where
 * each EC2 client was made for, and with which access key (`own` for the function's own role).
 */
export function remediationDependencies(playbookId: string, settings: Partial<RemediationSettings> = {}): { dependencies: RemediationDependencies; regions: string[] } {
  const regions: string[] = [];
  const own = { accessKeyId: 'own', secretAccessKey: 'own' };
  return {
    regions,
    dependencies: {
      sns: new SNSClient({ region: 'eu-west-1' }),
      topicArn: `arn:aws:sns:eu-west-1:${TEST_SECURITY_ACCOUNT}:alerts`,
      playbookId,
      logger: new Logger({ logLevel: 'SILENT' }),
      ownRoleArns: [],
      deferredClaims: [],
      settings: testSettings({ securityAccountId: TEST_SECURITY_ACCOUNT, ...settings }),
      ec2Client: (region, credentials) => {
        regions.push(`${region}:${credentials?.accessKeyId ?? 'own'}`);
        return new EC2Client({ region, credentials: credentials ?? own });
      },
      autoScalingClient: (region, credentials) => new AutoScalingClient({ region, credentials: credentials ?? own }),
      stsClient: () => new STSClient({ region: 'eu-west-1' }),
      // GuardDuty confirms every finding here; verify.test.ts tests the verifier, and the
      // handlers' refusal of an unverified finding is tested with `verifyFinding` overridden.
      verifyFinding: async () => ({ verified: true }),
      now: () => TEST_NOW,
    },
  };
}
