/**
 * Diagnose into a thread: a status message first (the parent of a new thread for a slash command, the first reply
 * for a mention or shortcut), the diagnosis as a card (card.ts: its Details and Fix… buttons), runs that left nodes
 * half-done, and, for `fix`, the plan to approve (from the thread's fresh card when there is one).
 */
import { type Diagnosis, unusableApiServer } from "../../diagnosis/index.ts";
import { diagnosisHeadline } from "../blocks/diagnosis.ts";
import {
  type ParentStatus,
  renderError,
  renderHalfDone,
  renderNotice,
  renderParent,
} from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import type { CniRequest } from "../command-parser.ts";
import { SlackDeliveryError, type ThreadRef } from "../messenger.ts";
import type { RemediationPort } from "../remediation-port.ts";
import { postCard } from "./card.ts";
import { diagnosisOf, workflowFor } from "./cluster-workflow.ts";
import { inBackground, openCluster, type RequestContext, type SlackFlows } from "./context.ts";
import { DiagnosisCards, type ParentRef } from "./diagnosis-cards.ts";
import { proposeInThread } from "./propose.ts";
import { ThreadPosts } from "./thread-posts.ts";

export type DiagnoseRequest = Extract<CniRequest, { kind: "diagnose" | "fix" }>;

/** `diagnose` or `fix`, from a command, a mention or the shortcut; runs as a job. */
export function startDiagnosis(flows: SlackFlows, request: DiagnoseRequest, ctx: RequestContext): void {
  inBackground(flows, request.kind, ctx, () => diagnoseIntoThread(flows, request, ctx));
}

async function diagnoseIntoThread(flows: SlackFlows, request: DiagnoseRequest, ctx: RequestContext) {
  const cluster = await openCluster(flows, request.cluster, ctx);
  if (!cluster) return;
  if (!(await firstToClaim(flows, cluster, ctx))) return;
  const requestWords = `${request.kind}${request.namespace ? ` ${request.namespace}` : ""}${request.node ? ` --node ${request.node}` : ""} (${cluster.name})`;
  const key = `${ctx.channel}:${ctx.threadTs ?? "new"}:${ctx.user}:${Date.now()}:${Math.random()}`;
  const parentInput = { cluster: cluster.identity, requestedBy: ctx.user, request: requestWords };
  // A slash command starts a thread with a parent message in the channel; a mention or shortcut answers in its
  // thread, where the same status message is the first reply.
  const statusTs = await postParent(
    flows,
    ctx,
    renderParent({ ...parentInput, status: { kind: "diagnosing" } }),
    key,
  );
  if (statusTs === null) return;
  const thread: ThreadRef = { channel: ctx.channel, threadTs: ctx.threadTs ?? statusTs };
  // Every later message may be refused by Slack without ending the diagnosis: ThreadPosts notes it and goes on.
  const posts = new ThreadPosts(flows, thread);
  const parent: ParentRef = {
    channel: ctx.channel,
    ts: statusTs,
    render: (status) => renderParent({ ...parentInput, status }),
  };
  const setStatus = (status: ParentStatus) =>
    posts.update(statusTs, parent.render(status), "the status at the top of the thread");
  try {
    await diagnoseWithPosts(flows, { request, ctx, cluster, thread, posts, setStatus, parent, key });
  } catch (err) {
    // Once the thread exists, what went wrong belongs in it, not at the channel's top level.
    flows.logger.error({ job: request.kind, err: (err as Error).message }, "the diagnosis flow failed");
    await setStatus({ kind: "failed", words: "something went wrong" });
    await posts.post(
      renderError(
        "Something went wrong",
        (err as Error).message,
        "The error is logged; try again, and if it persists, check the bot's logs.",
      ),
      `${key}:flow-error`,
      "what went wrong",
    );
  } finally {
    await posts.reportLost(
      key,
      "`cni-doctor diagnose` at a terminal shows the whole diagnosis, and `/cni status` any plan made.",
    );
  }
}

interface DiagnosisThread {
  request: DiagnoseRequest;
  ctx: RequestContext;
  cluster: NonNullable<Awaited<ReturnType<typeof openCluster>>>;
  thread: ThreadRef;
  posts: ThreadPosts;
  setStatus: (status: ParentStatus) => Promise<boolean>;
  parent: ParentRef;
  key: string;
}

async function diagnoseWithPosts(flows: SlackFlows, t: DiagnosisThread): Promise<void> {
  const { request, ctx, cluster, thread, posts, setStatus, parent, key } = t;
  const scope = {
    ...(request.namespace ? { namespace: request.namespace } : {}),
    ...(request.node ? { node: request.node } : {}),
  };
  if (request.kind === "fix" && (await planFromFreshCard(flows, t, scopeOf(scope)))) return;
  const concurrency = flows.settings.diagnoseConcurrency
    ? { concurrency: flows.settings.diagnoseConcurrency }
    : {};
  const nodesUnreachable = (err: Error) =>
    posts
      .post(
        renderError(
          "Cannot reach the nodes",
          err.message,
          "Diagnosing from the cluster side only; check the nodes file.",
          cluster.identity,
        ),
        `${key}:nodes-error`,
        "why the nodes could not be reached",
      )
      .then(() => undefined);
  // The run's drift check and verification (workflowFor below) read the cluster afresh, never a shared diagnosis.
  const diagnose = diagnosisOf(cluster, { ...concurrency, onNodesUnreachable: nodesUnreachable });
  // Asked while the same diagnosis is running (several people, one incident): join it rather than read it all again.
  const sharedKey = `${cluster.name}\n${scope.namespace ?? ""}\n${scope.node ?? ""}`;
  const diagnosis = await diagnosisOrSaid(flows, t, () =>
    flows.diagnoses.diagnose(
      sharedKey,
      (tellThreads) => diagnosisOf(cluster, { ...concurrency, onNodesUnreachable: tellThreads })(scope),
      nodesUnreachable,
    ),
  );
  if (!diagnosis) return;
  const remediation = cluster.remediation;
  // Fix… only where a plan exists; a `fix` request proposes below anyway.
  const fixable =
    request.kind === "diagnose" && remediation !== null && (await planExists(remediation, diagnosis));
  await postCard(
    flows,
    posts,
    { id: DiagnosisCards.newId(), cluster: cluster.name, diagnosis, thread, parent },
    fixable,
  );
  const headline = diagnosisHeadline(diagnosis);
  // A node whose CNI config a run moved aside looks broken for that reason: say so before any new plan.
  const halfDone = remediation ? renderHalfDone(await remediation.halfDoneRuns()) : null;
  if (halfDone) await posts.post(halfDone, `${key}:half-done`, "the runs that left files moved aside");
  const workflow = remediation ? workflowFor(cluster, remediation, { diagnose }) : null;
  if (request.kind === "diagnose" || !workflow?.needsFix(diagnosis) || !remediation) {
    await setStatus({ kind: "diagnosed", headline });
    if (request.kind === "fix" && !remediation) {
      await posts.post(
        renderNotice(
          "Fixing is not set up for this cluster (no remediation service); the diagnosis above is all cni-doctor can do here.",
        ),
        `${key}:no-remediation`,
        "that fixing is not set up here",
      );
    }
    return;
  }
  const waiting = await proposeInThread(flows, {
    cluster,
    workflow,
    diagnosis,
    user: ctx.user,
    thread,
    key,
    posts,
    parent,
  });
  await setStatus({ kind: waiting ? "planned" : "diagnosed", headline });
}

/** The diagnosis, or null after the thread says why there is none (it could not run, or the API server was unusable). */
async function diagnosisOrSaid(
  flows: SlackFlows,
  t: DiagnosisThread,
  diagnose: () => Promise<Diagnosis>,
): Promise<Diagnosis | null> {
  const { cluster, posts, setStatus, key } = t;
  let diagnosis: Diagnosis;
  try {
    diagnosis = await diagnose();
  } catch (err) {
    flows.onDiagnosed(null);
    await setStatus({ kind: "failed", words: "the diagnosis could not run" });
    await posts.post(
      renderError(
        "The cluster could not be diagnosed",
        (err as Error).message,
        "Check that the API server is reachable from the bot and that its credentials are valid, then try again.",
        cluster.identity,
      ),
      `${key}:diagnose-error`,
      "why the diagnosis could not run",
    );
    return null;
  }
  flows.onDiagnosed(diagnosis);
  const unusable = unusableApiServer(diagnosis);
  if (unusable) {
    // Nothing was read: the one cause, as the terminal says it, not the same failure once per check.
    await setStatus({ kind: "failed", words: "the API server could not be used" });
    await posts.post(
      renderError("The cluster could not be diagnosed", unusable.what, unusable.check, cluster.identity),
      `${key}:diagnose-error`,
      "why the API server could not be used",
    );
    return null;
  }
  return diagnosis;
}

/**
 * `fix` right after a diagnosis in the same thread plans from that diagnosis: the thread already shows it, and the
 * plan is checked against a fresh one before it runs anyway (the drift check). False when there is no fresh card.
 */
async function planFromFreshCard(
  flows: SlackFlows,
  t: DiagnosisThread,
  scope: Diagnosis["scope"],
): Promise<boolean> {
  const { cluster, ctx, thread, key, posts, parent } = t;
  const fresh = flows.cards.freshIn(thread, cluster.name, scope);
  if (!fresh || !cluster.remediation) return false;
  const workflow = workflowFor(cluster, cluster.remediation);
  if (!workflow.needsFix(fresh.diagnosis)) {
    await t.setStatus({ kind: "diagnosed", headline: diagnosisHeadline(fresh.diagnosis) });
    return true;
  }
  const waiting = await proposeInThread(flows, {
    ...{ cluster, workflow, diagnosis: fresh.diagnosis, user: ctx.user, thread, key, posts, parent },
  });
  await t.setStatus({
    kind: waiting ? "planned" : "diagnosed",
    headline: diagnosisHeadline(fresh.diagnosis),
  });
  return true;
}

function scopeOf(scope: { namespace?: string; node?: string }): Diagnosis["scope"] {
  return { namespace: scope.namespace ?? null, node: scope.node ?? null };
}

/** Whether a plan would change anything: planning is pure (nothing journaled); a failure to plan says no. */
export async function planExists(remediation: RemediationPort, diagnosis: Diagnosis): Promise<boolean> {
  try {
    return !(await remediation.plan(diagnosis)).nothingToDo;
  } catch {
    return false;
  }
}

/**
 * The thread's first message. When Slack will not take it there is no thread to report in: the person is told
 * privately why (as far as Slack lets even that through), the log has it, and null ends the request.
 */
async function postParent(flows: SlackFlows, ctx: RequestContext, parent: Message, key: string) {
  const where = ctx.threadTs ? { channel: ctx.channel, threadTs: ctx.threadTs } : { channel: ctx.channel };
  try {
    return await flows.messenger.post(where, parent, `${key}:parent`);
  } catch (err) {
    if (!(err instanceof SlackDeliveryError)) throw err;
    flows.logger.warn(
      { channel: ctx.channel, user: ctx.user, slackError: err.slackError },
      "the diagnosis thread could not be started in Slack",
    );
    await flows.messenger
      .ephemeral(
        { channel: ctx.channel, user: ctx.user, ...(ctx.threadTs ? { threadTs: ctx.threadTs } : {}) },
        renderNotice(
          `cni-doctor could not post here (${err.message}), so nothing was diagnosed from this request. \`cni-doctor diagnose\` at a terminal works without Slack.`,
        ),
      )
      .catch(() => undefined);
    return null;
  }
}

/**
 * Takes the request in the cluster, so another replica (or this one after a restart) drops a replay or re-delivery
 * of it. Where the claim cannot be written (no remediation set up, the API server failing) the request goes on: a
 * diagnosis twice is better than none in an incident.
 */
async function firstToClaim(
  flows: SlackFlows,
  cluster: NonNullable<Awaited<ReturnType<typeof openCluster>>>,
  ctx: RequestContext,
): Promise<boolean> {
  if (!ctx.requestId || !cluster.remediation) return true;
  try {
    if (await cluster.remediation.claimRequest(ctx.requestId)) return true;
    flows.logger.warn(
      { channel: ctx.channel, user: ctx.user },
      "request already taken (a replay, or a re-delivery another replica answered): ignored",
    );
    return false;
  } catch (err) {
    flows.logger.warn(
      { err: (err as Error).message },
      "could not record the request in the cluster; answering it (a replay could be answered twice)",
    );
    return true;
  }
}
