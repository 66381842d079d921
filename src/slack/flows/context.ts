/**
 * What every Slack flow shares: the Messenger, the clusters, the job runner, the plan tracker, and the few things
 * each flow does the same way — run the work as a job after the listener acked, answer the person where they asked,
 * open the cluster a request names, and see a Slack user as the remediation service's Actor.
 */
import type { CheckReport } from "../../check/model.ts";
import type { Diagnosis } from "../../diagnosis/index.ts";
import type { Actor } from "../../remediation/run.ts";
import { renderError } from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import { ClusterChoiceError, type ClusterDirectory, type ClusterHandle, chooseCluster } from "../clusters.ts";
import type { JobRunner } from "../jobs.ts";
import type { Messenger } from "../messenger.ts";
import { DiagnosisCards } from "./diagnosis-cards.ts";
import { PlanTracker } from "./plan-tracker.ts";
import { SharedDiagnoses } from "./shared-diagnoses.ts";

export interface BotLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export interface BotSettings {
  channelDefaults: Record<string, string>;
  /** Approver entries from config; the user-group ones (S…) are resolved at click time to fill Actor.groups. */
  approverGroups: string[];
  /** The Slack user ids of CNI_DOCTOR_APPROVERS: with approverGroups, who may run `/cni check`. */
  approverIds?: string[];
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
  /**
   * What makes this request unique across replicas (a slash command's or shortcut's trigger_id, an event's
   * event_id): a diagnosis claims it in the cluster first, so a replay or re-delivery reaching another replica is
   * dropped there too.
   */
  requestId?: string;
}

export interface SlackFlows {
  readonly messenger: Messenger;
  readonly clusters: ClusterDirectory;
  readonly jobs: JobRunner;
  readonly logger: BotLogger;
  readonly settings: BotSettings;
  /** Plans posted by this process and the runs it is executing (in memory; the journal is the record). */
  readonly plans: PlanTracker;
  /** Diagnosis cards posted by this process, for their buttons and for `fix` after a fresh diagnosis. */
  readonly cards: DiagnosisCards;
  /** Click ids handled or in flight: a double click (or a re-delivered action) is acted on once. */
  readonly clicksInFlight: Set<string>;
  /** The diagnoses people asked for that are running, for a request of the same cluster and scope to join. */
  readonly diagnoses: SharedDiagnoses;
  /** Each diagnosis asked for, or null when it could not run (metrics). */
  readonly onDiagnosed: (diagnosis: Diagnosis | null) => void;
  /** `cni-doctor check` against one allowed cluster (by name); absent: `/cni check` says it is not available. */
  readonly checkInstallation: InstallationChecker | undefined;
}

/** Runs the installation check against the named cluster (a name ClusterDirectory allows). */
export type InstallationChecker = (cluster: string) => Promise<CheckReport>;

export function createSlackFlows(deps: {
  messenger: Messenger;
  clusters: ClusterDirectory;
  jobs: JobRunner;
  logger: BotLogger;
  settings: BotSettings;
  onDiagnosed?: (diagnosis: Diagnosis | null) => void;
  checkInstallation?: InstallationChecker;
}): SlackFlows {
  const flows: SlackFlows = {
    messenger: deps.messenger,
    clusters: deps.clusters,
    jobs: deps.jobs,
    logger: deps.logger,
    settings: deps.settings,
    plans: new PlanTracker(deps.messenger, (name, where, job) => inBackground(flows, name, where, job)),
    cards: new DiagnosisCards(),
    clicksInFlight: new Set(),
    diagnoses: new SharedDiagnoses(),
    onDiagnosed: deps.onDiagnosed ?? (() => undefined),
    checkInstallation: deps.checkInstallation,
  };
  return flows;
}

/** Stops expiry timers (shutdown). */
export function closeSlackFlows(flows: SlackFlows): void {
  flows.plans.close();
}

/**
 * Runs a flow's work as a job, after the listener acked. A failure is told in the thread (or the channel) in plain
 * words; while shutting down, the request is not started and the log says so.
 */
export function inBackground(
  flows: SlackFlows,
  name: string,
  where: Pick<RequestContext, "channel" | "threadTs">,
  job: () => Promise<void>,
): void {
  const started = flows.jobs.start(name, job, async (err) => {
    const message = renderError(
      "Something went wrong",
      err.message,
      "The error is logged; try again, and if it persists, check the bot's logs.",
    );
    const target = where.threadTs
      ? { channel: where.channel, threadTs: where.threadTs }
      : { channel: where.channel };
    await flows.messenger.post(target, message, `error:${name}:${Date.now()}`);
  });
  if (!started) flows.logger.warn({ job: name }, "shutting down: request not started");
}

/** In the thread the request came from, or only to the person for a slash command (it has no thread yet). */
export async function answer(
  flows: SlackFlows,
  ctx: RequestContext,
  message: Message,
  what: string,
): Promise<void> {
  if (ctx.threadTs) {
    await flows.messenger.post(
      { channel: ctx.channel, threadTs: ctx.threadTs },
      message,
      `${what}:${ctx.channel}:${ctx.threadTs}:${Date.now()}`,
    );
  } else {
    await flows.messenger.ephemeral({ channel: ctx.channel, user: ctx.user }, message);
  }
}

/** The cluster a request is about, or null after telling the person why it cannot be used. */
export async function openCluster(
  flows: SlackFlows,
  requested: string | undefined,
  ctx: RequestContext,
): Promise<ClusterHandle | null> {
  try {
    const name = chooseCluster(flows.clusters, flows.settings.channelDefaults, ctx.channel, requested);
    return await flows.clusters.open(name);
  } catch (err) {
    const choice = err instanceof ClusterChoiceError;
    await answer(
      flows,
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

/** The clicker as the service sees them: Slack id, display name, and which configured user groups they are in. */
export async function actorFor(flows: SlackFlows, userId: string): Promise<Actor> {
  let displayName: string | undefined;
  try {
    const info = (await flows.messenger.call("users.info", { user: userId })) as {
      user?: { name?: string; profile?: { display_name?: string; real_name?: string } };
    };
    displayName = info.user?.profile?.display_name || info.user?.profile?.real_name || info.user?.name;
  } catch (err) {
    flows.logger.warn(
      { user: userId, err: (err as Error).message },
      "users.info failed; approving by id only",
    );
  }
  const groups: string[] = [];
  for (const group of flows.settings.approverGroups) {
    try {
      const members = (await flows.messenger.call("usergroups.users.list", { usergroup: group })) as {
        users?: string[];
      };
      if (members.users?.includes(userId)) groups.push(group);
    } catch (err) {
      // A group that cannot be read grants nothing: fail closed.
      flows.logger.warn({ group, err: (err as Error).message }, "could not read a user group's members");
    }
  }
  return { id: userId, ...(displayName ? { displayName } : {}), groups, via: "slack" };
}
