/**
 * What the bot does for each request, after the listener has acked: diagnose into a thread, propose a plan, map
 * button clicks to the remediation service, report progress, and tell errors in plain words. Listeners call these
 * methods and return at once; anything slow runs on the JobRunner.
 */
import type { Diagnosis } from "../diagnosis/index.ts";
import { diagnoseCluster } from "../diagnosis/index.ts";
import type { Actor, ApprovalOutcome, ProposedRun, RunSummary } from "../remediation/run.ts";
import { diagnosisHeadline, renderDiagnosis } from "./blocks/diagnosis.ts";
import {
  type ParentStatus,
  renderError,
  renderHelp,
  renderInterrupted,
  renderNotice,
  renderParent,
  renderRefusal,
  renderStatus,
} from "./blocks/messages.ts";
import { type PlanState, type PlanView, renderPlan, renderPlanState } from "./blocks/plan.ts";
import { renderDryRunSteps } from "./blocks/run.ts";
import type { Block, Message } from "./blocks/types.ts";
import { ClusterChoiceError, type ClusterDirectory, type ClusterHandle, chooseCluster } from "./clusters.ts";
import type { CniRequest } from "./command-parser.ts";
import type { JobRunner } from "./jobs.ts";
import type { Messenger, ThreadRef } from "./messenger.ts";
import type { RemediationPort, RunOrigin } from "./remediation-port.ts";
import { ThreadReporter } from "./thread-reporter.ts";

export interface BotLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface BotSettings {
  channelDefaults: Record<string, string>;
  /** Approver entries from config; the user-group ones (S…) are resolved at click time to fill Actor.groups. */
  approverGroups: string[];
  /** How often chat.update may touch the progress message. */
  progressIntervalMs?: number;
  diagnoseConcurrency?: number;
}

/** Where a request came from and where to answer. */
export interface RequestContext {
  user: string;
  channel: string;
  /** Answer in this thread (mention or shortcut); absent for a slash command, which starts its own thread. */
  threadTs?: string;
  /** The words the person typed, for the parent message. */
  text: string;
}

export interface Click {
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

interface TrackedPlan {
  cluster: string;
  thread: ThreadRef;
  planTs: string;
  view: PlanView;
  expiryTimer: NodeJS.Timeout | null;
}

interface TrackedRun {
  cluster: string;
  reporter: ThreadReporter;
}

export class CniBot {
  private readonly messenger: Messenger;
  private readonly clusters: ClusterDirectory;
  private readonly jobs: JobRunner;
  private readonly logger: BotLogger;
  private readonly settings: BotSettings;
  private readonly plans = new Map<string, TrackedPlan>();
  private readonly runs = new Map<string, TrackedRun>();
  /** Plans made by an earlier process, known only from a click on their message. */
  private readonly untracked = new Map<
    string,
    { thread: ThreadRef; planTs: string; blocks: Block[]; text: string }
  >();
  /** Click ids handled or in flight: a double click (or a re-delivered action) is acted on once. */
  private readonly clicksInFlight = new Set<string>();
  private readonly onDiagnosed: (diagnosis: Diagnosis | null) => void;

  constructor(deps: {
    messenger: Messenger;
    clusters: ClusterDirectory;
    jobs: JobRunner;
    logger: BotLogger;
    settings: BotSettings;
    /** Each diagnosis asked for, or null when it could not run (metrics). */
    onDiagnosed?: (diagnosis: Diagnosis | null) => void;
  }) {
    this.onDiagnosed = deps.onDiagnosed ?? (() => undefined);
    this.messenger = deps.messenger;
    this.clusters = deps.clusters;
    this.jobs = deps.jobs;
    this.logger = deps.logger;
    this.settings = deps.settings;
  }

  helpMessage(problem?: string): Message {
    return renderHelp(problem, this.clusters.names());
  }

  /** A request from a slash command, a mention or a shortcut. Returns at once; the work runs as a job. */
  handle(request: CniRequest, ctx: RequestContext): void {
    switch (request.kind) {
      case "help":
        this.background("help", ctx, async () => {
          if (ctx.threadTs) {
            await this.messenger.post(
              { channel: ctx.channel, threadTs: ctx.threadTs },
              this.helpMessage(request.problem),
              `help:${ctx.channel}:${ctx.threadTs}:${ctx.text}:${Date.now()}`,
            );
          } else {
            await this.messenger.ephemeral(
              { channel: ctx.channel, user: ctx.user },
              this.helpMessage(request.problem),
            );
          }
        });
        return;
      case "diagnose":
      case "fix":
        this.background(request.kind, ctx, () => this.diagnoseIntoThread(request, ctx));
        return;
      case "status":
        this.background("status", ctx, () => this.status(request.cluster, ctx));
        return;
      case "pause":
      case "resume":
        this.background(request.kind, ctx, () =>
          this.pauseOrResume(request.kind === "pause", request.cluster, ctx),
        );
        return;
    }
  }

  private async diagnoseIntoThread(
    request: Extract<CniRequest, { kind: "diagnose" | "fix" }>,
    ctx: RequestContext,
  ): Promise<void> {
    const cluster = await this.openCluster(request.cluster, ctx);
    if (!cluster) return;
    const requestWords = `${request.kind}${request.namespace ? ` ${request.namespace}` : ""}${request.node ? ` --node ${request.node}` : ""} (${cluster.name})`;
    const key = `${ctx.channel}:${ctx.threadTs ?? "new"}:${ctx.user}:${Date.now()}:${Math.random()}`;
    const parentInput = { cluster: cluster.identity, requestedBy: ctx.user, request: requestWords };
    // A slash command starts a thread with a parent message in the channel; a mention or shortcut answers in its
    // thread, where the same status message is the first reply.
    const statusTs = await this.messenger.post(
      ctx.threadTs ? { channel: ctx.channel, threadTs: ctx.threadTs } : { channel: ctx.channel },
      renderParent({ ...parentInput, status: { kind: "diagnosing" } }),
      `${key}:parent`,
    );
    const thread: ThreadRef = { channel: ctx.channel, threadTs: ctx.threadTs ?? statusTs };
    const setStatus = (status: ParentStatus) =>
      this.messenger.update({ channel: ctx.channel, ts: statusTs }, renderParent({ ...parentInput, status }));

    let diagnosis: Diagnosis;
    const shell = await cluster.openNodeShell().catch(async (err: Error) => {
      await this.messenger.post(
        thread,
        renderError(
          "Cannot reach the nodes",
          err.message,
          "Diagnosing from the cluster side only; check the nodes file.",
          cluster.identity,
        ),
        `${key}:nodes-error`,
      );
      return null;
    });
    try {
      diagnosis = await diagnoseCluster(cluster.reader, {
        scope: {
          ...(request.namespace ? { namespace: request.namespace } : {}),
          ...(request.node ? { node: request.node } : {}),
        },
        ...(this.settings.diagnoseConcurrency ? { concurrency: this.settings.diagnoseConcurrency } : {}),
        ...(shell ? { nodeReader: shell } : {}),
      });
    } catch (err) {
      this.onDiagnosed(null);
      await setStatus({ kind: "failed", words: "the diagnosis could not run" });
      await this.messenger.post(
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
    } finally {
      await shell?.close();
    }

    this.onDiagnosed(diagnosis);
    const rendered = renderDiagnosis(diagnosis);
    await this.messenger.post(thread, rendered.summary, `${key}:summary`);
    for (const [i, finding] of rendered.findings.entries()) {
      await this.messenger.post(thread, finding, `${key}:finding:${i}`);
    }
    if (rendered.truncated) {
      await this.messenger.upload(
        thread,
        { filename: "diagnosis.json", title: "Full diagnosis", content: JSON.stringify(diagnosis, null, 2) },
        `${key}:diagnosis-file`,
      );
    }
    const headline = diagnosisHeadline(diagnosis);
    if (request.kind === "diagnose" || diagnosis.healthy || !cluster.remediation) {
      await setStatus({ kind: "diagnosed", headline });
      if (request.kind === "fix" && !cluster.remediation) {
        await this.messenger.post(
          thread,
          renderNotice(
            "Fixing is not set up for this cluster (no remediation service); the diagnosis above is all cni-doctor can do here.",
          ),
          `${key}:no-remediation`,
        );
      }
      return;
    }
    await this.proposeInThread(cluster, cluster.remediation, diagnosis, ctx.user, thread, key);
    await setStatus({ kind: "planned", headline });
  }

  private async proposeInThread(
    cluster: ClusterHandle,
    remediation: RemediationPort,
    diagnosis: Diagnosis,
    user: string,
    thread: ThreadRef,
    key: string,
  ): Promise<void> {
    const requestedBy = await this.actorFor(user);
    const origin: RunOrigin = { kind: "slack", channel: thread.channel, threadTs: thread.threadTs };
    let proposed: ProposedRun;
    try {
      proposed = await remediation.propose(diagnosis, { requestedBy, origin });
    } catch (err) {
      await this.messenger.post(
        thread,
        renderError(
          "No plan could be made",
          (err as Error).message,
          "The diagnosis above still stands; fix by hand or try again.",
          cluster.identity,
        ),
        `${key}:propose-error`,
      );
      return;
    }
    const view: PlanView = {
      runId: proposed.run.id,
      plan: proposed.plan,
      requestedBy: user,
      expiresAt: proposed.expiresAt,
      quorum: proposed.quorum,
      policyViolations: proposed.policyViolations,
      state: { kind: "pending", approvals: [] },
    };
    const rendered = renderPlan(view);
    const planTs = await this.messenger.post(thread, rendered.message, `${proposed.run.id}:plan`);
    if (rendered.truncated) {
      await this.messenger.upload(
        thread,
        {
          filename: "plan.json",
          title: "Full plan with every command",
          content: JSON.stringify(proposed.plan, null, 2),
        },
        `${proposed.run.id}:plan-file`,
      );
    }
    const tracked: TrackedPlan = { cluster: cluster.name, thread, planTs, view, expiryTimer: null };
    this.plans.set(proposed.run.id, tracked);
    this.scheduleExpiry(proposed.run.id, tracked);
  }

  /** When a plan's time is up, its message says so and loses its buttons (a click after that is refused anyway). */
  private scheduleExpiry(runId: string, tracked: TrackedPlan): void {
    const ms = Date.parse(tracked.view.expiresAt) - Date.now();
    if (!Number.isFinite(ms)) return;
    tracked.expiryTimer = setTimeout(
      () => {
        if (tracked.view.state.kind !== "pending") return;
        this.background(
          "expire-plan",
          { channel: tracked.thread.channel, threadTs: tracked.thread.threadTs },
          () => this.setPlanState(runId, { kind: "expired", at: tracked.view.expiresAt }),
        );
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    tracked.expiryTimer.unref();
  }

  private async setPlanState(runId: string, state: PlanState): Promise<void> {
    const tracked = this.plans.get(runId);
    if (!tracked) {
      const known = this.untracked.get(runId);
      if (!known) return;
      const blocks = [
        ...known.blocks.filter((b) => b.type !== "actions" && b.block_id !== "cni_plan_state"),
        { ...renderPlanState(state), block_id: "cni_plan_state" },
      ];
      await this.messenger.update(
        { channel: known.thread.channel, ts: known.planTs },
        { text: known.text, blocks },
      );
      return;
    }
    tracked.view = { ...tracked.view, state };
    if (state.kind !== "pending" && tracked.expiryTimer) clearTimeout(tracked.expiryTimer);
    await this.messenger.update(
      { channel: tracked.thread.channel, ts: tracked.planTs },
      renderPlan(tracked.view).message,
    );
  }

  // ---- clicks -------------------------------------------------------------------------------------------------

  approve(click: Click): void {
    this.onClick("approve", click, async (remediation, cluster) => {
      const approver = await this.actorFor(click.user);
      const outcome = await remediation.approve(click.runId, approver);
      await this.afterApproval(click, outcome, remediation, cluster);
    });
  }

  dryRun(click: Click): void {
    this.onClick("dry-run", click, async (remediation) => {
      const thread = this.threadOf(click);
      const result = await remediation.execute(click.runId, { report: () => undefined }, { dryRun: true });
      if (result.status === "dry-run") {
        await this.messenger.post(
          thread,
          renderDryRunSteps(result.plan),
          `${click.runId}:dry-run:${click.messageTs}`,
        );
      } else if (result.status === "refused") {
        await this.refuse(click, result.message);
      } else {
        await this.messenger.post(thread, renderNotice(result.message), `${click.runId}:dry-run-result`);
      }
    });
  }

  reject(click: Click): void {
    this.onClick("reject", click, async (remediation) => {
      const outcome = await remediation.reject(click.runId, await this.actorFor(click.user));
      if (outcome.status === "refused") {
        await this.refuse(click, outcome.message);
        return;
      }
      this.ensureTracked(click);
      await this.setPlanState(click.runId, {
        kind: "rejected",
        by: click.user,
        at: new Date().toISOString(),
      });
    });
  }

  stop(click: Click): void {
    this.onClick("stop", click, async (remediation) => {
      const outcome = await remediation.stop(click.runId, await this.actorFor(click.user));
      if (outcome.status === "refused") {
        await this.refuse(click, outcome.message);
        return;
      }
      this.runs.get(click.runId)?.reporter.stopRequested(click.user);
    });
  }

  private async afterApproval(
    click: Click,
    outcome: ApprovalOutcome,
    remediation: RemediationPort,
    cluster: ClusterHandle,
  ): Promise<void> {
    this.ensureTracked(click);
    const approvalsSoFar = (): { userId: string; at: string }[] => {
      const tracked = this.plans.get(click.runId);
      const previous = tracked && "approvals" in tracked.view.state ? tracked.view.state.approvals : [];
      return previous.some((a) => a.userId === click.user)
        ? previous
        : [...previous, { userId: click.user, at: new Date().toISOString() }];
    };
    switch (outcome.status) {
      case "refused":
        if (outcome.reason === "expired") {
          const expiresAt = outcome.run?.expiresAt ?? new Date().toISOString();
          await this.setPlanState(click.runId, { kind: "expired", at: expiresAt });
        }
        await this.refuse(click, outcome.message);
        return;
      case "already-approved":
        // A double click or a retried delivery: nothing changed, and nothing more is said in the channel.
        await this.messenger.ephemeral(
          {
            channel: click.channel,
            user: click.user,
            ...(click.threadTs ? { threadTs: click.threadTs } : {}),
          },
          renderNotice(outcome.message),
        );
        return;
      case "recorded":
        await this.setPlanState(click.runId, { kind: "pending", approvals: approvalsSoFar() });
        return;
      case "approved":
        await this.setPlanState(click.runId, { kind: "approved", approvals: approvalsSoFar() });
        await this.execute(click.runId, remediation, cluster);
        return;
    }
  }

  private async execute(runId: string, remediation: RemediationPort, cluster: ClusterHandle): Promise<void> {
    const tracked = this.plans.get(runId);
    if (!tracked) throw new Error(`run ${runId} has no plan message to report under`);
    const reporter = new ThreadReporter({
      messenger: this.messenger,
      thread: tracked.thread,
      runId,
      plan: tracked.view.plan,
      dryRun: false,
      ...(this.settings.progressIntervalMs !== undefined
        ? { minUpdateIntervalMs: this.settings.progressIntervalMs }
        : {}),
      onSlackError: (err) =>
        this.logger.warn({ runId, err: err.message }, "progress could not be shown in Slack"),
    });
    this.runs.set(runId, { cluster: cluster.name, reporter });
    await reporter.start();
    try {
      const result = await remediation.execute(runId, reporter, { dryRun: false });
      await reporter.settled();
      if (result.status === "refused") {
        await this.setPlanState(
          runId,
          result.reason === "drift"
            ? { kind: "superseded", reason: `${result.message} A new plan follows.` }
            : { kind: "refused", reason: result.message },
        );
        await this.messenger.post(
          tracked.thread,
          renderError(
            "The fix did not run",
            result.message,
            result.reason === "drift"
              ? "The cluster changed since the plan was made."
              : "Nothing was changed.",
            cluster.identity,
          ),
          `${runId}:refused`,
        );
        if (result.reason === "drift") {
          const fresh = await this.freshDiagnosis(cluster);
          if (fresh)
            await this.proposeInThread(
              cluster,
              remediation,
              fresh,
              tracked.view.requestedBy,
              tracked.thread,
              `${runId}:drift`,
            );
        }
      }
    } finally {
      this.runs.delete(runId);
    }
  }

  private async freshDiagnosis(cluster: ClusterHandle): Promise<Diagnosis | null> {
    const shell = await cluster.openNodeShell().catch(() => null);
    try {
      return await diagnoseCluster(cluster.reader, shell ? { nodeReader: shell } : {});
    } finally {
      await shell?.close();
    }
  }

  private onClick(
    kind: string,
    click: Click,
    work: (remediation: RemediationPort, cluster: ClusterHandle) => Promise<void>,
  ): void {
    // The service makes approvals idempotent; this only spares it a burst of identical clicks from one person.
    const clickKey = `${kind}:${click.runId}:${click.user}`;
    if (this.clicksInFlight.has(clickKey)) return;
    this.clicksInFlight.add(clickKey);
    this.background(
      kind,
      { channel: click.channel, ...(click.threadTs ? { threadTs: click.threadTs } : {}) },
      async () => {
        try {
          const found = await this.clusterOfRun(click.runId);
          if (!found) {
            await this.refuse(
              click,
              "this plan is not known to the bot any more (it may have been made on a cluster no longer configured).",
            );
            return;
          }
          await work(found.remediation, found.cluster);
        } finally {
          this.clicksInFlight.delete(clickKey);
        }
      },
    );
  }

  private async refuse(click: Click, message: string): Promise<void> {
    this.logger.warn({ user: click.user, runId: click.runId, refusal: message }, "click refused");
    await this.messenger.ephemeral(
      { channel: click.channel, user: click.user, ...(click.threadTs ? { threadTs: click.threadTs } : {}) },
      renderRefusal(message),
    );
  }

  private threadOf(click: Click): ThreadRef {
    const tracked = this.plans.get(click.runId);
    return tracked?.thread ?? { channel: click.channel, threadTs: click.threadTs ?? click.messageTs };
  }

  /**
   * After a restart the plan is not in memory. The click carries the plan message as Slack shows it, so its state
   * can still be updated: same blocks, buttons replaced by the new state.
   */
  private ensureTracked(click: Click): void {
    if (this.plans.has(click.runId) || this.untracked.has(click.runId)) return;
    this.untracked.set(click.runId, {
      thread: this.threadOf(click),
      planTs: click.messageTs,
      blocks: (click.messageBlocks ?? []) as Block[],
      text: click.messageText ?? "cni-doctor plan",
    });
  }

  private async clusterOfRun(
    runId: string,
  ): Promise<{ cluster: ClusterHandle; remediation: RemediationPort; run: RunSummary | null } | null> {
    const tracked = this.plans.get(runId) ?? this.runs.get(runId);
    if (tracked) {
      const cluster = await this.clusters.open(tracked.cluster);
      if (cluster.remediation) return { cluster, remediation: cluster.remediation, run: null };
    }
    for (const name of this.clusters.names()) {
      const cluster = await this.clusters.open(name).catch(() => null);
      if (!cluster?.remediation) continue;
      const runs = await cluster.remediation.recentRuns().catch(() => []);
      const run = runs.find((r) => r.id === runId);
      if (run) return { cluster, remediation: cluster.remediation, run };
    }
    return null;
  }

  // ---- status, pause, resume, restart ---------------------------------------------------------------------------

  private async status(requested: string | undefined, ctx: RequestContext): Promise<void> {
    const names = requested ? [requested] : this.clusters.names();
    const clusters: { identity: import("../kube/types.ts").ClusterIdentity; paused: boolean }[] = [];
    const runs: { run: RunSummary; permalink: string | null }[] = [];
    for (const name of names) {
      const cluster = await this.openCluster(name, ctx);
      if (!cluster) return;
      const paused = (await cluster.remediation?.isPaused()) ?? false;
      clusters.push({ identity: cluster.identity, paused });
      for (const run of (await cluster.remediation?.recentRuns()) ?? []) {
        const tracked = this.plans.get(run.id);
        runs.push({
          run,
          permalink: tracked ? await this.permalink(tracked.thread).catch(() => null) : null,
        });
      }
    }
    await this.answer(ctx, renderStatus({ clusters, runs }), "status");
  }

  private async permalink(thread: ThreadRef): Promise<string | null> {
    const result = await this.messenger.call("chat.getPermalink", {
      channel: thread.channel,
      message_ts: thread.threadTs,
    });
    return typeof result.permalink === "string" ? result.permalink : null;
  }

  private async pauseOrResume(
    pause: boolean,
    requested: string | undefined,
    ctx: RequestContext,
  ): Promise<void> {
    const cluster = await this.openCluster(requested, ctx);
    if (!cluster) return;
    if (!cluster.remediation) {
      await this.answer(
        ctx,
        renderNotice("Fixing is not set up for this cluster, so there is nothing to pause."),
        "pause",
      );
      return;
    }
    const actor = await this.actorFor(ctx.user);
    try {
      if (pause) await cluster.remediation.pause(actor);
      else await cluster.remediation.resume(actor);
    } catch (err) {
      await this.messenger.ephemeral(
        { channel: ctx.channel, user: ctx.user },
        renderRefusal((err as Error).message),
      );
      return;
    }
    await this.messenger.post(
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
  async reportInterruptedRuns(origins: (run: RunSummary) => RunOrigin | null): Promise<number> {
    let reported = 0;
    for (const name of this.clusters.names()) {
      const cluster = await this.clusters.open(name).catch((err: Error) => {
        this.logger.warn({ cluster: name, err: err.message }, "cluster not reachable at start");
        return null;
      });
      if (!cluster?.remediation) continue;
      for (const run of await cluster.remediation.recentRuns()) {
        if (run.state !== "interrupted") continue;
        const origin = origins(run);
        if (!origin) continue;
        await this.messenger.postOnce(
          { channel: origin.channel, threadTs: origin.threadTs },
          renderInterrupted(run, cluster.identity),
          `${run.id}:interrupted`,
        );
        reported += 1;
      }
    }
    return reported;
  }

  // ---- helpers ------------------------------------------------------------------------------------------------

  private async openCluster(
    requested: string | undefined,
    ctx: RequestContext,
  ): Promise<ClusterHandle | null> {
    try {
      const name = chooseCluster(this.clusters, this.settings.channelDefaults, ctx.channel, requested);
      return await this.clusters.open(name);
    } catch (err) {
      const choice = err instanceof ClusterChoiceError;
      await this.answer(
        ctx,
        renderError(
          choice ? "Unknown cluster" : "The cluster could not be opened",
          (err as Error).message,
          choice
            ? "Use --cluster with one of the allowed names."
            : "Check the bot's kubeconfig and its access to the API server.",
        ),
        "cluster-error",
      );
      return null;
    }
  }

  private async answer(ctx: RequestContext, message: Message, what: string): Promise<void> {
    if (ctx.threadTs) {
      await this.messenger.post(
        { channel: ctx.channel, threadTs: ctx.threadTs },
        message,
        `${what}:${ctx.channel}:${ctx.threadTs}:${Date.now()}`,
      );
    } else {
      await this.messenger.ephemeral({ channel: ctx.channel, user: ctx.user }, message);
    }
  }

  /** The clicker as the service sees them: Slack id, display name, and which configured user groups they are in. */
  async actorFor(userId: string): Promise<Actor> {
    let displayName: string | undefined;
    try {
      const info = (await this.messenger.call("users.info", { user: userId })) as {
        user?: { name?: string; profile?: { display_name?: string; real_name?: string } };
      };
      displayName = info.user?.profile?.display_name || info.user?.profile?.real_name || info.user?.name;
    } catch (err) {
      this.logger.warn(
        { user: userId, err: (err as Error).message },
        "users.info failed; approving by id only",
      );
    }
    const groups: string[] = [];
    for (const group of this.settings.approverGroups) {
      try {
        const members = (await this.messenger.call("usergroups.users.list", { usergroup: group })) as {
          users?: string[];
        };
        if (members.users?.includes(userId)) groups.push(group);
      } catch (err) {
        // A group that cannot be read grants nothing: fail closed.
        this.logger.warn({ group, err: (err as Error).message }, "could not read a user group's members");
      }
    }
    return { id: userId, ...(displayName ? { displayName } : {}), groups, via: "slack" };
  }

  private background(
    name: string,
    ctx: Pick<RequestContext, "channel" | "threadTs">,
    job: () => Promise<void>,
  ): void {
    const started = this.jobs.start(name, job, async (err) => {
      const message = renderError(
        "Something went wrong",
        err.message,
        "The error is logged; try again, and if it persists, check the bot's logs.",
      );
      if (ctx.threadTs) {
        await this.messenger.post(
          { channel: ctx.channel, threadTs: ctx.threadTs },
          message,
          `error:${name}:${Date.now()}`,
        );
      } else {
        await this.messenger.post({ channel: ctx.channel }, message, `error:${name}:${Date.now()}`);
      }
    });
    if (!started) this.logger.warn({ job: name }, "shutting down: request not started");
  }

  /** Stops expiry timers (shutdown). */
  close(): void {
    for (const p of this.plans.values()) if (p.expiryTimer) clearTimeout(p.expiryTimer);
  }
}
