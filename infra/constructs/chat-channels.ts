import { Stack } from 'aws-cdk-lib';
import * as chatbot from 'aws-cdk-lib/aws-chatbot';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ChatConfig } from '../../core/config';

export interface ChatChannelsProps {
  readonly topic: sns.ITopic;
  readonly chat: ChatConfig;
}

/**
 * Slack and Microsoft Teams channels (Amazon Q Developer in chat applications) subscribed to the
 * alert topic: they render each alert's custom-notification card (lambdas/shared/chat.ts).
 *
 * Read-only by construction: the channel role has no permissions (a notification needs none) and
 * the guardrail, which caps every role used from the channel, is the AWS managed ReadOnlyAccess,
 * so nobody in the channel can change the account through it. The workspace or team must be
 * authorised once in the console first (README, "Chat").
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/understanding-permissions.html
 */
export class ChatChannels extends Construct {
  public readonly role?: iam.Role;

  constructor(scope: Construct, id: string, props: ChatChannelsProps) {
    super(scope, id);
    const { slack, teams } = props.chat;
    if (!slack && !teams) return;
    // Configuration names: 1-128 of [A-Za-z0-9-_]; stack names are letters, digits and hyphens.
    const configurationName = `${Stack.of(this).stackName.slice(0, 128 - '-alerts'.length)}-alerts`;
    const role = new iam.Role(this, 'ChannelRole', {
      description: 'guardduty-response: chat channel role; notifications only, no permissions',
      assumedBy: new iam.ServicePrincipal('chatbot.amazonaws.com'),
    });
    this.role = role;
    const guardrail = iam.ManagedPolicy.fromAwsManagedPolicyName('ReadOnlyAccess');
    if (slack) {
      new chatbot.SlackChannelConfiguration(this, 'Slack', {
        slackChannelConfigurationName: configurationName,
        slackWorkspaceId: slack.workspaceId,
        slackChannelId: slack.channelId,
        notificationTopics: [props.topic],
        role,
        guardrailPolicies: [guardrail],
        userRoleRequired: false,
        loggingLevel: chatbot.LoggingLevel.ERROR,
      });
    }
    if (teams) {
      new chatbot.CfnMicrosoftTeamsChannelConfiguration(this, 'Teams', {
        configurationName,
        teamsTenantId: teams.tenantId,
        teamId: teams.teamId,
        teamsChannelId: teams.channelId,
        snsTopicArns: [props.topic.topicArn],
        iamRoleArn: role.roleArn,
        guardrailPolicies: [guardrail.managedPolicyArn],
        userRoleRequired: false,
        loggingLevel: 'ERROR',
      });
    }
  }
}
