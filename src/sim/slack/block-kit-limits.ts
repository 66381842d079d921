/**
 * Slack's documented Block Kit and message limits, checked on every payload the fake Web API receives. Slack answers
 * a payload over these limits with `invalid_blocks` (or `msg_too_long`); the fake does the same and also records the
 * problem, so a test sees exactly which limit was crossed and where.
 *
 * Sources: docs.slack.dev reference/block-kit/blocks (section, header, context, actions), block-elements/button,
 * composition-objects/text-object, and the chat.postMessage argument reference.
 */

export const SLACK_LIMITS = {
  blocksPerMessage: 50,
  sectionText: 3000,
  sectionFields: 10,
  sectionFieldText: 2000,
  headerText: 150,
  contextElements: 10,
  actionsElements: 25,
  buttonText: 75,
  buttonValue: 2000,
  buttonUrl: 3000,
  actionId: 255,
  blockId: 255,
  messageText: 40_000,
  /** Slack's `msg_blocks_too_long`: observed around 13k characters of blocks (bolt-js#2509); not documented. */
  blocksJson: 13_000,
} as const;

export interface LimitProblem {
  /** JSON pointer into the payload, e.g. "/blocks/3/text/text". */
  pointer: string;
  problem: string;
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const textOf = (v: unknown): string | undefined =>
  isObject(v) && typeof v.text === "string" ? v.text : undefined;

/** Checks a message payload (chat.postMessage / chat.update / chat.postEphemeral, or an ack body). */
export function checkMessagePayload(args: Json): LimitProblem[] {
  const problems: LimitProblem[] = [];
  const blocks = args.blocks === undefined ? undefined : parseMaybeJson(args.blocks);
  const text = typeof args.text === "string" ? args.text : undefined;
  if (text !== undefined && text.length > SLACK_LIMITS.messageText) {
    problems.push({
      pointer: "/text",
      problem: `text is ${text.length} characters (max ${SLACK_LIMITS.messageText})`,
    });
  }
  if (blocks === undefined) {
    if (!text && args.attachments === undefined)
      problems.push({ pointer: "/text", problem: "no text and no blocks" });
    return problems;
  }
  if (!Array.isArray(blocks)) return [{ pointer: "/blocks", problem: "blocks is not an array" }];
  // Slack accepts blocks without text, but then notifications and screen readers get nothing: treat it as a defect.
  if (!text || text.trim() === "") {
    problems.push({ pointer: "/text", problem: "blocks without a plain-text fallback in text" });
  }
  if (blocks.length > SLACK_LIMITS.blocksPerMessage) {
    problems.push({
      pointer: "/blocks",
      problem: `${blocks.length} blocks (max ${SLACK_LIMITS.blocksPerMessage})`,
    });
  }
  const size = JSON.stringify(blocks).length;
  if (size > SLACK_LIMITS.blocksJson) {
    problems.push({
      pointer: "/blocks",
      problem: `blocks are ${size} characters of JSON (Slack refuses about ${SLACK_LIMITS.blocksJson})`,
    });
  }
  blocks.forEach((block, i) => {
    problems.push(...checkBlock(block, `/blocks/${i}`));
  });
  return problems;
}

function checkBlock(block: unknown, at: string): LimitProblem[] {
  if (!isObject(block)) return [{ pointer: at, problem: "block is not an object" }];
  const out: LimitProblem[] = [];
  const max = (pointer: string, value: string | undefined, limit: number, what: string) => {
    if (value !== undefined && value.length > limit) {
      out.push({ pointer, problem: `${what} is ${value.length} characters (max ${limit})` });
    }
  };
  const required = (pointer: string, value: string | undefined, what: string) => {
    if (value === undefined || value === "") out.push({ pointer, problem: `${what} is missing or empty` });
  };
  if (typeof block.block_id === "string")
    max(`${at}/block_id`, block.block_id, SLACK_LIMITS.blockId, "block_id");
  switch (block.type) {
    case "section": {
      const text = textOf(block.text);
      max(`${at}/text/text`, text, SLACK_LIMITS.sectionText, "section text");
      const fields = Array.isArray(block.fields) ? block.fields : undefined;
      if (text === undefined && !fields) required(`${at}/text`, undefined, "section text or fields");
      if (text !== undefined) required(`${at}/text/text`, text, "section text");
      if (fields) {
        if (fields.length > SLACK_LIMITS.sectionFields) {
          out.push({
            pointer: `${at}/fields`,
            problem: `${fields.length} fields (max ${SLACK_LIMITS.sectionFields})`,
          });
        }
        fields.forEach((f, j) => {
          max(`${at}/fields/${j}/text`, textOf(f), SLACK_LIMITS.sectionFieldText, "section field");
        });
      }
      if (block.accessory !== undefined) out.push(...checkElement(block.accessory, `${at}/accessory`));
      break;
    }
    case "header": {
      const text = textOf(block.text);
      required(`${at}/text/text`, text, "header text");
      max(`${at}/text/text`, text, SLACK_LIMITS.headerText, "header text");
      if (isObject(block.text) && block.text.type !== "plain_text") {
        out.push({ pointer: `${at}/text/type`, problem: "header text must be plain_text" });
      }
      break;
    }
    case "context": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.contextElements) {
        out.push({
          pointer: `${at}/elements`,
          problem: `${elements.length} context elements (1 to ${SLACK_LIMITS.contextElements})`,
        });
      }
      elements.forEach((e, j) => {
        max(`${at}/elements/${j}/text`, textOf(e), SLACK_LIMITS.sectionText, "context text");
      });
      break;
    }
    case "actions": {
      const elements = Array.isArray(block.elements) ? block.elements : [];
      if (elements.length === 0 || elements.length > SLACK_LIMITS.actionsElements) {
        out.push({
          pointer: `${at}/elements`,
          problem: `${elements.length} actions elements (1 to ${SLACK_LIMITS.actionsElements})`,
        });
      }
      elements.forEach((e, j) => {
        out.push(...checkElement(e, `${at}/elements/${j}`));
      });
      break;
    }
    case "divider":
    case "rich_text":
    case "image":
    case "file":
      break;
    default:
      out.push({ pointer: `${at}/type`, problem: `unknown block type ${JSON.stringify(block.type)}` });
  }
  return out;
}

function checkElement(element: unknown, at: string): LimitProblem[] {
  if (!isObject(element)) return [{ pointer: at, problem: "element is not an object" }];
  const out: LimitProblem[] = [];
  if (element.type !== "button") return out;
  const text = textOf(element.text);
  if (!text) out.push({ pointer: `${at}/text/text`, problem: "button text is missing" });
  else if (text.length > SLACK_LIMITS.buttonText) {
    out.push({
      pointer: `${at}/text/text`,
      problem: `button text is ${text.length} characters (max ${SLACK_LIMITS.buttonText})`,
    });
  }
  if (isObject(element.text) && element.text.type !== "plain_text") {
    out.push({ pointer: `${at}/text/type`, problem: "button text must be plain_text" });
  }
  const actionId = typeof element.action_id === "string" ? element.action_id : undefined;
  if (actionId && actionId.length > SLACK_LIMITS.actionId) {
    out.push({
      pointer: `${at}/action_id`,
      problem: `action_id is ${actionId.length} characters (max ${SLACK_LIMITS.actionId})`,
    });
  }
  const value = typeof element.value === "string" ? element.value : undefined;
  if (value && value.length > SLACK_LIMITS.buttonValue) {
    out.push({
      pointer: `${at}/value`,
      problem: `button value is ${value.length} characters (max ${SLACK_LIMITS.buttonValue})`,
    });
  }
  const url = typeof element.url === "string" ? element.url : undefined;
  if (url && url.length > SLACK_LIMITS.buttonUrl) {
    out.push({
      pointer: `${at}/url`,
      problem: `button url is ${url.length} characters (max ${SLACK_LIMITS.buttonUrl})`,
    });
  }
  if (element.style !== undefined && element.style !== "primary" && element.style !== "danger") {
    out.push({
      pointer: `${at}/style`,
      problem: `button style ${JSON.stringify(element.style)} is not primary or danger`,
    });
  }
  return out;
}

/** The Web API takes form-encoded arguments in which objects arrive as JSON strings. */
export function parseMaybeJson(value: unknown): unknown {
  if (typeof value !== "string") return value;
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
