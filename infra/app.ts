import { App } from 'aws-cdk-lib';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ConfigError, loadConfig } from '../core/config';
import { GuardDutyResponseStack } from './guardduty-response-stack';
import { MemberForwarderStack } from './member-forwarder-stack';
import { MemberRoleStack } from './member-role-stack';
import { RegionForwarderStack } from './region-forwarder-stack';

export const STACK_ID = 'GuardDutyResponse';
export const MEMBER_STACK_ID = 'GuardDutyResponseMember';
export const MEMBER_FORWARDER_STACK_ID = 'GuardDutyResponseMemberForwarder';

/**
 * The app as `cdk synth` builds it, configured from the app's context: the main stack in the home
 * Region; a forwarding stack for each other Region of `regions`; with `securityAccountId`, the
 * member-account roles stack; with `organizationId` too, the member forwarding stack (StackSet).
 * Throws ConfigError on a bad flag.
 */
export function buildApp(app: App, homeRegion = process.env.CDK_DEFAULT_REGION): GuardDutyResponseStack {
  const config = loadConfig(app.node.getAllContext());
  const forwarded = forwardedRegions(config.regions, homeRegion);
  const stack = new GuardDutyResponseStack(app, STACK_ID, {
    description: 'guardduty-response: alerts and automated response for Amazon GuardDuty',
    config,
    // With other Regions, the home Region is part of the design (their rules target its bus): pinned.
    ...(forwarded.length > 0 && { env: { region: homeRegion } }),
    forwardedRegions: forwarded,
  });
  for (const region of forwarded) {
    new RegionForwarderStack(app, `${STACK_ID}-${region}`, {
      description: `guardduty-response: forwards GuardDuty findings and API calls of ${region} to ${homeRegion}`,
      env: { region },
      config,
      homeRegion: homeRegion!,
    });
  }
  if (config.securityAccountId) {
    new MemberRoleStack(app, MEMBER_STACK_ID, {
      description: 'guardduty-response: the roles remediations assume in this member account, one per remediation',
      securityAccountId: config.securityAccountId,
      roleNamePrefix: config.remediation.memberRoleName,
      exclusionTag: config.remediation.exclusionTag,
    });
  }
  // Member accounts' GuardDuty API calls: with the organisation known, every member account and Region forwards them.
  if (config.securityAccountId && config.organizationId) {
    if (!homeRegion) throw new ConfigError("context flags 'securityAccountId' and 'organizationId' add the member forwarding stack, which needs the security account's home Region: set AWS_REGION (or a profile with a Region) to it");
    new MemberForwarderStack(app, MEMBER_FORWARDER_STACK_ID, {
      description: `guardduty-response: forwards this account's GuardDuty API calls to security account ${config.securityAccountId} in ${homeRegion}`,
      config,
      securityAccountId: config.securityAccountId,
      homeRegion,
    });
  }
  return stack;
}

/** Region names this release of the CDK knows (aws-cdk-lib's region-info fact table), in every partition. */
export const KNOWN_REGIONS: readonly string[] = RegionInfo.regions.map((r) => r.name).sort();

/**
 * The Regions other than the home Region, each of which gets a forwarding stack. The home Region
 * is where `cdk deploy` puts the main stack (CDK_DEFAULT_REGION: AWS_REGION or the profile's
 * Region); it must be known, and in the same partition as every listed Region (EventBridge does
 * not cross partitions).
 */
export function forwardedRegions(regions: readonly string[], homeRegion: string | undefined): string[] {
  for (const region of regions) {
    if (!KNOWN_REGIONS.includes(region)) throw new ConfigError(`context flag 'regions': '${region}' is not a Region this release knows. Valid values: ${KNOWN_REGIONS.join(', ')}`);
  }
  if (regions.length === 0) return [];
  if (!homeRegion) {
    throw new ConfigError("context flag 'regions': the home Region is unknown. Set AWS_REGION (or a profile with a Region) so that the main stack's Region, which the other Regions forward to, is fixed");
  }
  const partition = RegionInfo.get(homeRegion).partition;
  for (const region of regions) {
    if (RegionInfo.get(region).partition !== partition) {
      throw new ConfigError(`context flag 'regions': '${region}' is in partition ${RegionInfo.get(region).partition}, the home Region ${homeRegion} in ${partition}; EventBridge forwards only within a partition`);
    }
  }
  return regions.filter((region) => region !== homeRegion);
}
