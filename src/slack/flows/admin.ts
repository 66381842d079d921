/**
 * The admin requests: `/cni status` (each cluster's pause state and recent runs, linked to their threads), `/cni
 * pause|resume` (the kill switch), and, at start, the report of runs an earlier process left interrupted.
 */
import type { ClusterIdentity } from "../../kube/types.ts";
import type { RunSummary } from "../../remediation/run.ts";
import { renderInterrupted, renderNotice, renderRefusal, renderStatus } from "../blocks/messages.ts";
import type { ThreadRef } from "../messenger.ts";
import type { RunOrigin } from "../remediation-port.ts";
import { actorFor, answer, openCluster, type RequestContext, type SlackFlows } from "./context.ts";

export async function showStatus(
  flows: SlackFlows,
  requested: string | undefined,
  ctx: RequestContext,
): Promise<void> {
  const names = requested ? [requested] : flows.clusters.names();
  const clusters: { identity: ClusterIdentity; paused: boolean }[] = [];
  const runs: { run: RunSummary; permalink: string | null }[] = [];
  for (const name of names) {
    const cluster = await openCluster(flows, name, ctx);
    if (!cluster) return;
    const paused = (await cluster.remediation?.isPaused()) ?? false;
    clusters.push({ identity: cluster.identity, paused });
    for (const run of (await cluster.remediation?.recentRuns()) ?? []) {
      const tracked = flows.plans.plan(run.id);
      runs.push({
        run,
        permalink: tracked ? await permalink(flows, tracked.thread).catch(() => null) : null,
      });
    }
  }
  await answer(flows, ctx, renderStatus({ clusters, runs }), "status");
}

async function permalink(flows: SlackFlows, thread: ThreadRef): Promise<string | null> {
  const result = await flows.messenger.call("chat.getPermalink", {
    channel: thread.channel,
    message_ts: thread.threadTs,
  });
  return typeof result.permalink === "string" ? result.permalink : null;
}

/** Who may pause or resume is the remediation port's rule; a refusal is told only to the person who asked. */
export async function pauseOrResume(
  flows: SlackFlows,
  pause: boolean,
  requested: string | undefined,
  ctx: RequestContext,
): Promise<void> {
  const cluster = await openCluster(flows, requested, ctx);
  if (!cluster) return;
  if (!cluster.remediation) {
    await answer(
      flows,
      ctx,
      renderNotice("Fixing is not set up for this cluster, so there is nothing to pause."),
      "pause",
    );
    return;
  }
  const actor = await actorFor(flows, ctx.user);
  try {
    if (pause) await cluster.remediation.pause(actor);
    else await cluster.remediation.resume(actor);
  } catch (err) {
    await flows.messenger.ephemeral(
      { channel: ctx.channel, user: ctx.user },
      renderRefusal((err as Error).message),
    );
    return;
  }
  await flows.messenger.post(
    ctx.threadTs ? { channel: ctx.channel, threadTs: ctx.threadTs } : { channel: ctx.channel },
    renderNotice(
      pause
        ? `Fixes on ${cluster.name} are paused by ${ctx.user}: no run starts, and a running one stops after its current step, until /cni resume.`
        : `Fixes on ${cluster.name} are allowed again (resumed by ${ctx.user}).`,
    ),
    `${pause ? "pause" : "resume"}:${cluster.name}:${Date.now()}`,
  );
}

/** At start: say in their threads which runs the last process left interrupted (from the journal). */
export async function reportInterruptedRuns(
  flows: SlackFlows,
  origins: (run: RunSummary) => RunOrigin | null,
): Promise<number> {
  let reported = 0;
  for (const name of flows.clusters.names()) {
    const cluster = await flows.clusters.open(name).catch((err: Error) => {
      flows.logger.warn({ cluster: name, err: err.message }, "cluster not reachable at start");
      return null;
    });
    if (!cluster?.remediation) continue;
    for (const run of await cluster.remediation.recentRuns()) {
      if (run.state !== "interrupted") continue;
      const origin = origins(run);
      if (!origin) continue;
      await flows.messenger.postOnce(
        { channel: origin.channel, threadTs: origin.threadTs },
        renderInterrupted(run, cluster.identity),
        `${run.id}:interrupted`,
      );
      reported += 1;
    }
  }
  return reported;
}
