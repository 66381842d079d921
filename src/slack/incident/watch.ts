/**
 * Incident threads the bot opens itself. For each cluster, the replica holding the `cni-doctor-incident-watch` Lease
 * follows the cluster's sandbox-failure events and node network conditions; a message the classifier recognises as a
 * CNI failure starts a debounce, after which the cluster is diagnosed once for the whole burst. A new root cause opens
 * a thread in the incident channel (diagnosis, and the plan when fixing is set up); more failures with the same root
 * cause add a reply to that thread; a later diagnosis that finds the cluster healthy marks it resolved, with how long
 * it lasted. Open threads are recorded in the cluster (records.ts), so a restart or another replica carries on with
 * them instead of opening them again.
 */
import { randomBytes } from "node:crypto";
import { hostname } from "node:os";
import { classifyMessage } from "../../diagnosis/index.ts";
import type { NetworkSignalFeed, NetworkSignalHandlers } from "../../kube/network-signals.ts";
import type { CoreV1Event, V1Node } from "../../kube/types.ts";
import type { ClusterLease } from "../../remediation/lease.ts";
import { diagnosisHeadline, stripEmoji } from "../blocks/diagnosis.ts";
import { parentStatusLine } from "../blocks/messages.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { SlackFlows } from "../flows/context.ts";
import { renderIncidentParent, renderMoreFailures } from "./blocks.ts";
import type { IncidentRecord, IncidentRecords } from "./records.ts";
import { type DiagnosisOutcome, diagnoseQuietly, postDiagnosisCard, replyResolved } from "./thread.ts";

export const INCIDENT_LEASE_NAME = "cni-doctor-incident-watch";
/** Events last seen longer ago than this (an old incident's, on the first list) start nothing. */
const STALE_EVENT_MS = 15 * 60_000;
const SOURCE = "CNI failures seen in the cluster";

export interface IncidentWatchOptions {
  flows: SlackFlows;
  cluster: string;
  channel: string;
  debounceMs: number;
  recheckMs: number;
  records: IncidentRecords;
  lease: ClusterLease;
  leaseSeconds: number;
  /** Starts following the cluster's events and nodes (src/kube/network-signals.ts). */
  startFeed: (handlers: NetworkSignalHandlers) => NetworkSignalFeed;
  now?: () => Date;
}

export class IncidentWatch {
  readonly #o: IncidentWatchOptions;
  readonly #now: () => Date;
  readonly #holder = `${hostname()}-${process.pid}-${randomBytes(4).toString("hex")}`;
  readonly #nodeConditions = new Map<string, string>();
  #leaderTimer: NodeJS.Timeout | undefined;
  #feed: NetworkSignalFeed | null = null;
  #debounce: NodeJS.Timeout | undefined;
  #recheck: NodeJS.Timeout | undefined;
  #pending = 0;
  #busy: Promise<void> = Promise.resolve();
  #stopped = false;
  #contending: Promise<void> = Promise.resolve();

  constructor(options: IncidentWatchOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** True while this replica holds the Lease and follows the cluster. */
  get leading(): boolean {
    return this.#feed !== null;
  }

  start(): void {
    const every = Math.max(300, (this.#o.leaseSeconds * 1000) / 3);
    const tick = () => {
      this.#contending = this.#contend().catch((err: Error) =>
        this.#o.flows.logger.warn(
          { cluster: this.#o.cluster, err: err.message },
          "incident watch: lease check failed",
        ),
      );
    };
    tick();
    this.#leaderTimer = setInterval(tick, every);
    this.#leaderTimer.unref();
  }

  /** Stops following the cluster and hands the Lease back, after the diagnosis in hand (if any) is done. */
  async stop(): Promise<void> {
    this.#stopped = true;
    clearInterval(this.#leaderTimer);
    await this.#contending;
    await this.#follow(false);
    await this.#busy;
    // Handing the Lease back only lets another replica lead sooner (it lapses anyway): never let it hold up a stop.
    let bound: NodeJS.Timeout | undefined;
    await Promise.race([
      this.#o.lease.release(this.#holder).catch(() => undefined),
      new Promise((r) => {
        bound = setTimeout(r, 2_000);
      }),
    ]);
    clearTimeout(bound);
  }

  async #contend(): Promise<void> {
    if (this.#stopped) return;
    const taken = await this.#o.lease.acquire(this.#holder, "incident-watch");
    if (this.#stopped) return;
    if (taken.acquired && !this.leading) {
      this.#o.flows.logger.info({ cluster: this.#o.cluster }, "incident watch: following the cluster");
      this.#follow(true);
      // Threads an earlier process (or replica) opened are carried on: checked again, resolved when healthy.
      if ((await this.#openThreads()).length > 0) this.#scheduleRecheck(0);
    } else if (!taken.acquired && this.leading) {
      this.#o.flows.logger.info(
        { cluster: this.#o.cluster, heldBy: taken.heldBy.holder },
        "incident watch: another replica leads",
      );
      await this.#follow(false);
    }
  }

  /** Starts or stops following the cluster; stopping resolves once the feed has no request in flight. */
  #follow(on: boolean): Promise<void> {
    if (on && !this.#feed) {
      this.#feed = this.#o.startFeed({
        onEvent: (event) => this.#onEvent(event),
        onNode: (node) => this.#onNode(node),
        onTrouble: (what, err) =>
          this.#o.flows.logger.warn(
            { cluster: this.#o.cluster, what, err: err.message },
            "incident watch: retrying",
          ),
      });
    } else if (!on && this.#feed) {
      const stopped = this.#feed.stop();
      this.#feed = null;
      this.#nodeConditions.clear();
      clearTimeout(this.#debounce);
      clearTimeout(this.#recheck);
      this.#debounce = undefined;
      this.#pending = 0;
      return stopped;
    }
    return Promise.resolve();
  }

  #onEvent(event: CoreV1Event): void {
    const seen =
      event.lastTimestamp ?? event.eventTime ?? event.firstTimestamp ?? event.metadata?.creationTimestamp;
    const at = seen ? new Date(seen as unknown as string).getTime() : this.#now().getTime();
    if (this.#now().getTime() - at > STALE_EVENT_MS) return;
    if (classifyMessage(event.message ?? "").family === "unknown") return;
    this.#signal();
  }

  #onNode(node: V1Node): void {
    const name = node.metadata?.name ?? "";
    const conditions = node.status?.conditions ?? [];
    const notReady = conditions.find((c) => c.type === "Ready" && c.status === "False")?.message ?? "";
    const unavailable = conditions.find((c) => c.type === "NetworkUnavailable" && c.status === "True");
    const now = `${notReady}|${unavailable?.reason ?? ""}`;
    if (this.#nodeConditions.get(name) === now) return;
    this.#nodeConditions.set(name, now);
    if (this.#nodeConditions.size > 10_000) this.#nodeConditions.clear();
    if (unavailable || (notReady && classifyMessage(notReady).family !== "unknown")) this.#signal();
  }

  /** One more failure; the first of a burst starts the debounce. */
  #signal(): void {
    this.#pending++;
    if (this.#debounce || this.#stopped) return;
    this.#debounce = setTimeout(() => {
      this.#debounce = undefined;
      this.#queue();
    }, this.#o.debounceMs);
    this.#debounce.unref();
  }

  #scheduleRecheck(ms: number): void {
    clearTimeout(this.#recheck);
    this.#recheck = setTimeout(() => this.#queue(), ms);
    this.#recheck.unref();
  }

  /** One examination at a time, as a job (shutdown waits for it). */
  #queue(): void {
    if (this.#stopped || !this.leading) return;
    this.#busy = this.#busy.then(
      () =>
        new Promise<void>((resolve) => {
          const started = this.#o.flows.jobs.start(
            "incident-watch",
            () => this.#examine().finally(resolve),
            async () => undefined,
          );
          if (!started) resolve();
        }),
    );
  }

  async #openThreads(): Promise<IncidentRecord[]> {
    return (await this.#o.records.open()).filter(
      (r) => r.key.startsWith("watch:") && r.cluster === this.#o.cluster,
    );
  }

  /** Diagnoses once for everything signalled since the last time, and opens, adds to or resolves threads. */
  async #examine(): Promise<void> {
    const failures = this.#pending;
    this.#pending = 0;
    const cluster = await this.#o.flows.clusters.open(this.#o.cluster);
    const outcome = await diagnoseQuietly(this.#o.flows, cluster, {});
    const open = await this.#openThreads();
    if (!this.leading) return;
    if ("failed" in outcome) {
      this.#o.flows.logger.warn(
        { cluster: this.#o.cluster, err: outcome.failed },
        "incident watch: diagnosis failed",
      );
    } else if (outcome.diagnosis.healthy) {
      for (const record of open) await this.#resolve(cluster, record);
      return;
    } else {
      const rootCause = outcome.diagnosis.findings[0]?.rootCause;
      if (rootCause && failures > 0) {
        const key = `watch:${rootCause}`;
        const existing = open.find((r) => r.key === key);
        if (existing) await this.#addTo(cluster, existing, failures, outcome);
        else await this.#openThread(cluster, key, failures, outcome);
      }
    }
    if (open.length > 0 || failures > 0) this.#scheduleRecheck(this.#o.recheckMs);
  }

  async #openThread(cluster: ClusterHandle, key: string, failures: number, outcome: DiagnosisOutcome) {
    if (!("diagnosis" in outcome)) return;
    const { flows, channel } = this.#o;
    const openedAt = this.#now().toISOString();
    const headline = diagnosisHeadline(outcome.diagnosis);
    const parentInput = {
      cluster: cluster.identity,
      source: SOURCE,
      headline,
      openedAt,
      failures,
      resolvedAt: null,
    };
    const parent = renderIncidentParent(parentInput);
    const threadTs = await flows.messenger.post({ channel }, parent, `${cluster.name}:${key}:${openedAt}`);
    const record: IncidentRecord = {
      key,
      cluster: cluster.name,
      channel,
      threadTs,
      openedAt,
      failures,
      headline,
      resolvedAt: null,
    };
    await this.#o.records.update((book) => ({ book: { ...book, [key]: record }, result: null }));
    flows.logger.info({ cluster: cluster.name, incident: key, threadTs }, "incident thread opened");
    await postDiagnosisCard(flows, {
      cluster,
      thread: { channel, threadTs },
      outcome,
      key: `${cluster.name}:${key}:${openedAt}`,
      // A Fix… from the card keeps the parent current (awaiting approval, fixing, healed) as `/cni` threads do.
      parent: {
        channel,
        ts: threadTs,
        render: (status) =>
          renderIncidentParent({ ...parentInput, headline: stripEmoji(parentStatusLine(status)) }),
      },
    });
  }

  async #addTo(cluster: ClusterHandle, record: IncidentRecord, failures: number, outcome: DiagnosisOutcome) {
    if (!("diagnosis" in outcome)) return;
    const total = record.failures + failures;
    const headline = diagnosisHeadline(outcome.diagnosis);
    const updated: IncidentRecord = { ...record, failures: total, headline };
    await this.#o.records.update((book) => ({ book: { ...book, [record.key]: updated }, result: null }));
    await this.#parent(cluster, updated);
    await this.#o.flows.messenger
      .post(
        { channel: record.channel, threadTs: record.threadTs },
        renderMoreFailures({ failures, headline, total }),
        `${cluster.name}:${record.key}:${record.openedAt}:more:${total}`,
      )
      .catch((err: Error) =>
        this.#o.flows.logger.warn({ err: err.message }, "incident watch: reply not posted"),
      );
  }

  async #resolve(cluster: ClusterHandle, record: IncidentRecord): Promise<void> {
    const resolvedAt = this.#now().toISOString();
    const resolved: IncidentRecord = { ...record, resolvedAt };
    await this.#o.records.update((book) => ({ book: { ...book, [record.key]: resolved }, result: null }));
    await this.#parent(cluster, resolved);
    await replyResolved(
      this.#o.flows,
      cluster,
      record,
      resolvedAt,
      "a fresh diagnosis finds the cluster healthy",
    );
    this.#o.flows.logger.info({ cluster: cluster.name, incident: record.key }, "incident resolved");
  }

  async #parent(cluster: ClusterHandle, record: IncidentRecord): Promise<void> {
    const message = renderIncidentParent({
      cluster: cluster.identity,
      source: SOURCE,
      headline: record.headline,
      openedAt: record.openedAt,
      failures: record.failures,
      resolvedAt: record.resolvedAt,
    });
    await this.#o.flows.messenger
      .update({ channel: record.channel, ts: record.threadTs }, message)
      .catch((err: Error) =>
        this.#o.flows.logger.warn({ err: err.message }, "incident watch: parent not updated"),
      );
  }
}
