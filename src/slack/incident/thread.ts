/**
 * What the bot's own incident threads share with `/cni diagnose`: diagnosing a cluster (scoped as asked) and posting
 * the diagnosis card (with Fix… when a plan exists). Nobody asked in Slack, so no plan is proposed until a person
 * clicks Fix…: that person is the requester, and the two-person rule holds.
 */
import { type Diagnosis, unusableApiServer } from "../../diagnosis/index.ts";
import type { DiagnoseScope } from "../../remediation/workflow.ts";
import { renderError } from "../blocks/messages.ts";
import type { ClusterHandle } from "../clusters.ts";
import { postCard } from "../flows/card.ts";
import { diagnosisOf } from "../flows/cluster-workflow.ts";
import type { SlackFlows } from "../flows/context.ts";
import { planExists } from "../flows/diagnose.ts";
import { DiagnosisCards, type ParentRef } from "../flows/diagnosis-cards.ts";
import { ThreadPosts } from "../flows/thread-posts.ts";
import type { ThreadRef } from "../messenger.ts";
import { renderResolved } from "./blocks.ts";
import type { IncidentRecord } from "./records.ts";

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

/**
 * The diagnosis (or why there is none) into the thread as a card: the verdict, Fix… when a plan exists, Details for
 * the evidence. Nobody is asked to approve anything until a person clicks Fix… (they are then the requester, so the
 * two-person rule holds as for `/cni fix`). Slack refusing a message never ends it: the thread gets one note.
 */
export async function postDiagnosisCard(
  flows: SlackFlows,
  input: {
    cluster: ClusterHandle;
    thread: ThreadRef;
    outcome: DiagnosisOutcome;
    key: string;
    parent: ParentRef;
  },
): Promise<void> {
  const { cluster, thread, outcome, key, parent } = input;
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
    const remediation = cluster.remediation;
    const fixable = remediation !== null && (await planExists(remediation, outcome.diagnosis));
    await postCard(
      flows,
      posts,
      { id: DiagnosisCards.newId(), cluster: cluster.name, diagnosis: outcome.diagnosis, thread, parent },
      fixable,
    );
  } finally {
    await posts.reportLost(key, "`cni-doctor diagnose` at a terminal shows the whole diagnosis.");
  }
}

/**
 * The reply that says an incident is over (the watch's fresh diagnosis is healthy, or Alertmanager resolved the
 * alerts), once per incident. A refused post is logged: the parent already says resolved.
 */
export async function replyResolved(
  flows: SlackFlows,
  cluster: ClusterHandle,
  record: IncidentRecord,
  resolvedAt: string,
  why: string,
): Promise<void> {
  await flows.messenger
    .post(
      { channel: record.channel, threadTs: record.threadTs },
      renderResolved({ openedAt: record.openedAt, resolvedAt, why }),
      `${cluster.name}:${record.key}:${record.openedAt}:resolved`,
    )
    .catch((err: Error) =>
      flows.logger.warn({ err: err.message, incident: record.key }, "resolved reply not posted"),
    );
}
