/** Small messages: help, the channel's parent message, errors in plain words, refusals, status, pause. Pure. */
import type { ClusterIdentity } from "../../kube/types.ts";
import type { HalfDoneLook } from "../../remediation/half-done.ts";
import type { RunSummary } from "../../remediation/run.ts";
import { clusterContext, clusterLine, clusterPlain } from "./cluster.ts";
import { capList } from "./limits.ts";
import { code, escapeMrkdwn, mentionUser, slackDate } from "./mrkdwn.ts";
import { type Block, context, type Message, section } from "./types.ts";

export const HELP_LINES = [
  "`/cni diagnose [namespace] [--node NODE] [--cluster CONTEXT]`: find pods stuck on CNI failures and name the root cause, in a new thread",
  "`/cni fix [namespace] [--node NODE] [--cluster CONTEXT]`: diagnose, then propose a fix for an approver",
  "`/cni status [--cluster CONTEXT]`: runs in progress and recent runs",
  "`/cni pause` / `/cni resume [--cluster CONTEXT]`: stop or allow all fixes on a cluster (approvers only)",
  "`/cni check [--cluster CONTEXT]`: check this installation (permissions, CNI, node access, Slack, clocks), shown only to you (approvers only)",
  "`@cni-doctor diagnose` in an incident thread answers in that thread; so does the message shortcut *Diagnose CNI*",
];

export function renderHelp(problem: string | undefined, clusters: string[]): Message {
  const blocks: Block[] = [];
  if (problem) blocks.push(section(`:grey_question: ${escapeMrkdwn(problem)}.`));
  blocks.push(
    section(
      `*cni-doctor* diagnoses and fixes Kubernetes pod-network (CNI) failures.\n${HELP_LINES.map((l) => `• ${l}`).join("\n")}`,
    ),
  );
  blocks.push(context(`clusters: ${clusters.map((c) => code(c)).join(", ") || "none configured"}`));
  return {
    text: `${problem ? `${escapeMrkdwn(problem)}. ` : ""}Usage: /cni diagnose | fix | status | pause | resume | check | help`,
    blocks,
  };
}

/**
 * What the parent message says, always the current state: found → awaiting approval → fixing (node, step) → healed
 * or failed. Never left saying a plan waits once it ran.
 */
export type ParentStatus =
  | { kind: "diagnosing" }
  | { kind: "diagnosed"; headline: string }
  | { kind: "planned"; headline: string }
  | { kind: "fixing"; node: string | null; step: number; of: number }
  | { kind: "healed"; words: string }
  | { kind: "finished"; words: string }
  | { kind: "failed"; words: string };

/** The status line of a parent message (the channel's, or an incident thread's). */
export function parentStatusLine(s: ParentStatus): string {
  switch (s.kind) {
    case "diagnosing":
      return ":mag: diagnosing…";
    case "diagnosed":
      return s.headline;
    case "planned":
      return `:hourglass_flowing_sand: awaiting approval in the thread · ${s.headline}`;
    case "fixing":
      return s.node
        ? `:wrench: fixing ${code(s.node)} (step ${s.step} of ${s.of}), progress in the thread`
        : `:wrench: recycling the stuck pods and verifying (step ${s.step} of ${s.of}), progress in the thread`;
    case "healed":
      return `:white_check_mark: ${escapeMrkdwn(s.words)}`;
    case "finished":
      return s.words;
    case "failed":
      return `:x: ${escapeMrkdwn(s.words)}`;
  }
}

/** The message in the channel that starts the incident thread; re-rendered as the work goes on. */
export function renderParent(input: {
  cluster: ClusterIdentity;
  requestedBy: string;
  request: string;
  status: ParentStatus;
}): Message {
  const status = parentStatusLine(input.status);
  return {
    text: `cni-doctor ${escapeMrkdwn(input.request)} on ${clusterPlain(input.cluster)}, asked by ${mentionUser(input.requestedBy)}`,
    blocks: [
      section(`*cni-doctor* ${code(input.request)} asked by ${mentionUser(input.requestedBy)}\n${status}`),
      context(clusterLine(input.cluster)),
    ],
  };
}

/** An error in plain words, for the thread. */
export function renderError(what: string, message: string, next: string, cluster?: ClusterIdentity): Message {
  const blocks: Block[] = [
    section(`:warning: *${escapeMrkdwn(what)}*: ${escapeMrkdwn(message)}\n${escapeMrkdwn(next)}`),
  ];
  if (cluster) blocks.push(clusterContext(cluster));
  return { text: `${escapeMrkdwn(what)}: ${escapeMrkdwn(message)}`, blocks };
}

/** The ephemeral answer to a click that was refused, seen only by the clicker. */
export function renderRefusal(message: string): Message {
  return {
    text: `Not done: ${escapeMrkdwn(message)}`,
    blocks: [section(`:no_entry: *Not done*: ${escapeMrkdwn(message)}`)],
  };
}

export function renderNotice(text: string): Message {
  return { text: escapeMrkdwn(text), blocks: [section(escapeMrkdwn(text))] };
}

export interface StatusEntry {
  run: RunSummary;
  permalink: string | null;
}

export function renderStatus(input: {
  clusters: { identity: ClusterIdentity; paused: boolean }[];
  runs: StatusEntry[];
}): Message {
  const blocks: Block[] = [section("*cni-doctor status*")];
  for (const c of input.clusters) {
    blocks.push(
      context(
        `${clusterLine(c.identity)} · ${c.paused ? ":double_vertical_bar: *paused*" : "fixes allowed"}`,
      ),
    );
  }
  const active = input.runs.filter((r) => ["pending", "approved", "running"].includes(r.run.state));
  const recent = input.runs.filter((r) => !active.includes(r));
  const line = (e: StatusEntry) =>
    `• ${code(e.run.id)} ${code(e.run.state)} on ${code(e.run.cluster)}, nodes ${e.run.nodes.map((n) => code(n)).join(", ") || "none"}, asked ${slackDate(e.run.requestedAt)}${e.run.outcome ? `: ${escapeMrkdwn(e.run.outcome)}` : ""}${e.permalink ? ` (<${e.permalink}|thread>)` : ""}${restoreLine(e.run)}`;
  const a = capList(active, 10);
  blocks.push(
    section(
      a.shown.length > 0
        ? `*In progress*\n${a.shown.map(line).join("\n")}${a.more ? `\n…and ${a.more} more` : ""}`
        : "*In progress*: none",
    ),
  );
  const r = capList(recent, 10);
  blocks.push(
    section(
      r.shown.length > 0
        ? `*Recent*\n${r.shown.map(line).join("\n")}${r.more ? `\n…and ${r.more} more` : ""}`
        : "*Recent*: none",
    ),
  );
  return { text: `cni-doctor status: ${active.length} in progress, ${recent.length} recent`, blocks };
}

/** A run that left files moved (interrupted, failed before healing a node) names the command that restores them. */
function restoreLine(run: RunSummary): string {
  const left = run.filesLeftMoved ?? [];
  if (!run.restoreCommand || left.length === 0) return "";
  return `\n   :warning: files left moved on ${left.map((m) => code(m.node)).join(", ")}; restore them at a terminal with ${code(run.restoreCommand)}`;
}

export function renderInterrupted(run: RunSummary, cluster: ClusterIdentity): Message {
  return {
    text: `Run ${escapeMrkdwn(run.id)} was interrupted`,
    blocks: [
      section(
        `:warning: *This run was interrupted* (the bot stopped while it ran)${run.lastStep ? `; the last step started was ${code(run.lastStep)}` : ""}. ${run.outcome ? escapeMrkdwn(run.outcome) : ""}\n${run.backups.length > 0 ? `Backups of moved files: ${run.backups.map((b) => `${code(b.node)} ${code(b.dir)}`).join(", ")}. ` : ""}${restoreLine(run).trim()} Run \`/cni diagnose\` to see where the cluster stands, then \`/cni fix\` for a fresh plan.`,
      ),
      clusterContext(cluster),
    ],
  };
}

/**
 * After a diagnosis: runs that have CNI files moved aside on a node right now (src/remediation/half-done.ts), with the
 * command that restores them or follows the run; null when there are none. A journal that could not be read is said
 * so, not taken for "none".
 */
export function renderHalfDone(look: HalfDoneLook): Message | null {
  if ("unreadable" in look) return renderNotice(look.unreadable);
  if (look.runs.length === 0) return null;
  const { shown, more } = capList(look.runs, 5);
  const lines = shown.map((run) => {
    const where = run.nodes.map((n) => `${code(n.node)} (kept in ${code(n.backupDir)})`).join(", ");
    return run.status === "in-progress"
      ? `• Run ${code(run.runId)} is in progress: CNI files are moved aside on ${where} until it verifies them. Follow it with ${code(run.command)} or \`/cni status\`.`
      : `• Run ${code(run.runId)} (${run.journalState === "running" ? "its runner died" : escapeMrkdwn(run.journalState)}) left CNI files moved aside on ${where}; those nodes lack that config until it is restored. Restore at a terminal with ${code(run.command)}.`;
  });
  const text = `:warning: *A cni-doctor run left nodes half-done*\n${lines.join("\n")}${more ? `\n…and ${more} more (\`/cni status\`)` : ""}`;
  return { text: "A cni-doctor run left CNI files moved aside", blocks: [section(text)] };
}
