/** The demo's Block Kit → terminal renderer: what Slack would show, as plain lines. */
import { describe, expect, it } from "vitest";
import { ANSI, diffLines, NO_STYLE, renderMessage, renderMrkdwn } from "../../src/demo/slack-text.ts";

const ctx = {
  now: Date.parse("2026-11-21T05:00:00Z"),
  style: NO_STYLE,
  userName: (id: string) => ({ U0ALICE001: "alice", U0BOB00001: "bob" })[id] ?? id,
};

describe("renderMrkdwn", () => {
  it("shows mentions by name, bold without stars, inline code with its backticks, entities decoded", () => {
    expect(renderMrkdwn("*Approved* by <@U0BOB00001>: `a&lt;b` &amp; _done_", ctx)).toEqual([
      "Approved by @bob: `a<b` & done",
    ]);
  });

  it("turns code blocks into indented lines and keeps surrounding text on its own lines", () => {
    expect(renderMrkdwn("*1. Move*\n```sudo -n -- mv a b\nsudo -n -- ls```\nafter", ctx)).toEqual([
      "1. Move",
      "    sudo -n -- mv a b",
      "    sudo -n -- ls",
      "after",
    ]);
  });

  it("shows Slack dates in local time with how far away they are, links with their URL, emoji as emoji", () => {
    const in15 = Math.floor(ctx.now / 1000) + 900;
    const [line] = renderMrkdwn(
      `:hourglass_flowing_sand: Expires <!date^${in15}^{date_short_pretty} {time_secs}|x>; <https://e.x/y|the thread>`,
      ctx,
    );
    expect(line).toMatch(/^⏳ Expires \d\d:\d\d:\d\d \(in 15 min\); the thread \(https:\/\/e\.x\/y\)$/);
  });

  it("does not read stars or underscores inside code as formatting", () => {
    expect(renderMrkdwn("`*not bold*` and `my_pod_name`", ctx)).toEqual(["`*not bold*` and `my_pod_name`"]);
  });

  it("styles on a TTY: inline code loses its backticks and gets a colour", () => {
    const [line] = renderMrkdwn("`x`", { ...ctx, style: ANSI });
    expect(line).toBe("\u001b[36mx\u001b[39m");
  });
});

describe("renderMessage", () => {
  it("renders header, section with fields, context, divider and buttons", () => {
    const lines = renderMessage(
      {
        text: "fallback",
        blocks: [
          { type: "header", text: { type: "plain_text", text: "Proposed fix" } },
          {
            type: "section",
            text: { type: "mrkdwn", text: "*Blast radius*: 1 node" },
            fields: [{ type: "mrkdwn", text: "a" }],
          },
          { type: "context", elements: [{ type: "mrkdwn", text: ":kubernetes: cluster `sim`" }] },
          { type: "divider" },
          {
            type: "actions",
            elements: [
              {
                type: "button",
                text: { type: "plain_text", text: "Approve" },
                action_id: "cni_approve",
                style: "primary",
              },
              {
                type: "button",
                text: { type: "plain_text", text: "Reject" },
                action_id: "cni_reject",
                style: "danger",
              },
            ],
          },
        ],
      },
      ctx,
    );
    expect(lines).toEqual([
      "Proposed fix",
      "Blast radius: 1 node",
      "a",
      "☸ cluster `sim`",
      "─".repeat(40),
      "[ Approve ]  [ Reject ]",
    ]);
  });

  it("falls back to the text when there are no blocks", () => {
    expect(renderMessage({ text: "Node k8s-worker1: healed" }, ctx)).toEqual(["Node k8s-worker1: healed"]);
  });
});

describe("diffLines", () => {
  it("keeps common lines and marks what was removed and added", () => {
    expect(diffLines(["a", "status: diagnosing", "c"], ["a", "status: 1 finding", "c"])).toEqual([
      { kind: " ", line: "a" },
      { kind: "+", line: "status: 1 finding" },
      { kind: "-", line: "status: diagnosing" },
      { kind: " ", line: "c" },
    ]);
  });
});
