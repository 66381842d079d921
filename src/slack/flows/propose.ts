/**
 * Propose a fix in the thread: a run in the journal (it remembers the thread, so a restarted bot can report there),
 * its plan as a message with Approve / Dry run / Reject buttons, the whole plan as a file when the message had to be
 * cut, and the plan tracked until it is decided or its approval window ends.
 */

import type { Diagnosis } from "../../diagnosis/index.ts";
import type { RemediationWorkflow } from "../../remediation/workflow.ts";
import { renderError, renderNotice } from "../blocks/messages.ts";
import { approvable, type PlanView, renderPlan } from "../blocks/plan.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { ThreadRef } from "../messenger.ts";
import type { RemediationPort, RunOrigin } from "../remediation-port.ts";
import { actorFor, type SlackFlows } from "./context.ts";
import type { ParentRef } from "./diagnosis-cards.ts";
import { ThreadPosts } from "./thread-posts.ts";

export interface ProposalRequest {
  cluster: ClusterHandle;
  workflow: RemediationWorkflow<RemediationPort>;
  diagnosis: Diagnosis;
  /** The Slack user the fix is for (who asked, or who asked for the plan a drift replaced). */
  user: string;
  thread: ThreadRef;
  /** Makes the error message's post idempotent. */
  key: string;
  /** The thread's posts when the caller reports lost messages itself (the diagnosis flow); else this flow does. */
  posts?: ThreadPosts;
  /** The message at the top of the work, which the run keeps current once approved. */
  parent?: ParentRef;
}

/** Posts the plan; true when it waits for an approver (it has steps to run and no policy limit refuses it). */
export async function proposeInThread(flows: SlackFlows, request: ProposalRequest): Promise<boolean> {
  if (request.posts) return proposeWithPosts(flows, request, request.posts);
  const posts = new ThreadPosts(flows, request.thread);
  try {
    return await proposeWithPosts(flows, request, posts);
  } finally {
    await posts.reportLost(
      request.key,
      "`/cni status` lists the run; `cni-doctor fix --dry-run` shows its plan.",
    );
  }
}

async function proposeWithPosts(flows: SlackFlows, request: ProposalRequest, posts: ThreadPosts) {
  const { cluster, thread } = request;
  const requestedBy = await actorFor(flows, request.user);
  const origin: RunOrigin = { kind: "slack", channel: thread.channel, threadTs: thread.threadTs };
  let proposed: Awaited<ReturnType<RemediationWorkflow["propose"]>>["proposed"];
  try {
    ({ proposed } = await request.workflow.propose(request.diagnosis, { requestedBy, origin }));
  } catch (err) {
    await posts.post(
      renderError(
        "No plan could be made",
        (err as Error).message,
        "The diagnosis above still stands; fix by hand or try again.",
        cluster.identity,
      ),
      `${request.key}:propose-error`,
      "why no plan could be made",
    );
    return false;
  }
  const view: PlanView = {
    runId: proposed.run.id,
    plan: proposed.plan,
    requestedBy: request.user,
    expiresAt: proposed.expiresAt,
    quorum: proposed.quorum,
    policyViolations: proposed.policyViolations,
    state: { kind: "pending", approvals: [] },
  };
  const rendered = renderPlan(view);
  const runId = proposed.run.id;
  const planTs = await posts.post(rendered.message, `${runId}:plan`, `the plan of run ${runId}`);
  if (planTs === null) {
    // The run is in the journal, pending: without its buttons it can still be approved where Slack is not needed.
    await posts.post(
      renderNotice(
        `The plan of run ${runId} could not be shown here, so it has no buttons; it waits in the journal. An approver can approve it at a terminal with \`cni-doctor approve ${runId}\`, or ask for a fresh plan with \`/cni fix\`.`,
      ),
      `${runId}:plan-not-shown`,
      `how to approve run ${runId} without its buttons`,
    );
    return false;
  }
  if (rendered.truncated) {
    await posts.attempt("the whole plan as a file", () =>
      flows.messenger.attachIfPossible(
        thread,
        {
          filename: "plan.json",
          title: "Full plan with every command",
          content: JSON.stringify(proposed.plan, null, 2),
        },
        `${runId}:plan-file`,
        `The plan above is cut short; \`cni-doctor fix --dry-run --json\` at a terminal prints it whole (run ${runId}).`,
      ),
    );
  }
  flows.plans.track(runId, {
    cluster: cluster.name,
    thread,
    planTs,
    view,
    ...(request.parent ? { parent: request.parent } : {}),
  });
  return approvable(view);
}
