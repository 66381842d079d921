/**
 * Text that came from the cluster (pod names, event messages, file names) is untrusted: anyone who can create a pod
 * shapes some of it. In Slack's mrkdwn, `<!channel>` pings everyone and `<https://evil|click>` forges a link, so the
 * three characters Slack asks apps to escape (`&`, `<`, `>`) are always escaped, and control characters removed.
 * (docs.slack.dev messaging/formatting-message-text#escaping)
 */
import { stripControlCharacters } from "../../diagnosis/index.ts";

/** Escapes untrusted text for mrkdwn and plain-text fallbacks. */
export function escapeMrkdwn(text: string): string {
  return stripControlCharacters(text)
    .replaceAll("&", "&amp;")
    .replaceAll("<", "&lt;")
    .replaceAll(">", "&gt;");
}

/**
 * Untrusted text inside an inline code span. A backtick would end the span early and let the rest be read as
 * formatting, so it becomes a look-alike; newlines would break the span too.
 */
export function code(text: string): string {
  const inner = escapeMrkdwn(text)
    .replaceAll("`", "ˋ")
    .replace(/\s*\n\s*/g, " ");
  return `\`${inner === "" ? " " : inner}\``;
}

/** Untrusted text in a code block (exact commands): only a triple backtick could end it early. */
export function codeBlock(lines: string[]): string {
  return `\`\`\`${lines.map((l) => escapeMrkdwn(l).replaceAll("```", "ˋˋˋ")).join("\n")}\`\`\``;
}

/** A Slack user mention built from a user id the app got from Slack itself (never from cluster text). */
export function mentionUser(userId: string): string {
  return /^[UW][A-Z0-9]{2,}$/.test(userId) ? `<@${userId}>` : escapeMrkdwn(userId);
}

/** Slack's date formatting: shown in each reader's time zone, with the ISO text as fallback. */
export function slackDate(iso: string): string {
  const seconds = Math.floor(Date.parse(iso) / 1000);
  if (!Number.isFinite(seconds)) return escapeMrkdwn(iso);
  return `<!date^${seconds}^{date_short_pretty} {time_secs}|${escapeMrkdwn(iso)}>`;
}

/** "1 node" / "3 nodes". */
export function plural(n: number, one: string, many = `${one}s`): string {
  return `${n} ${n === 1 ? one : many}`;
}
