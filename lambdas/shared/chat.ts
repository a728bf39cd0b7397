/**
 * The card a chat channel shows: Amazon Q Developer in chat applications (formerly AWS Chatbot)
 * renders a "custom notification" it receives on a subscribed SNS topic. Chatbot subscribes with
 * the `https` protocol, so the alert carries this JSON under the `https` key of its message.
 * https://docs.aws.amazon.com/chatbot/latest/adminguide/custom-notifs.html
 *
 * Safety: the card's text is `client-markdown`, rendered as Slack or Teams markdown. Everything
 * that came from an event is already one quoted, defanged line (text.ts); the card adds one more
 * wall: the body is a code block, where neither platform renders formatting, links or mentions,
 * and backticks inside become a look-alike so the block cannot be closed early. The title (the
 * subject, printable ASCII) loses the characters markdown would act on. Links the stack builds
 * (the console) are the only live ones, in the next steps.
 */
import { ALERT_ATTRIBUTES } from '../../core/contract';
import { truncate } from './text';

export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id?: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps?: readonly string[];
    readonly keywords?: readonly string[];
  };
  readonly metadata?: {
    /** Alerts of one finding share a thread in the channel: one finding, one conversation. */
    readonly threadId?: string;
    readonly summary?: string;
    readonly eventType?: string;
    readonly relatedResources?: readonly string[];
    readonly additionalContext?: Readonly<Record<string, string>>;
  };
}

/** Bounds of the card (Slack shows at most 3,000 characters of a text block; the title is one line). */
export const MAX_CHAT_TITLE_LENGTH = 250;
export const MAX_CHAT_DESCRIPTION_LENGTH = 3000;

// Unicode, not Slack short codes: Teams renders these too.
const SEVERITY_EMOJI: Readonly<Record<string, string>> = {
  CRITICAL: '\u{1f6a8}',
  HIGH: '\u{1f534}',
  MEDIUM: '\u{1f7e0}',
  LOW: '\u{1f535}',
};

/** What a card needs beyond the alert's own subject, body and attributes. */
export interface ChatContext {
  /** `GuardDutyFinding`, `GuardDutyApiCall`, ... */
  readonly eventType: string;
  readonly id?: string;
  readonly threadId?: string;
  /** Live links the stack built, with what they open. */
  readonly links?: readonly (readonly [label: string, url: string | undefined])[];
  readonly nextSteps?: readonly string[];
  readonly relatedResources?: readonly (string | undefined)[];
}

/** The parts of an alert a card is made of (alert.ts's Alert, without the card). */
export interface CardSource {
  readonly subject: string;
  readonly email: string;
  readonly attributes: Readonly<Record<string, string | number>>;
}

export function chatNotification(alert: CardSource, context: ChatContext): ChatNotification {
  const label = String(alert.attributes[ALERT_ATTRIBUTES.severityLabel] ?? '');
  const emoji = SEVERITY_EMOJI[label] ?? '\u{1f514}';
  const body = truncate(alert.email.trim().replace(/`/g, '\u02cb'), MAX_CHAT_DESCRIPTION_LENGTH - 8, '\n... (the email alert has the rest)');
  const present = (items: readonly (string | number | undefined)[] | undefined) => (items ?? []).filter((i) => i !== undefined && i !== '').map(String);
  // Tokens this stack wrote (severity, type, account, Region, playbook): keywords the channel can search.
  const keywords = present([label, alert.attributes[ALERT_ATTRIBUTES.findingType], alert.attributes[ALERT_ATTRIBUTES.account], alert.attributes[ALERT_ATTRIBUTES.region], alert.attributes[ALERT_ATTRIBUTES.playbookId]]);
  return {
    version: '1.0',
    source: 'custom',
    ...(context.id ? { id: context.id } : {}),
    content: {
      textType: 'client-markdown',
      title: truncate(`${emoji} ${markdownInert(alert.subject)}`, MAX_CHAT_TITLE_LENGTH, '...'),
      description: `\`\`\`\n${body}\n\`\`\``,
      nextSteps: [...present(context.links?.map(([what, url]) => url && `${what}: ${url}`)), ...(context.nextSteps ?? [])],
      keywords: keywords.map(markdownInert),
    },
    metadata: {
      ...(context.threadId ? { threadId: context.threadId } : {}),
      summary: alert.subject,
      eventType: context.eventType,
      relatedResources: present(context.relatedResources),
    },
  };
}

/** The alert with its card. */
export function withChat<T extends CardSource>(alert: T, context: ChatContext): T & { readonly chat: ChatNotification } {
  return { ...alert, chat: chatNotification(alert, context) };
}

const LOOK_ALIKES: Readonly<Record<string, string>> = { '`': '\u02cb', '*': '\u2217', '~': '\u223c' };

/**
 * What markdown builds links, code and emphasis from is broken up: a link `[a](b)` loses its
 * `](`, `` `code` ``, `*bold*` and `~strike~` their marks. Slack's `<url|text>` and `<!here>`
 * need `<`, which text.ts already turned into a look-alike; `[HIGH]` stays readable.
 */
function markdownInert(text: string): string {
  return text.replace(/\]\(/g, '] (').replace(/[`*~]/g, (c) => LOOK_ALIKES[c] ?? c);
}
