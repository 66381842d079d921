/**
 * The subset of Block Kit the bot uses, typed narrowly so renderers cannot produce a shape Slack would refuse.
 * A Message is what every renderer returns: the blocks, and the plain-text fallback Slack shows in notifications.
 */

export interface TextObject {
  type: "mrkdwn" | "plain_text";
  text: string;
  emoji?: boolean;
}

export interface Button {
  type: "button";
  text: { type: "plain_text"; text: string; emoji?: boolean };
  action_id: string;
  value?: string;
  style?: "primary" | "danger";
}

export type Block =
  | { type: "header"; text: { type: "plain_text"; text: string; emoji?: boolean }; block_id?: string }
  | { type: "section"; text?: TextObject; fields?: TextObject[]; block_id?: string }
  | { type: "context"; elements: TextObject[]; block_id?: string }
  | { type: "actions"; elements: Button[]; block_id?: string }
  | { type: "divider"; block_id?: string };

export interface Message {
  /** Plain-text fallback (notifications, screen readers); escaped like everything else. */
  text: string;
  blocks: Block[];
}

export const mrkdwn = (text: string): TextObject => ({ type: "mrkdwn", text });
export const section = (text: string): Block => ({ type: "section", text: mrkdwn(text) });
export const context = (...texts: string[]): Block => ({ type: "context", elements: texts.map(mrkdwn) });
export const divider = (): Block => ({ type: "divider" });
export const header = (text: string): Block => ({
  type: "header",
  text: { type: "plain_text", text: text.slice(0, 150), emoji: true },
});
export const button = (
  text: string,
  actionId: string,
  value: string,
  style?: "primary" | "danger",
): Button => ({
  type: "button",
  text: { type: "plain_text", text, emoji: true },
  action_id: actionId,
  value,
  ...(style ? { style } : {}),
});
