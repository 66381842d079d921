/**
 * Slack's message limits, enforced on everything the bot sends, so a cluster with a thousand stuck pods still gets a
 * valid message: lists are cut with "and N more" by the renderers, and this module is the last guard (it truncates
 * any text still over a limit and keeps at most 50 blocks, saying what was left out).
 */
import type { Block, Message } from "./types.ts";

export const LIMITS = {
  blocks: 50,
  sectionText: 3000,
  fieldText: 2000,
  headerText: 150,
  contextElements: 10,
  buttonText: 75,
  buttonValue: 2000,
  actionId: 255,
  blockId: 255,
  fallbackText: 3000,
  /** Slack's msg_blocks_too_long comes at about 13k characters of blocks (bolt-js#2509), below the documented sums. */
  blocksJson: 12_000,
} as const;

/** Cuts text to `max` characters, ending in an ellipsis when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  // Do not cut an escape sequence (&amp;) or a Slack token (<@U…>) in half: back up to before it.
  let cut = max - 1;
  const amp = text.lastIndexOf("&", cut);
  if (amp >= 0 && amp > cut - 5 && !text.slice(amp, cut).includes(";")) cut = amp;
  const lt = text.lastIndexOf("<", cut);
  if (lt >= 0 && !text.slice(lt, cut).includes(">")) cut = lt;
  return `${text.slice(0, cut)}…`;
}

/** A list shown up to `max` items, then "and N more". */
export function capList<T>(items: T[], max: number): { shown: T[]; more: number } {
  return { shown: items.slice(0, max), more: Math.max(0, items.length - max) };
}

/** Result of fitting a message: `cut` is true when something had to be left out (callers may attach a file). */
export interface Fitted {
  message: Message;
  cut: boolean;
}

/** Brings a message within Slack's limits. Pure; idempotent. */
export function fitMessage(message: Message): Fitted {
  let cut = false;
  const fitText = (text: string, max: number) => {
    if (text.length > max) cut = true;
    return truncate(text, max);
  };
  let blocks = message.blocks.map((block) => fitBlock(block, fitText));
  if (blocks.length > LIMITS.blocks) {
    const dropped = blocks.length - (LIMITS.blocks - 1);
    blocks = [
      ...blocks.slice(0, LIMITS.blocks - 1),
      {
        type: "context",
        elements: [
          { type: "mrkdwn", text: `…and ${dropped} more blocks not shown (Slack's 50-block limit).` },
        ],
      },
    ];
    cut = true;
  }
  const text = fitText(message.text.trim() === "" ? "cni-doctor" : message.text, LIMITS.fallbackText);
  return { message: { ...message, text, blocks }, cut };
}

function fitBlock(block: Block, fitText: (t: string, max: number) => string): Block {
  switch (block.type) {
    case "section":
      return {
        ...block,
        ...(block.text
          ? { text: { ...block.text, text: fitText(block.text.text, LIMITS.sectionText) } }
          : {}),
        ...(block.fields
          ? {
              fields: block.fields
                .slice(0, 10)
                .map((f) => ({ ...f, text: fitText(f.text, LIMITS.fieldText) })),
            }
          : {}),
      };
    case "header":
      return { ...block, text: { ...block.text, text: fitText(block.text.text, LIMITS.headerText) } };
    case "context":
      return {
        ...block,
        elements: block.elements
          .slice(0, LIMITS.contextElements)
          .map((e) => ({ ...e, text: fitText(e.text, LIMITS.sectionText) })),
      };
    case "actions":
      return {
        ...block,
        elements: block.elements.map((b) => ({
          ...b,
          text: { ...b.text, text: fitText(b.text.text, LIMITS.buttonText) },
          action_id: b.action_id.slice(0, LIMITS.actionId),
          ...(b.value !== undefined ? { value: b.value.slice(0, LIMITS.buttonValue) } : {}),
        })),
      };
    default:
      return block;
  }
}
