/**
 * `/cni check`'s answer: the same ✓ / ✗ / · lines as `cni-doctor check`, one section per area, each failure with its
 * fix. A report too large for one message (Slack's ~12k characters of blocks) keeps every failure and note in full
 * and counts the passed lines of each area instead. Pure.
 */
import { CHECK_AREAS, type CheckLine, type CheckReport, summariseReport } from "../../check/model.ts";
import { clusterContext } from "./cluster.ts";
import { LIMITS, truncate } from "./limits.ts";
import { escapeMrkdwn, plural } from "./mrkdwn.ts";
import { type Block, type Message, section } from "./types.ts";

const MARK: Record<CheckLine["status"], string> = { pass: "✓", fail: "✗", note: "·" };

function lineText(line: CheckLine): string {
  const text = `${MARK[line.status]} ${escapeMrkdwn(line.summary)}`;
  return line.fix ? `${text}\n      _fix:_ ${escapeMrkdwn(line.fix)}` : text;
}

/** One area's lines as mrkdwn sections, each under Slack's section text limit. */
function areaSections(area: string, lines: CheckLine[], compact: boolean): Block[] {
  const passed = lines.filter((l) => l.status === "pass").length;
  const shown = compact ? lines.filter((l) => l.status !== "pass") : lines;
  const texts = shown.map(lineText);
  if (compact && passed > 0) texts.unshift(`✓ ${plural(passed, "check")} passed`);
  const blocks: Block[] = [];
  let current = `*${area}*`;
  for (const text of texts) {
    const next = `${current}\n${text}`;
    if (next.length > LIMITS.sectionText && current !== "") {
      blocks.push(section(current));
      current = truncate(text, LIMITS.sectionText);
    } else current = next;
  }
  if (current !== "") blocks.push(section(current));
  return blocks;
}

function render(report: CheckReport, compact: boolean): Message {
  const headline = report.ok
    ? ":white_check_mark: *cni-doctor check*: all checks passed"
    : `:x: *cni-doctor check*: not ready: ${escapeMrkdwn(summariseReport(report))}`;
  const blocks: Block[] = [section(truncate(headline, LIMITS.sectionText)), clusterContext(report.cluster)];
  for (const area of CHECK_AREAS) {
    const lines = report.lines.filter((l) => l.area === area);
    if (lines.length > 0) blocks.push(...areaSections(area, lines, compact));
  }
  const text = report.ok
    ? `cni-doctor check: all checks passed on ${report.cluster.context}`
    : `cni-doctor check: not ready on ${report.cluster.context}: ${summariseReport(report)}`;
  return { text: escapeMrkdwn(text), blocks };
}

/** Every line when it fits Slack's limits; otherwise failures and notes in full, passes counted per area. */
export function renderCheckReport(report: CheckReport): Message {
  const full = render(report, false);
  if (JSON.stringify(full.blocks).length <= LIMITS.blocksJson && full.blocks.length <= LIMITS.blocks)
    return full;
  return render(report, true);
}
