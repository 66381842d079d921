/**
 * Diagnose into a thread: a status message first (the parent of a new thread for a slash command, the first reply
 * for a mention or shortcut), the diagnosis as a summary and one message per finding, the whole diagnosis as a file
 * when the messages had to be cut, and, for `fix`, the plan to approve.
 */
import { type Diagnosis, unusableApiServer } from "../../diagnosis/index.ts";
import { diagnosisHeadline, renderDiagnosis } from "../blocks/diagnosis.ts";
import {
  type ParentStatus,
  renderError,
  renderHalfDone,
  renderNotice,
  renderParent,
} from "../blocks/messages.ts";
import type { CniRequest } from "../command-parser.ts";
import type { ThreadRef } from "../messenger.ts";
import { diagnosisOf, workflowFor } from "./cluster-workflow.ts";
import { inBackground, openCluster, type RequestContext, type SlackFlows } from "./context.ts";
import { proposeInThread } from "./propose.ts";

export type DiagnoseRequest = Extract<CniRequest, { kind: "diagnose" | "fix" }>;

/** `diagnose` or `fix`, from a command, a mention or the shortcut; runs as a job. */
export function startDiagnosis(flows: SlackFlows, request: DiagnoseRequest, ctx: RequestContext): void {
  inBackground(flows, request.kind, ctx, () => diagnoseIntoThread(flows, request, ctx));
}

async function diagnoseIntoThread(flows: SlackFlows, request: DiagnoseRequest, ctx: RequestContext) {
  const cluster = await openCluster(flows, request.cluster, ctx);
  if (!cluster) return;
  const requestWords = `${request.kind}${request.namespace ? ` ${request.namespace}` : ""}${request.node ? ` --node ${request.node}` : ""} (${cluster.name})`;
  const key = `${ctx.channel}:${ctx.threadTs ?? "new"}:${ctx.user}:${Date.now()}:${Math.random()}`;
  const parentInput = { cluster: cluster.identity, requestedBy: ctx.user, request: requestWords };
  // A slash command starts a thread with a parent message in the channel; a mention or shortcut answers in its
  // thread, where the same status message is the first reply.
  const statusTs = await flows.messenger.post(
    ctx.threadTs ? { channel: ctx.channel, threadTs: ctx.threadTs } : { channel: ctx.channel },
    renderParent({ ...parentInput, status: { kind: "diagnosing" } }),
    `${key}:parent`,
  );
  const thread: ThreadRef = { channel: ctx.channel, threadTs: ctx.threadTs ?? statusTs };
  const setStatus = (status: ParentStatus) =>
    flows.messenger.update({ channel: ctx.channel, ts: statusTs }, renderParent({ ...parentInput, status }));

  const diagnose = diagnosisOf(cluster, {
    ...(flows.settings.diagnoseConcurrency ? { concurrency: flows.settings.diagnoseConcurrency } : {}),
    onNodesUnreachable: (err) =>
      flows.messenger
        .post(
          thread,
          renderError(
            "Cannot reach the nodes",
            err.message,
            "Diagnosing from the cluster side only; check the nodes file.",
            cluster.identity,
          ),
          `${key}:nodes-error`,
        )
        .then(() => undefined),
  });
  let diagnosis: Diagnosis;
  try {
    diagnosis = await diagnose({
      ...(request.namespace ? { namespace: request.namespace } : {}),
      ...(request.node ? { node: request.node } : {}),
    });
  } catch (err) {
    flows.onDiagnosed(null);
    await setStatus({ kind: "failed", words: "the diagnosis could not run" });
    await flows.messenger.post(
      thread,
      renderError(
        "The cluster could not be diagnosed",
        (err as Error).message,
        "Check that the API server is reachable from the bot and that its credentials are valid, then try again.",
        cluster.identity,
      ),
      `${key}:diagnose-error`,
    );
    return;
  }
  flows.onDiagnosed(diagnosis);
  const unusable = unusableApiServer(diagnosis);
  if (unusable) {
    // Nothing was read: the one cause, as the terminal says it, not the same failure once per check.
    await setStatus({ kind: "failed", words: "the API server could not be used" });
    await flows.messenger.post(
      thread,
      renderError("The cluster could not be diagnosed", unusable.what, unusable.check, cluster.identity),
      `${key}:diagnose-error`,
    );
    return;
  }
  await postDiagnosis(flows, thread, diagnosis, key);
  const headline = diagnosisHeadline(diagnosis);
  const remediation = cluster.remediation;
  // A node whose CNI config a run moved aside looks broken for that reason: say so before any new plan.
  const halfDone = remediation ? renderHalfDone(await remediation.halfDoneRuns()) : null;
  if (halfDone) await flows.messenger.post(thread, halfDone, `${key}:half-done`);
  const workflow = remediation ? workflowFor(cluster, remediation, { diagnose }) : null;
  if (request.kind === "diagnose" || !workflow?.needsFix(diagnosis) || !remediation) {
    await setStatus({ kind: "diagnosed", headline });
    if (request.kind === "fix" && !remediation) {
      await flows.messenger.post(
        thread,
        renderNotice(
          "Fixing is not set up for this cluster (no remediation service); the diagnosis above is all cni-doctor can do here.",
        ),
        `${key}:no-remediation`,
      );
    }
    return;
  }
  const waiting = await proposeInThread(flows, { cluster, workflow, diagnosis, user: ctx.user, thread, key });
  await setStatus({ kind: waiting ? "planned" : "diagnosed", headline });
}

/** The summary, a message per finding, and the whole diagnosis as a file when the messages had to be cut. */
async function postDiagnosis(flows: SlackFlows, thread: ThreadRef, diagnosis: Diagnosis, key: string) {
  const rendered = renderDiagnosis(diagnosis);
  await flows.messenger.post(thread, rendered.summary, `${key}:summary`);
  for (const [i, finding] of rendered.findings.entries()) {
    await flows.messenger.post(thread, finding, `${key}:finding:${i}`);
  }
  if (rendered.truncated) {
    await flows.messenger.attachIfPossible(
      thread,
      { filename: "diagnosis.json", title: "Full diagnosis", content: JSON.stringify(diagnosis, null, 2) },
      `${key}:diagnosis-file`,
      "The messages above are cut short; `cni-doctor diagnose --json` at a terminal gives the whole diagnosis.",
    );
  }
}
