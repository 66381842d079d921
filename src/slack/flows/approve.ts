/**
 * Approve, and execute when the approval completes the quorum: the plan message shows each approval; the run
 * reports into the plan's thread; a run refused at the last moment says why, and one refused because the cluster
 * changed is followed by a fresh plan in the same thread.
 */
import type { Plan } from "../../remediation/plan.ts";
import type { ApprovalOutcome, RunResult } from "../../remediation/run.ts";
import { renderError, renderNotice } from "../blocks/messages.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { ThreadRef } from "../messenger.ts";
import type { RemediationPort } from "../remediation-port.ts";
import { ThreadReporter } from "../thread-reporter.ts";
import { type Click, onClick, refuse } from "./clicks.ts";
import { workflowFor } from "./cluster-workflow.ts";
import { actorFor, type SlackFlows } from "./context.ts";
import { withParentProgress } from "./parent-progress.ts";
import { proposeInThread } from "./propose.ts";
import { ThreadPosts } from "./thread-posts.ts";

export function approveClick(flows: SlackFlows, click: Click): void {
  onClick(flows, "approve", click, async (remediation, cluster) => {
    // Where the run will report, found before the approval is recorded: an approval that could not report (a plan
    // posted before a restart, with the journal unreadable) fails closed, the run still pending and its buttons kept.
    const target = await reportTarget(flows, click, remediation);
    if (typeof target === "string") {
      await refuse(
        flows,
        click,
        `${target}; your approval was not recorded and run ${click.runId} stays pending. Try again in a moment, or approve at a terminal with \`cni-doctor approve ${click.runId}\`.`,
      );
      return;
    }
    const approver = await actorFor(flows, click.user);
    let reporter: ThreadReporter | undefined;
    let parentProgress: ReturnType<typeof withParentProgress> | undefined;
    let started = false;
    // Slack refusing a message (the plan's new state, a progress update) never stops the run: noted, said once.
    const posts = new ThreadPosts(flows, target.thread);
    const workflow = workflowFor(cluster, remediation, {
      progress: async () => {
        started = true;
        flows.plans.rememberClicked(click);
        await posts.attempt("the plan message's approved state", () =>
          flows.plans.setState(click.runId, { kind: "approved", approvals: approvalsSoFar(flows, click) }),
        );
        reporter = await startReporter(flows, click.runId, cluster, target, posts);
        parentProgress = withParentProgress(reporter, flows.plans.plan(click.runId)?.parent, posts);
        return parentProgress;
      },
    });
    try {
      const step = await workflow.approve(click.runId, approver);
      if (step.kind === "not-approved") {
        await showApproval(flows, click, step.approval);
        return;
      }
      await reporter?.settled();
      await parentProgress?.settled();
      if (step.result.status !== "refused") return;
      await showRefusedRun(flows, posts, click.runId, step.result, cluster);
      if (step.replan) {
        const fresh = await workflow.diagnose();
        await proposeInThread(flows, {
          cluster,
          workflow,
          diagnosis: fresh,
          user: flows.plans.plan(click.runId)?.view.requestedBy ?? click.user,
          thread: target.thread,
          key: `${click.runId}:drift`,
          posts,
        });
      }
    } finally {
      // Only the click that started the run ends it: a further click on a running run must not detach its Stop.
      if (started) flows.plans.runEnded(click.runId);
      await posts.reportLost(
        `${click.runId}:approve`,
        `\`cni-doctor runs\` at a terminal (or \`/cni status\`) shows run ${click.runId} as it is.`,
      );
    }
  });
}

/** The approvals the plan message shows: those so far, and this clicker's (once). */
function approvalsSoFar(flows: SlackFlows, click: Click): { userId: string; at: string }[] {
  const tracked = flows.plans.plan(click.runId);
  const previous = tracked && "approvals" in tracked.view.state ? tracked.view.state.approvals : [];
  return previous.some((a) => a.userId === click.user)
    ? previous
    : [...previous, { userId: click.user, at: new Date().toISOString() }];
}

/** An approval that did not start the run: counted, repeated, or refused. */
async function showApproval(
  flows: SlackFlows,
  click: Click,
  outcome: Exclude<ApprovalOutcome, { status: "approved" }>,
): Promise<void> {
  flows.plans.rememberClicked(click);
  switch (outcome.status) {
    case "refused":
      if (outcome.reason === "expired") {
        const expiresAt = outcome.run?.expiresAt ?? new Date().toISOString();
        await flows.plans.setState(click.runId, { kind: "expired", at: expiresAt });
      }
      await refuse(flows, click, outcome.message);
      return;
    case "already-approved":
      // A double click or a retried delivery: nothing changed, and nothing more is said in the channel.
      await flows.messenger.ephemeral(
        {
          channel: click.channel,
          user: click.user,
          ...(click.threadTs ? { threadTs: click.threadTs } : {}),
        },
        renderNotice(outcome.message),
      );
      return;
    case "recorded":
      await flows.plans.setState(click.runId, { kind: "pending", approvals: approvalsSoFar(flows, click) });
      return;
  }
}

/** The progress message in the plan's thread, posted before the run starts; its Stop button reaches the run. */
async function startReporter(
  flows: SlackFlows,
  runId: string,
  cluster: ClusterHandle,
  target: ReportTarget,
  posts: ThreadPosts,
): Promise<ThreadReporter> {
  const reporter = new ThreadReporter({
    messenger: flows.messenger,
    thread: target.thread,
    runId,
    plan: target.plan,
    dryRun: false,
    ...(flows.settings.progressIntervalMs !== undefined
      ? { minUpdateIntervalMs: flows.settings.progressIntervalMs }
      : {}),
    onSlackError: (err) => {
      flows.logger.warn({ runId, err: err.message }, "progress could not be shown in Slack");
      posts.recordLost("a progress update", err);
    },
  });
  flows.plans.runStarted(runId, { cluster: cluster.name, reporter });
  await reporter.start();
  return reporter;
}

/** The thread a run reports into and the plan it carries out. */
interface ReportTarget {
  thread: ThreadRef;
  plan: Plan;
}

/**
 * From this process's plan message, or, for a plan posted before a restart, from the journal: its plan and the
 * thread it was asked for in (the run's origin; the clicked message's thread for records without one). A string
 * says why neither can be had.
 */
async function reportTarget(
  flows: SlackFlows,
  click: Click,
  remediation: RemediationPort,
): Promise<ReportTarget | string> {
  const tracked = flows.plans.plan(click.runId);
  if (tracked) return { thread: tracked.thread, plan: tracked.view.plan };
  let journaled: Awaited<ReturnType<RemediationPort["planOf"]>>;
  try {
    journaled = await remediation.planOf(click.runId);
  } catch (err) {
    return `The bot restarted since this plan was posted and could not read run ${click.runId} from the journal (${(err as Error).message})`;
  }
  if (!journaled) return `Run ${click.runId} is not in this cluster's journal`;
  const { origin, plan } = journaled;
  return {
    thread: origin ? { channel: origin.channel, threadTs: origin.threadTs } : flows.plans.threadOf(click),
    plan,
  };
}

/** A run the service refused after the approval: the plan message and the thread say why. */
async function showRefusedRun(
  flows: SlackFlows,
  posts: ThreadPosts,
  runId: string,
  result: Extract<RunResult, { status: "refused" }>,
  cluster: ClusterHandle,
): Promise<void> {
  const drift = result.reason === "drift";
  await posts.attempt("the plan message's new state", () =>
    flows.plans.setState(
      runId,
      drift
        ? { kind: "superseded", reason: `${result.message} A new plan follows.` }
        : { kind: "refused", reason: result.message },
    ),
  );
  await posts.post(
    renderError(
      "The fix did not run",
      result.message,
      drift ? "The cluster changed since the plan was made." : "Nothing was changed.",
      cluster.identity,
    ),
    `${runId}:refused`,
    "why the fix did not run",
  );
}
