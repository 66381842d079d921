/** Terminal rendering of plans, run progress and run lists. Pure: data in, text out. */
import { shortFingerprint } from "../../kube/types.ts";
import type { Plan, RunEvent, RunSummary } from "../../remediation/index.ts";
import type { Style } from "./style.ts";

export function renderPlanText(plan: Plan, violations: string[], s: Style): string {
  const out: string[] = [];
  out.push(s.bold(`Plan ${plan.digest}`));
  out.push(
    `Cluster: ${plan.cluster.context} (${plan.cluster.server}, CA ${shortFingerprint(plan.cluster.caFingerprint)})`,
  );
  if (plan.nothingToDo && plan.manualActions.length === 0) {
    out.push(s.green("Nothing to fix."));
    return `${out.join("\n")}\n`;
  }
  out.push(
    `Blast radius: nodes ${plan.blastRadius.nodes.join(", ") || "none"}; pods ${plan.blastRadius.pods.join(", ") || "none"}`,
  );
  for (const [i, step] of plan.steps.entries()) {
    out.push("");
    out.push(s.bold(`${i + 1}. ${step.kind}${step.node ? ` on ${step.node}` : ""}`));
    out.push(`   ${step.description}`);
    for (const c of step.commands ?? []) out.push(s.dim(`   $ ${c}`));
    for (const p of step.pods ?? []) out.push(`   pod ${p}`);
    for (const line of step.agent?.whyDown ?? []) out.push(`   why it was down: ${line}`);
  }
  for (const p of plan.excludedPods) out.push(s.yellow(`Left alone: ${p.pod} on ${p.node}: ${p.reason}`));
  for (const m of plan.manualActions) {
    out.push("");
    out.push(s.yellow(`Needs a human${m.node ? ` on ${m.node}` : ""} (${m.rootCause}): ${m.summary}`));
    for (const c of m.checks) out.push(s.dim(`   $ ${c}`));
  }
  for (const v of violations) out.push(s.red(`Policy: ${v}`));
  return `${out.join("\n")}\n`;
}

export function renderRunEvent(e: RunEvent, s: Style): string {
  switch (e.type) {
    case "run-started":
      return `${s.bold(`${e.dryRun ? "Dry run" : "Run"} ${e.runId}`)} on ${e.cluster.context}: ${e.steps} steps, requested by ${e.requestedBy}, approved by ${e.approvedBy.join(", ") || "nobody (dry run)"}\n`;
    case "step-started":
      return `→ ${e.index + 1}. ${e.kind}${e.node ? ` on ${e.node}` : ""}\n${e.commands.map((c) => s.dim(`   $ ${c}\n`)).join("")}`;
    case "step-finished": {
      const mark = e.status === "ok" ? s.green("✓") : e.status === "failed" ? s.red("✗") : s.dim("-");
      const lines = e.output.map((o) => `   ${o}\n`).join("");
      return `${mark} ${e.index + 1}. ${e.kind}${e.node ? ` on ${e.node}` : ""} ${e.status} (${Math.round(e.durationMs)} ms)\n${lines}${e.error ? s.red(`   ${e.error}\n`) : ""}`;
    }
    case "node-finished":
      return `${e.status === "healed" ? s.green("●") : s.red("●")} ${e.node}: ${e.status}\n`;
    case "rolled-back":
      return `${e.rollback.ok ? s.yellow("↺") : s.red("↺")} rollback on ${e.rollback.node}: ${e.rollback.message}\n`;
    case "run-finished": {
      const checks = (e.verification?.checks ?? [])
        .map((c) => `   ${c.ok ? s.green("✓") : s.red("✗")} ${c.name}: ${c.detail}\n`)
        .join("");
      const head = e.status === "succeeded" || e.status === "dry-run" ? s.green(e.status) : s.red(e.status);
      return `${s.bold("Result:")} ${head}: ${e.message}\n${checks}`;
    }
  }
}

export function renderRunsText(runs: RunSummary[], s: Style): string {
  if (runs.length === 0) return "No runs in the journal.\n";
  return `${runs
    .map((r) => {
      const state =
        r.state === "succeeded"
          ? s.green(r.state)
          : ["failed", "rolled-back", "interrupted", "stopped"].includes(r.state)
            ? s.red(r.state)
            : s.yellow(r.state);
      const lines = [
        `${s.bold(r.id)} ${state} — nodes ${r.nodes.join(", ") || "none"}; requested by ${r.requestedBy} at ${r.requestedAt}; approved by ${r.approvedBy.join(", ") || "nobody"}`,
        `   plan ${r.digest}${r.startedAt ? `; started ${r.startedAt}` : ""}${r.finishedAt ? `, finished ${r.finishedAt}` : ""}${r.lastStep ? `; last step ${r.lastStep}` : ""}`,
      ];
      if (r.outcome) lines.push(`   ${r.outcome}`);
      for (const b of r.backups) lines.push(s.dim(`   backup on ${b.node}: ${b.dir}`));
      if (r.restoreCommand)
        lines.push(
          s.red(
            `   files left moved on ${r.filesLeftMoved.map((m) => m.node).join(", ")}; restore them with: ${r.restoreCommand}`,
          ),
        );
      return lines.join("\n");
    })
    .join("\n")}\n`;
}
