/**
 * Block Kit and mrkdwn as a person reads them in Slack, turned into terminal lines: sections, fields, context, headers,
 * dividers, code blocks, buttons as `[ Approve ]`, user mentions by name, Slack dates in local time, emoji shortcodes
 * as emoji. Pure: the demo feeds it the messages the local Slack recorded.
 */

export interface TextStyle {
  bold(s: string): string;
  dim(s: string): string;
  red(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
  cyan(s: string): string;
  /** Whether styling is on: off, inline code keeps its backticks so it still reads as code. */
  enabled: boolean;
}

const wrap = (open: number, close: number) => (s: string) => `\u001b[${open}m${s}\u001b[${close}m`;
export const ANSI: TextStyle = {
  bold: wrap(1, 22),
  dim: wrap(2, 22),
  red: wrap(31, 39),
  green: wrap(32, 39),
  yellow: wrap(33, 39),
  cyan: wrap(36, 39),
  enabled: true,
};
const same = (s: string) => s;
export const NO_STYLE: TextStyle = {
  bold: same,
  dim: same,
  red: same,
  green: same,
  yellow: same,
  cyan: same,
  enabled: false,
};

export interface RenderContext {
  /** Slack user id → display name (without the @). */
  userName(id: string): string;
  /** "Now" for relative dates: the time the message was posted or edited. */
  now: number;
  style: TextStyle;
}

/** The emoji the bot uses (src/slack/blocks), and a few common ones; anything else stays a shortcode. */
const EMOJI: Record<string, string> = {
  alarm_clock: "⏰",
  arrows_counterclockwise: "🔄",
  double_vertical_bar: "⏸",
  fast_forward: "⏩",
  gear: "⚙️",
  grey_question: "❔",
  hourglass_flowing_sand: "⏳",
  kubernetes: "☸",
  large_yellow_circle: "🟡",
  leftwards_arrow_with_hook: "↩",
  mag: "🔍",
  memo: "📝",
  no_entry: "⛔",
  octagonal_sign: "🛑",
  red_circle: "🔴",
  rotating_light: "🚨",
  warning: "⚠️",
  white_check_mark: "✅",
  white_small_square: "▫",
  x: "❌",
};

function unescapeEntities(text: string): string {
  return text.replaceAll("&lt;", "<").replaceAll("&gt;", ">").replaceAll("&amp;", "&");
}

/** Local wall-clock time, and how far it is from `now` ("in 15 min", "2 s ago"). */
export function describeDate(epochSeconds: number, now: number): string {
  const d = new Date(epochSeconds * 1000);
  const hhmmss = [d.getHours(), d.getMinutes(), d.getSeconds()]
    .map((n) => String(n).padStart(2, "0"))
    .join(":");
  const delta = Math.round(epochSeconds - now / 1000);
  const abs = Math.abs(delta);
  const span =
    abs < 90 ? `${abs} s` : abs < 90 * 60 ? `${Math.round(abs / 60)} min` : `${Math.round(abs / 3600)} h`;
  const rel = abs <= 1 ? "now" : delta > 0 ? `in ${span}` : `${span} ago`;
  return `${hhmmss} (${rel})`;
}

/** Links, mentions, dates and special mentions (`<…>`), as Slack shows them. */
function renderAngles(text: string, ctx: RenderContext): string {
  return text.replace(/<([^<>\n]+)>/g, (_all, inner: string) => {
    const [target = "", label] = splitOnce(inner, "|");
    if (/^@[UW][A-Z0-9]+$/.test(target)) return ctx.style.yellow(`@${ctx.userName(target.slice(1))}`);
    if (target.startsWith("#C")) return `#${label ?? target.slice(1)}`;
    if (target.startsWith("!date^")) {
      const seconds = Number(target.split("^")[1]);
      return Number.isFinite(seconds) ? describeDate(seconds, ctx.now) : unescapeEntities(label ?? "");
    }
    if (target.startsWith("!")) return `@${target.slice(1).split("^")[0]}`;
    return label ? `${unescapeEntities(label)} (${unescapeEntities(target)})` : unescapeEntities(target);
  });
}

function renderEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (all, name: string) => EMOJI[name] ?? all);
}

/** Bold and italics in text that holds no code. */
function renderEmphasis(text: string, style: TextStyle): string {
  return text
    .replace(
      /(^|[\s(])\*([^*\n]+)\*(?=$|[\s).,:;!?])/g,
      (_a, pre: string, inner: string) => `${pre}${style.bold(inner)}`,
    )
    .replace(
      /(^|[\s(])_([^_\n]+)_(?=$|[\s).,:;!?])/g,
      (_a, pre: string, inner: string) => `${pre}${style.dim(inner)}`,
    );
}

/** One line of mrkdwn outside code blocks: inline code is kept verbatim, the rest is formatted. */
function renderInline(line: string, ctx: RenderContext): string {
  const parts = line.split(/(`[^`\n]*`)/);
  return parts
    .map((part, i) => {
      if (i % 2 === 1) {
        const inner = unescapeEntities(part.slice(1, -1));
        return ctx.style.enabled ? ctx.style.cyan(inner) : `\`${inner}\``;
      }
      return renderEmphasis(renderEmoji(unescapeEntities(renderAngles(part, ctx))), ctx.style);
    })
    .join("");
}

/** mrkdwn text → terminal lines. Code blocks become indented lines, shown as they are. */
export function renderMrkdwn(text: string, ctx: RenderContext): string[] {
  const out: string[] = [];
  const pieces = text.split("```");
  pieces.forEach((piece, i) => {
    if (i % 2 === 1) {
      for (const line of piece.replace(/^\n/, "").replace(/\n$/, "").split("\n"))
        out.push(`    ${ctx.style.cyan(unescapeEntities(line))}`);
      return;
    }
    const lines = piece.split("\n");
    // Text right before or after a code block shares its line in Slack; an empty edge line is not a blank line.
    if (i > 0 && lines[0] === "") lines.shift();
    if (i < pieces.length - 1 && lines.at(-1) === "") lines.pop();
    for (const line of lines) out.push(renderInline(line, ctx));
  });
  return out;
}

interface TextObject {
  type?: string;
  text?: string;
}
interface AnyBlock {
  type?: string;
  text?: TextObject;
  fields?: TextObject[];
  elements?: { type?: string; action_id?: string; style?: string; text?: TextObject | string }[];
}

function renderTextObject(t: TextObject | undefined, ctx: RenderContext): string[] {
  if (!t?.text) return [];
  if (t.type === "plain_text") return t.text.split("\n").map((l) => renderEmoji(l));
  return renderMrkdwn(t.text, ctx);
}

/** A message's blocks as lines; a message without blocks shows its text. */
export function renderMessage(message: { text?: string; blocks?: unknown[] }, ctx: RenderContext): string[] {
  const blocks = (message.blocks ?? []) as AnyBlock[];
  if (blocks.length === 0) return renderMrkdwn(message.text ?? "", ctx);
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case "header":
        lines.push(ctx.style.bold(renderTextObject(block.text, ctx).join(" ")));
        break;
      case "section":
        lines.push(...renderTextObject(block.text, ctx));
        for (const field of block.fields ?? []) lines.push(...renderTextObject(field, ctx));
        break;
      case "context":
        lines.push(
          ...(block.elements ?? [])
            .flatMap((e) =>
              renderTextObject({ type: e.type, text: typeof e.text === "string" ? e.text : undefined }, ctx),
            )
            .map((l) => ctx.style.dim(l)),
        );
        break;
      case "divider":
        lines.push(ctx.style.dim("─".repeat(40)));
        break;
      case "actions":
        lines.push(
          (block.elements ?? [])
            .map((e) => {
              const label = typeof e.text === "string" ? e.text : (e.text?.text ?? e.action_id ?? "?");
              const button = `[ ${label} ]`;
              return e.style === "primary"
                ? ctx.style.green(button)
                : e.style === "danger"
                  ? ctx.style.red(button)
                  : button;
            })
            .join("  "),
        );
        break;
      default:
        lines.push(ctx.style.dim(`(a ${block.type ?? "unknown"} block)`));
    }
  }
  return lines;
}

/** Lines removed and added between two versions of a message (a longest-common-subsequence diff). */
export function diffLines(before: string[], after: string[]): { kind: "-" | "+" | " "; line: string }[] {
  const n = before.length;
  const m = after.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--)
    for (let j = m - 1; j >= 0; j--)
      (lcs[i] as number[])[j] =
        before[i] === after[j]
          ? ((lcs[i + 1] as number[])[j + 1] as number) + 1
          : Math.max((lcs[i + 1] as number[])[j] as number, (lcs[i] as number[])[j + 1] as number);
  const out: { kind: "-" | "+" | " "; line: string }[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && before[i] === after[j]) {
      out.push({ kind: " ", line: before[i] as string });
      i++;
      j++;
    } else if (
      j < m &&
      (i >= n || ((lcs[i] as number[])[j + 1] as number) >= ((lcs[i + 1] as number[])[j] as number))
    ) {
      out.push({ kind: "+", line: after[j] as string });
      j++;
    } else {
      out.push({ kind: "-", line: before[i] as string });
      i++;
    }
  }
  return out;
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}
