/**
 * What the bot's own incident threads share with `/cni fix`: diagnosing a cluster (scoped as asked), posting the
 * diagnosis the way the diagnosis flow does, and, when fixing is set up and something is wrong, the plan to approve
 * (proposeInThread, as `/cni fix` offers it). Nobody asked in Slack, so the bot's own user stands as the requester:
 * the approval gate's rules then still need a human approver.
 */
import { type Diagnosis, unusableApiServer } from "../../diagnosis/index.ts";
import type { DiagnoseScope } from "../../remediation/workflow.ts";
import { renderError } from "../blocks/messages.ts";
import type { ClusterHandle } from "../clusters.ts";
import { diagnosisOf, workflowFor } from "../flows/cluster-workflow.ts";
import type { SlackFlows } from "../flows/context.ts";
import { postDiagnosis } from "../flows/diagnose.ts";
import { proposeInThread } from "../flows/propose.ts";
import { ThreadPosts } from "../flows/thread-posts.ts";
import type { ThreadRef } from "../messenger.ts";

export type Scope = Parameters<DiagnoseScope>[0];

/** A diagnosis, or why there is none (the API server could not be used, or the diagnosis failed). */
export type DiagnosisOutcome = { diagnosis: Diagnosis } | { failed: string; next: string };

export async function diagnoseQuietly(
  flows: SlackFlows,
  cluster: ClusterHandle,
  scope: Scope,
): Promise<DiagnosisOutcome> {
  const diagnose = diagnosisOf(cluster, {
    ...(flows.settings.diagnoseConcurrency ? { concurrency: flows.settings.diagnoseConcurrency } : {}),
  });
  try {
    const diagnosis = await diagnose(scope);
    flows.onDiagnosed(diagnosis);
    const unusable = unusableApiServer(diagnosis);
    return unusable ? { failed: unusable.what, next: unusable.check } : { diagnosis };
  } catch (err) {
    flows.onDiagnosed(null);
    return {
      failed: (err as Error).message,
      next: "Check that the API server is reachable from the bot and that its credentials are valid.",
    };
  }
}

/** The bot's own Slack user id (auth.test), the requester of the plans it offers unasked; cached per flows. */
const botUsers = new WeakMap<SlackFlows, Promise<string>>();
export function botUserId(flows: SlackFlows): Promise<string> {
  let known = botUsers.get(flows);
  if (!known) {
    known = flows.messenger
      .call("auth.test", {})
      .then((r) => String(r.user_id ?? "cni-doctor"))
      .catch(() => "cni-doctor");
    botUsers.set(flows, known);
  }
  return known;
}

/**
 * The diagnosis (or why there is none) into the thread, then the plan when fixing is set up and the diagnosis calls
 * for one. Slack refusing a message never ends it: the thread gets one note about what it could not show.
 */
export async function postDiagnosisAndPlan(
  flows: SlackFlows,
  input: { cluster: ClusterHandle; thread: ThreadRef; outcome: DiagnosisOutcome; key: string; scope: Scope },
): Promise<void> {
  const { cluster, thread, outcome, key } = input;
  const posts = new ThreadPosts(flows, thread);
  try {
    if ("failed" in outcome) {
      await posts.post(
        renderError("The cluster could not be diagnosed", outcome.failed, outcome.next, cluster.identity),
        `${key}:diagnose-error`,
        "why the diagnosis could not run",
      );
      return;
    }
    await postDiagnosis(flows, posts, thread, outcome.diagnosis, key);
    const remediation = cluster.remediation;
    if (!remediation) return;
    const workflow = workflowFor(cluster, remediation, {
      diagnose: (scope) => diagnosisOf(cluster)(scope),
    });
    if (!workflow.needsFix(outcome.diagnosis)) return;
    await proposeInThread(flows, {
      cluster,
      workflow,
      diagnosis: outcome.diagnosis,
      user: await botUserId(flows),
      thread,
      key,
      posts,
    });
  } finally {
    await posts.reportLost(key, "`cni-doctor diagnose` at a terminal shows the whole diagnosis.");
  }
}
