/**
 * Pure parts of the Slack front end: the command parser never throws (fast-check), cluster text is escaped so it can
 * neither ping @channel nor forge a link, and every rendered message stays within Block Kit limits however large the
 * cluster's problem (checked with the Slack stand-in's own limit checker).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import type { Diagnosis, Finding, PodRef } from "../../src/diagnosis/index.ts";
import type { Plan } from "../../src/remediation/plan.ts";
import { checkMessagePayload } from "../../src/sim/slack/index.ts";
import { renderDiagnosis } from "../../src/slack/blocks/diagnosis.ts";
import { fitMessage, truncate } from "../../src/slack/blocks/limits.ts";
import { renderHelp, renderInterrupted, renderStatus } from "../../src/slack/blocks/messages.ts";
import { code, escapeMrkdwn } from "../../src/slack/blocks/mrkdwn.ts";
import { ACTIONS, renderPlan } from "../../src/slack/blocks/plan.ts";
import { renderPlanCommands } from "../../src/slack/blocks/plan-commands.ts";
import { applyRunEvent, initialProgress, renderProgress } from "../../src/slack/blocks/run.ts";
import type { Message } from "../../src/slack/blocks/types.ts";
import { parseCniCommand } from "../../src/slack/command-parser.ts";
import { countOperations } from "../support/operation-count.ts";

const HOSTILE = "<!channel> <https://evil.example|click here> & <@U0ADMIN> `rm -rf` ```x``` \u001b[31m";
const cluster = { context: "prod<!here>", server: "https://10.0.0.1:6443", caFingerprint: "ab".repeat(32) };

function pod(i: number, name = `web-${i}`): PodRef {
  return {
    namespace: "default",
    name,
    node: `node-${i % 40}`,
    phase: "Pending",
    reason: "ContainerCreating",
    owner: { kind: "ReplicaSet", name: "web-abc" },
  };
}

function finding(i: number, pods: PodRef[], message = HOSTILE): Finding {
  return {
    family: "cni-credentials-rejected",
    cni: "calico",
    rootCause: "stale-cni-config",
    confidence: "high",
    summary: `finding ${i} ${HOSTILE}`,
    nodes: [...new Set(pods.map((p) => p.node))],
    pods,
    evidence: {
      event: {
        reason: "FailedCreatePodSandBox",
        type: "Warning",
        message,
        count: 3,
        firstSeen: null,
        lastSeen: null,
        pod: `default/${pods[0]?.name}`,
      },
      eventCount: 3,
      firstSeen: null,
      lastSeen: null,
      nodes: [],
      facts: Array.from({ length: 30 }, (_, j) => `fact ${j} ${HOSTILE} ${"x".repeat(200)}`),
    },
    suggestedChecks: [`kubectl get pods ${HOSTILE}`],
  };
}

function diagnosis(findings: Finding[]): Diagnosis {
  return {
    cluster,
    healthy: false,
    checkedAt: "2026-11-21T04:50:00.000Z",
    scope: { namespace: null, node: null },
    checked: { pendingPods: 1, sandboxEvents: 1, nodes: 3, cniAgents: ["calico-system/calico-node"] },
    findings,
    errors: [{ operation: `list pods ${HOSTILE}`, failure: "timeout", message: HOSTILE }],
  };
}

/** A message's mrkdwn, with Slack's legitimate tokens (dates and user mentions the bot made itself) removed. */
function untrustedSurface(m: Message): string {
  return JSON.stringify(m)
    .replace(/<!date\^\d+\^[^|>]*\|[^>]*>/g, "")
    .replace(/<@U0REQUEST1>/g, "");
}

function expectSafe(m: Message) {
  expect(checkMessagePayload({ text: m.text, blocks: m.blocks })).toEqual([]);
  const surface = untrustedSurface(m);
  expect(surface).not.toContain("<!channel>");
  expect(surface).not.toContain("<!here>");
  expect(surface).not.toContain("<https://evil");
  expect(surface).not.toContain("<@U0ADMIN>");
  expect(surface).not.toContain("\u001b");
}

describe("command parser", () => {
  it("parses the documented forms", () => {
    expect(parseCniCommand("diagnose")).toEqual({ kind: "diagnose" });
    expect(parseCniCommand("diagnose kube-system --node k8s-worker1 --cluster prod")).toEqual({
      kind: "diagnose",
      namespace: "kube-system",
      node: "k8s-worker1",
      cluster: "prod",
    });
    expect(parseCniCommand("fix --node=k8s-worker2")).toEqual({ kind: "fix", node: "k8s-worker2" });
    expect(parseCniCommand("<@U0CNIBOT01> diagnose")).toEqual({ kind: "diagnose" });
    expect(parseCniCommand("status --cluster prod")).toEqual({ kind: "status", cluster: "prod" });
    expect(parseCniCommand("PAUSE")).toEqual({ kind: "pause" });
    expect(parseCniCommand("resume")).toEqual({ kind: "resume" });
    expect(parseCniCommand("check --cluster=prod")).toEqual({ kind: "check", cluster: "prod" });
    expect(parseCniCommand("diagnose \u2014node k8s-worker1")).toEqual({
      kind: "diagnose",
      node: "k8s-worker1",
    });
  });

  it("answers malformed input with help and the problem", () => {
    expect(parseCniCommand("")).toEqual({ kind: "help" });
    expect(parseCniCommand("frob")).toMatchObject({ kind: "help", problem: "unknown command 'frob'" });
    expect(parseCniCommand("diagnose --node")).toMatchObject({
      kind: "help",
      problem: "diagnose: --node needs a value",
    });
    expect(parseCniCommand("diagnose Bad_NS")).toMatchObject({ kind: "help" });
    expect(parseCniCommand("diagnose a b")).toMatchObject({ kind: "help" });
    expect(parseCniCommand("status extra")).toMatchObject({ kind: "help" });
    expect(parseCniCommand("check --node k8s-worker1")).toMatchObject({
      kind: "help",
      problem: "check: unknown option '--node'",
    });
    expect(parseCniCommand("diagnose --cluster <!channel>")).toMatchObject({ kind: "help" });
  });

  it("never throws, and always yields a known kind", () => {
    const words = fc.constantFrom(
      "diagnose",
      "fix",
      "status",
      "help",
      "pause",
      "resume",
      "check",
      "--node",
      "--cluster",
      "-n",
      "--namespace",
      "=",
      "<@U1>",
      "\u2014",
      "kube-system",
    );
    const input = fc.oneof(
      fc.string({ maxLength: 600 }),
      fc.array(fc.oneof(words, fc.string({ maxLength: 20 })), { maxLength: 12 }).map((w) => w.join(" ")),
      fc.anything(),
    );
    fc.assert(
      fc.property(input, (text) => {
        const result = parseCniCommand(text);
        expect(["diagnose", "fix", "status", "pause", "resume", "check", "help"]).toContain(result.kind);
        // Whatever is echoed back in a problem is rendered safely.
        expectSafe(renderHelp(result.kind === "help" ? result.problem : undefined, ["prod"]));
      }),
      { numRuns: 500 },
    );
  });
});

describe("parseCniCommand: bounded work", () => {
  /** The parser reads at most this much of a command; longer ones are refused before any parsing. */
  const CAP = 500;
  const words = fc.constantFrom(
    "fix",
    "diagnose",
    "--node",
    "-n",
    "--cluster",
    "=",
    "x",
    "<@U1>",
    "\u2014",
    "--",
  );

  it("does work linear in the capped input, whatever the input (counted operations, not time)", () => {
    const input = fc.oneof(
      fc.string({ unit: "binary", maxLength: 2000 }),
      fc.array(words, { maxLength: 400 }).map((w) => w.join(" ")),
      fc.array(words, { maxLength: 400 }).map((w) => w.join("")),
    );
    fc.assert(
      fc.property(input, (text) => {
        const { result, operations } = countOperations(() => parseCniCommand(text));
        expect(["diagnose", "fix", "status", "pause", "resume", "check", "help"]).toContain(result.kind);
        // A handful of string operations per character at most; a quadratic parse of 250 words would be ~60,000.
        expect(operations).toBeLessThanOrEqual(4 * Math.min(text.length, CAP) + 100);
      }),
      { numRuns: 500 },
    );
  });

  it("refuses an over-long command without reading it: the same small amount of work at any length", () => {
    fc.assert(
      fc.property(
        fc.string({ minLength: 1, maxLength: 50 }),
        fc.integer({ min: CAP + 1, max: 64 * 1024 }),
        (unit, length) => {
          const text = unit.repeat(Math.ceil(length / unit.length));
          const { result, operations } = countOperations(() => parseCniCommand(text));
          expect(result).toMatchObject({
            kind: "help",
            problem: expect.stringContaining(`longer than ${CAP}`),
          });
          expect(operations).toBeLessThanOrEqual(5);
        },
      ),
      { numRuns: 100 },
    );
  });
});

describe("mrkdwn escaping", () => {
  it("escapes &, < and > and removes control characters", () => {
    expect(escapeMrkdwn("a & <b> \u0007")).toBe("a &amp; &lt;b&gt;  ");
    expect(code("x`y")).toBe("`xˋy`");
  });

  it("renders a hostile pod name and event message harmlessly in every message", () => {
    const rendered = renderDiagnosis(diagnosis([finding(1, [pod(1, `evil-${HOSTILE}`)])]));
    for (const m of [rendered.summary, ...rendered.findings]) expectSafe(m);
    expect(JSON.stringify(rendered.findings)).toContain("&lt;!channel&gt;");
  });
});

describe("Block Kit limits", () => {
  it("keeps a huge diagnosis within limits, with 'and N more' and a file for the rest", () => {
    const findings = Array.from({ length: 20 }, (_, i) =>
      finding(
        i,
        Array.from({ length: 500 }, (_, j) => pod(j)),
        HOSTILE.repeat(300),
      ),
    );
    const rendered = renderDiagnosis(diagnosis(findings));
    expect(rendered.truncated).toBe(true);
    for (const m of [rendered.summary, ...rendered.findings]) expectSafe(m);
    expect(JSON.stringify(rendered.findings[0])).toContain("and 490 more");
    expect(JSON.stringify(rendered.summary)).toContain("and 12 more findings");
  });

  it("keeps a plan with many steps and commands within limits and says to read the attached plan", () => {
    const steps = Array.from({ length: 60 }, (_, i) => ({
      kind: "quarantine-cni-config" as const,
      node: `node-${i}`,
      description: `Move files aside ${HOSTILE}`,
      commands: Array.from(
        { length: 40 },
        (_, j) => `sudo -n -- mv -n -t /backup -- /etc/cni/net.d/${j}-${HOSTILE}`,
      ),
      pods: Array.from({ length: 30 }, (_, j) => `default/web-${j}`),
      quarantine: { files: Array.from({ length: 40 }, (_, j) => `${j}-${HOSTILE}`) },
    }));
    const plan = {
      digest: `sha256:${"c".repeat(64)}`,
      cluster,
      steps,
      blastRadius: { nodes: steps.map((s) => s.node), pods: ["default/web-1"] },
      manualActions: [{ node: null, rootCause: "unknown", summary: HOSTILE, checks: [] }],
      excludedPods: [{ pod: `default/bare-${HOSTILE}`, node: "n", reason: "bare pod" }],
      nothingToDo: false,
    } as unknown as Plan;
    const rendered = renderPlan({
      runId: "20261121-045000-abcdef",
      plan,
      requestedBy: "U0REQUEST1",
      expiresAt: "2026-11-21T05:05:00.000Z",
      quorum: 2,
      policyViolations: [],
      state: { kind: "pending", approvals: [] },
    });
    expect(rendered.truncated).toBe(true);
    const fitted = fitMessage(rendered.message).message;
    expectSafe(fitted);
    const buttons = fitted.blocks.flatMap((b) => (b.type === "actions" ? b.elements : []));
    // The blocks were cut to 50, but the buttons must survive: they are the point of the message.
    expect(buttons.map((b) => b.action_id)).toEqual([
      ACTIONS.approve,
      ACTIONS.dryRun,
      ACTIONS.reject,
      ACTIONS.showCommands,
    ]);
    expect(new Set(buttons.map((b) => b.value))).toEqual(new Set(["20261121-045000-abcdef"]));
    expect(JSON.stringify(fitted.blocks)).toContain("and 40 more nodes, in the attached plan.json");

    // Show commands: every step's commands, within Slack's limits, cut with a pointer to the file.
    const commands = renderPlanCommands("20261121-045000-abcdef", plan);
    expect(commands.truncated).toBe(true);
    const fittedCommands = fitMessage(commands.message);
    expect(fittedCommands.cut).toBe(false);
    expectSafe(fittedCommands.message);
    expect(JSON.stringify(fittedCommands.message.blocks)).toMatch(/more steps, in the attached plan\.json/);
  });

  it("says a plan of manual actions alone waits for nobody: no buttons, no 'Waiting for an approver'", () => {
    const plan = {
      digest: `sha256:${"d".repeat(64)}`,
      cluster,
      steps: [],
      blastRadius: { nodes: [], pods: [] },
      manualActions: [
        { node: "w1", rootCause: "cni-agent-not-running", summary: "calico-node keeps crashing", checks: [] },
      ],
      excludedPods: [],
      nothingToDo: true,
    } as unknown as Plan;
    const rendered = renderPlan({
      runId: "20261121-045000-abcdef",
      plan,
      requestedBy: "U0REQUEST1",
      expiresAt: "2026-11-21T05:05:00.000Z",
      quorum: 1,
      policyViolations: [],
      state: { kind: "pending", approvals: [] },
    });
    const text = JSON.stringify(rendered.message.blocks);
    expect(text).not.toContain("Waiting for an approver");
    expect(text).toContain("Nothing here can be approved");
    expect(rendered.message.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("renders progress for a long run within limits, coalescing any number of events into one state", () => {
    const plan = {
      cluster,
      steps: Array.from({ length: 120 }, (_, i) => ({ kind: "verify", description: `step ${i} ${HOSTILE}` })),
    } as unknown as Plan;
    let state = initialProgress("run-1", plan, false);
    for (let i = 0; i < 120; i++) {
      state = applyRunEvent(state, {
        type: "step-started",
        runId: "run-1",
        index: i,
        kind: "verify",
        node: null,
        description: `step ${i} ${HOSTILE}`,
        commands: [],
        pods: [],
      });
      state = applyRunEvent(state, {
        type: "step-finished",
        runId: "run-1",
        index: i,
        kind: "verify",
        node: null,
        status: "ok",
        durationMs: 10,
        output: [],
        error: null,
      });
    }
    expectSafe(fitMessage(renderProgress(state)).message);
    expect(JSON.stringify(renderProgress(state))).toContain("120 of 120 steps done");
  });

  it("truncates without cutting an escape or a Slack token in half", () => {
    expect(truncate(`${"a".repeat(8)}&amp;b`, 11)).toBe(`${"a".repeat(8)}…`);
    expect(truncate(`${"a".repeat(8)}<@U0ABC>`, 12)).toBe(`${"a".repeat(8)}…`);
  });
});

describe("runs that left files moved", () => {
  const run = {
    id: "20261205-120000-abcdef",
    state: "interrupted" as const,
    digest: "sha256:00",
    cluster: "prod",
    nodes: ["k8s-worker2"],
    requestedBy: "alice",
    approvedBy: ["bob"],
    requestedAt: "2026-12-05T12:00:00.000Z",
    expiresAt: "2026-12-05T12:15:00.000Z",
    startedAt: "2026-12-05T12:01:00.000Z",
    finishedAt: null,
    lastStep: "4. restart-cni-agent on k8s-worker2 (running)",
    outcome: "interrupted",
    backups: [{ node: "k8s-worker2", dir: "/var/lib/cni-doctor/backup/x" }],
    origin: null,
    filesLeftMoved: [{ node: "k8s-worker2", dir: "/var/lib/cni-doctor/backup/x" }],
    restoreCommand: "cni-doctor rollback 20261205-120000-abcdef",
  };

  it("/cni status and the interrupted notice name the rollback command", () => {
    const status = JSON.stringify(renderStatus({ clusters: [], runs: [{ run, permalink: null }] }).blocks);
    expect(status).toContain("files left moved on `k8s-worker2`");
    expect(status).toContain("`cni-doctor rollback 20261205-120000-abcdef`");
    const notice = JSON.stringify(renderInterrupted(run, cluster).blocks);
    expect(notice).toContain("`cni-doctor rollback 20261205-120000-abcdef`");
  });
});
