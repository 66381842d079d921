/**
 * Button clicks on a plan or a run: each finds the cluster its run belongs to, maps the clicker to an Actor and lets
 * the remediation service decide at click time; nothing but the run id is taken from the button. Dry run, Reject and
 * Stop are here; Approve, which may start the run, is in approve.ts.
 */
import type { RunSummary } from "../../remediation/run.ts";
import { renderNotice, renderRefusal } from "../blocks/messages.ts";
import { renderDryRunSteps } from "../blocks/run.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { RemediationPort } from "../remediation-port.ts";
import { workflowFor } from "./cluster-workflow.ts";
import { actorFor, inBackground, type SlackFlows } from "./context.ts";
import type { ClickedPlanMessage } from "./plan-tracker.ts";

/** A button click as the bot sees it: who, where, and the opaque run id the button carries. */
export interface Click extends ClickedPlanMessage {
  user: string;
  channel: string;
  /** The message the button is on. */
  messageTs: string;
  threadTs?: string;
  runId: string;
  /** The clicked message as Slack holds it (for plans made before a restart). */
  messageBlocks?: unknown[];
  messageText?: string;
}

/**
 * Runs a click's work as a job, on the cluster its run belongs to. The service makes approvals idempotent; the
 * in-flight set only spares it a burst of identical clicks from one person.
 */
export function onClick(
  flows: SlackFlows,
  kind: string,
  click: Click,
  work: (remediation: RemediationPort, cluster: ClusterHandle) => Promise<void>,
): void {
  const clickKey = `${kind}:${click.runId}:${click.user}`;
  if (flows.clicksInFlight.has(clickKey)) return;
  flows.clicksInFlight.add(clickKey);
  inBackground(
    flows,
    kind,
    { channel: click.channel, ...(click.threadTs ? { threadTs: click.threadTs } : {}) },
    async () => {
      try {
        const found = await clusterOfRun(flows, click.runId);
        if (!found) {
          await refuse(
            flows,
            click,
            "this plan is not known to the bot any more (it may have been made on a cluster no longer configured).",
          );
          return;
        }
        await work(found.remediation, found.cluster);
      } finally {
        flows.clicksInFlight.delete(clickKey);
      }
    },
  );
}

/** Only the clicker is told why their click changed nothing. */
export async function refuse(flows: SlackFlows, click: Click, message: string): Promise<void> {
  flows.logger.warn({ user: click.user, runId: click.runId, refusal: message }, "click refused");
  await flows.messenger.ephemeral(
    { channel: click.channel, user: click.user, ...(click.threadTs ? { threadTs: click.threadTs } : {}) },
    renderRefusal(message),
  );
}

/** The cluster a run belongs to: from memory, or (after a restart) from each cluster's journal. */
async function clusterOfRun(
  flows: SlackFlows,
  runId: string,
): Promise<{ cluster: ClusterHandle; remediation: RemediationPort; run: RunSummary | null } | null> {
  const known = flows.plans.clusterOf(runId);
  if (known !== undefined) {
    const cluster = await flows.clusters.open(known);
    if (cluster.remediation) return { cluster, remediation: cluster.remediation, run: null };
  }
  for (const name of flows.clusters.names()) {
    const cluster = await flows.clusters.open(name).catch(() => null);
    if (!cluster?.remediation) continue;
    const runs = await cluster.remediation.recentRuns().catch(() => []);
    const run = runs.find((r) => r.id === runId);
    if (run) return { cluster, remediation: cluster.remediation, run };
  }
  return null;
}

/** Dry run: every command the plan would send, in the thread; nothing changes. */
/**
 * Anyone in the channel may click Dry run, and each click re-diagnoses the whole cluster: one per run per this long.
 * The steps it showed stay in the thread meanwhile.
 */
export const DRY_RUN_INTERVAL_MS = 60_000;
const lastDryRun = new WeakMap<SlackFlows, Map<string, number>>();

/** Null when a dry run of this run may start now (and records it); otherwise why not. */
function dryRunTooSoon(flows: SlackFlows, runId: string, now = Date.now()): string | null {
  const byRun = lastDryRun.get(flows) ?? new Map<string, number>();
  lastDryRun.set(flows, byRun);
  const last = byRun.get(runId);
  if (last !== undefined && now - last < DRY_RUN_INTERVAL_MS) {
    const wait = Math.ceil((DRY_RUN_INTERVAL_MS - (now - last)) / 1000);
    return `A dry run of this plan was shown less than a minute ago (its steps are in the thread); the next may start in ${wait}s.`;
  }
  byRun.set(runId, now);
  return null;
}

export function dryRunClick(flows: SlackFlows, click: Click): void {
  onClick(flows, "dry-run", click, async (remediation, cluster) => {
    const tooSoon = dryRunTooSoon(flows, click.runId);
    if (tooSoon !== null) {
      await refuse(flows, click, tooSoon);
      return;
    }
    const thread = flows.plans.threadOf(click);
    const result = await workflowFor(cluster, remediation).dryRun(click.runId);
    if (result.status === "dry-run") {
      await flows.messenger.post(
        thread,
        renderDryRunSteps(result.plan),
        `${click.runId}:dry-run:${click.messageTs}`,
      );
    } else if (result.status === "refused") {
      await refuse(flows, click, result.message);
    } else {
      await flows.messenger.post(thread, renderNotice(result.message), `${click.runId}:dry-run-result`);
    }
  });
}

export function rejectClick(flows: SlackFlows, click: Click): void {
  onClick(flows, "reject", click, async (remediation, cluster) => {
    const outcome = await workflowFor(cluster, remediation).reject(
      click.runId,
      await actorFor(flows, click.user),
    );
    if (outcome.status === "refused") {
      await refuse(flows, click, outcome.message);
      return;
    }
    flows.plans.rememberClicked(click);
    await flows.plans.setState(click.runId, {
      kind: "rejected",
      by: click.user,
      at: new Date().toISOString(),
    });
  });
}

/** Stop: the service stops the run after its current step; the progress message says who asked. */
export function stopClick(flows: SlackFlows, click: Click): void {
  onClick(flows, "stop", click, async (remediation) => {
    const outcome = await remediation.stop(click.runId, await actorFor(flows, click.user));
    if (outcome.status === "refused") {
      await refuse(flows, click, outcome.message);
      return;
    }
    flows.plans.run(click.runId)?.reporter.stopRequested(click.user);
  });
}
