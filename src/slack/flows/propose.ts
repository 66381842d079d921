/**
 * Propose a fix in the thread: a run in the journal (it remembers the thread, so a restarted bot can report there),
 * its plan as a message with Approve / Dry run / Reject buttons, the whole plan as a file when the message had to be
 * cut, and the plan tracked until it is decided or its approval window ends.
 */

import type { Diagnosis } from "../../diagnosis/index.ts";
import type { RemediationWorkflow } from "../../remediation/workflow.ts";
import { renderError } from "../blocks/messages.ts";
import { approvable, type PlanView, renderPlan } from "../blocks/plan.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { ThreadRef } from "../messenger.ts";
import type { RemediationPort, RunOrigin } from "../remediation-port.ts";
import { actorFor, type SlackFlows } from "./context.ts";

export interface ProposalRequest {
  cluster: ClusterHandle;
  workflow: RemediationWorkflow<RemediationPort>;
  diagnosis: Diagnosis;
  /** The Slack user the fix is for (who asked, or who asked for the plan a drift replaced). */
  user: string;
  thread: ThreadRef;
  /** Makes the error message's post idempotent. */
  key: string;
}

/** Posts the plan; true when it waits for an approver (it has steps to run and no policy limit refuses it). */
export async function proposeInThread(flows: SlackFlows, request: ProposalRequest): Promise<boolean> {
  const { cluster, thread } = request;
  const requestedBy = await actorFor(flows, request.user);
  const origin: RunOrigin = { kind: "slack", channel: thread.channel, threadTs: thread.threadTs };
  let proposed: Awaited<ReturnType<RemediationWorkflow["propose"]>>["proposed"];
  try {
    ({ proposed } = await request.workflow.propose(request.diagnosis, { requestedBy, origin }));
  } catch (err) {
    await flows.messenger.post(
      thread,
      renderError(
        "No plan could be made",
        (err as Error).message,
        "The diagnosis above still stands; fix by hand or try again.",
        cluster.identity,
      ),
      `${request.key}:propose-error`,
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
  const planTs = await flows.messenger.post(thread, rendered.message, `${proposed.run.id}:plan`);
  if (rendered.truncated) {
    await flows.messenger.attachIfPossible(
      thread,
      {
        filename: "plan.json",
        title: "Full plan with every command",
        content: JSON.stringify(proposed.plan, null, 2),
      },
      `${proposed.run.id}:plan-file`,
      `The plan above is cut short; \`cni-doctor fix --dry-run --json\` at a terminal prints it whole (run ${proposed.run.id}).`,
    );
  }
  flows.plans.track(proposed.run.id, { cluster: cluster.name, thread, planTs, view });
  return approvable(view);
}
