/**
 * Alertmanager notifications as incident threads: one thread per `groupKey` in the incident channel, opened on the
 * group's first firing notification with a diagnosis scoped by the alerts' `namespace`, `pod` and `node` labels (and
 * the plan, when fixing is set up); a later notification whose firing alerts changed adds a reply; a resolved one
 * marks the thread resolved. The groupKey's thread is recorded in the cluster (records.ts), so a notification that
 * reaches another replica, or the bot after a restart, lands in the same thread.
 */
import { createHash } from "node:crypto";
import type { AlertmanagerAlert, AlertmanagerPayload } from "../../ops/alertmanager.ts";
import { diagnosisHeadline, stripEmoji } from "../blocks/diagnosis.ts";
import { parentStatusLine } from "../blocks/messages.ts";
import { type ClusterHandle, chooseCluster } from "../clusters.ts";
import type { SlackFlows } from "../flows/context.ts";
import { renderAlertUpdate, renderIncidentParent } from "./blocks.ts";
import type { IncidentRecord, IncidentRecords } from "./records.ts";
import { diagnoseQuietly, postDiagnosisCard, replyResolved, type Scope } from "./thread.ts";

/** A claim whose thread never appeared (its replica died while posting) is given up after this. */
const ABANDONED_CLAIM_MS = 2 * 60_000;

export interface AlertThreadsOptions {
  flows: SlackFlows;
  channel: string;
  /** The record book in a cluster's own namespace. */
  recordsFor: (cluster: string) => IncidentRecords;
  now?: () => Date;
}

type Claim =
  | { kind: "open"; record: IncidentRecord }
  | { kind: "claimed"; record: IncidentRecord }
  | { kind: "busy" };

export class AlertThreads {
  readonly #o: AlertThreadsOptions;
  readonly #now: () => Date;
  /** Notifications of one group are handled in order, one at a time. */
  readonly #byGroup = new Map<string, Promise<void>>();

  constructor(options: AlertThreadsOptions) {
    this.#o = options;
    this.#now = options.now ?? (() => new Date());
  }

  /** Takes a validated notification as a job; false while shutting down. */
  receive(payload: AlertmanagerPayload): boolean {
    const { flows } = this.#o;
    const previous = this.#byGroup.get(payload.groupKey) ?? Promise.resolve();
    let done: () => void = () => undefined;
    const mine = new Promise<void>((r) => {
      done = r;
    });
    const started = flows.jobs.start(
      "alertmanager",
      () => previous.then(() => this.#handle(payload)).finally(done),
      async () => undefined,
    );
    if (!started) return false;
    this.#byGroup.set(payload.groupKey, mine);
    void mine.then(() => {
      if (this.#byGroup.get(payload.groupKey) === mine) this.#byGroup.delete(payload.groupKey);
    });
    return true;
  }

  async #handle(payload: AlertmanagerPayload): Promise<void> {
    const { flows } = this.#o;
    const name = this.#clusterOf(payload);
    const cluster = await flows.clusters.open(name);
    const records = this.#o.recordsFor(name);
    const key = `alert:${createHash("sha256").update(payload.groupKey).digest("hex").slice(0, 24)}`;
    const firing = firingOf(payload.alerts);
    const names = alertNames(payload.alerts);
    if (payload.status === "resolved") {
      const open = (await records.open()).find((r) => r.key === key);
      if (!open) {
        flows.logger.info(
          { alertGroup: key },
          "Alertmanager: resolved notification for a group with no open thread",
        );
        return;
      }
      await this.#resolve(cluster, records, open);
      return;
    }
    const claim = await this.#claim(records, key, cluster.name, payload, names);
    if (claim.kind === "busy") {
      flows.logger.info({ alertGroup: key }, "Alertmanager: another replica is opening this group's thread");
    } else if (claim.kind === "claimed") {
      await this.#open(cluster, records, claim.record, payload);
    } else if (claim.record.alert && !sameSet(claim.record.alert.firing, firing)) {
      await this.#changed(cluster, records, claim.record, firing, names);
    }
  }

  #clusterOf(payload: AlertmanagerPayload): string {
    const { flows } = this.#o;
    const labelled = payload.commonLabels.cluster;
    const requested = labelled && flows.clusters.names().includes(labelled) ? labelled : undefined;
    return chooseCluster(flows.clusters, flows.settings.channelDefaults, this.#o.channel, requested);
  }

  /** The group's open thread, or the right to open it (recorded first, so another replica does not open it too). */
  #claim(
    records: IncidentRecords,
    key: string,
    cluster: string,
    payload: AlertmanagerPayload,
    names: string[],
  ) {
    const now = this.#now();
    return records.update<Claim>((book) => {
      const current = book[key];
      if (current && current.resolvedAt === null) {
        if (current.threadTs !== "") return { book: null, result: { kind: "open", record: current } };
        if (now.getTime() - Date.parse(current.openedAt) < ABANDONED_CLAIM_MS)
          return { book: null, result: { kind: "busy" } };
      }
      const record: IncidentRecord = {
        key,
        cluster,
        channel: this.#o.channel,
        threadTs: "",
        openedAt: now.toISOString(),
        failures: payload.alerts.length,
        headline: payload.commonAnnotations.summary ?? "diagnosing…",
        resolvedAt: null,
        alert: { groupKey: payload.groupKey, names, firing: firingOf(payload.alerts) },
      };
      return { book: { ...book, [key]: record }, result: { kind: "claimed", record } };
    });
  }

  async #open(
    cluster: ClusterHandle,
    records: IncidentRecords,
    claimed: IncidentRecord,
    payload: AlertmanagerPayload,
  ) {
    const { flows, channel } = this.#o;
    const scope = await scopeOf(cluster, payload.alerts);
    const threadKey = `${cluster.name}:${claimed.key}:${claimed.openedAt}`;
    const opening = { ...claimed, headline: `${claimed.headline} (diagnosing${scopeWords(scope)})` };
    let threadTs: string;
    try {
      threadTs = await flows.messenger.post({ channel }, this.#parentOf(cluster, opening), threadKey);
    } catch (err) {
      // Give the claim back so the next notification of the group tries again.
      await records.update((book) => {
        const { [claimed.key]: _gone, ...rest } = book;
        return { book: rest, result: null };
      });
      throw err;
    }
    const outcome = await diagnoseQuietly(flows, cluster, scope);
    const found =
      "diagnosis" in outcome ? diagnosisHeadline(outcome.diagnosis) : `diagnosis failed: ${outcome.failed}`;
    const headline = scopeWords(scope) ? `${found} (scope:${scopeWords(scope)})` : found;
    const record = { ...claimed, threadTs, headline };
    await records.update((book) => ({ book: { ...book, [claimed.key]: record }, result: null }));
    flows.logger.info(
      { cluster: cluster.name, alertGroup: claimed.key, threadTs },
      "Alertmanager: thread opened",
    );
    await this.#updateParent(cluster, record);
    await postDiagnosisCard(flows, {
      cluster,
      thread: { channel, threadTs },
      outcome,
      key: threadKey,
      parent: {
        channel,
        ts: threadTs,
        render: (status) =>
          this.#parentOf(cluster, { ...record, headline: stripEmoji(parentStatusLine(status)) }),
      },
    });
  }

  async #changed(
    cluster: ClusterHandle,
    records: IncidentRecords,
    record: IncidentRecord,
    firing: string[],
    names: string[],
  ) {
    const alert = { groupKey: record.alert?.groupKey ?? "", names, firing };
    const updated: IncidentRecord = { ...record, alert, failures: record.failures + 1 };
    await records.update((book) => ({ book: { ...book, [record.key]: updated }, result: null }));
    await this.#updateParent(cluster, updated);
    await this.#o.flows.messenger
      .post(
        { channel: record.channel, threadTs: record.threadTs },
        renderAlertUpdate({ firing, names, status: "still firing" }),
        `${cluster.name}:${record.key}:${record.openedAt}:firing:${[...firing].sort().join(",")}`,
      )
      .catch((err: Error) =>
        this.#o.flows.logger.warn({ err: err.message }, "Alertmanager: reply not posted"),
      );
  }

  async #resolve(cluster: ClusterHandle, records: IncidentRecords, record: IncidentRecord): Promise<void> {
    const resolvedAt = this.#now().toISOString();
    const resolved: IncidentRecord = { ...record, resolvedAt };
    await records.update((book) => ({ book: { ...book, [record.key]: resolved }, result: null }));
    await this.#updateParent(cluster, resolved);
    await replyResolved(
      this.#o.flows,
      cluster,
      record,
      resolvedAt,
      "Alertmanager reports the alerts resolved",
    );
    this.#o.flows.logger.info(
      { cluster: cluster.name, alertGroup: record.key },
      "Alertmanager: thread resolved",
    );
  }

  #parentOf(cluster: ClusterHandle, record: IncidentRecord) {
    return renderIncidentParent({
      cluster: cluster.identity,
      source: `Alertmanager alert ${record.alert?.names.join(", ") || "group"}`,
      headline: record.headline,
      openedAt: record.openedAt,
      failures: record.failures,
      resolvedAt: record.resolvedAt,
      detail: `groupKey ${record.alert?.groupKey ?? ""}`,
    });
  }

  async #updateParent(cluster: ClusterHandle, record: IncidentRecord): Promise<void> {
    await this.#o.flows.messenger
      .update({ channel: record.channel, ts: record.threadTs }, this.#parentOf(cluster, record))
      .catch((err: Error) =>
        this.#o.flows.logger.warn({ err: err.message }, "Alertmanager: parent not updated"),
      );
  }
}

function firingOf(alerts: AlertmanagerAlert[]): string[] {
  return alerts
    .filter((a) => a.status === "firing")
    .map(
      (a) =>
        a.fingerprint || createHash("sha256").update(JSON.stringify(a.labels)).digest("hex").slice(0, 16),
    )
    .sort();
}

function alertNames(alerts: AlertmanagerAlert[]): string[] {
  return [...new Set(alerts.map((a) => a.labels.alertname ?? "unnamed"))].sort();
}

function sameSet(a: string[], b: string[]): boolean {
  return a.length === b.length && [...a].sort().every((v, i) => v === [...b].sort()[i]);
}

/** The one value every alert agrees on for `label`, else undefined (alerts about different places scope nothing). */
function shared(alerts: AlertmanagerAlert[], label: string): string | undefined {
  const values = new Set(alerts.map((a) => a.labels[label]));
  const only = values.size === 1 ? [...values][0] : undefined;
  return only && /^[a-z0-9]([-a-z0-9.]{0,251}[a-z0-9])?$/.test(only) ? only : undefined;
}

/** namespace and node labels as they are; a pod label adds its namespace and the node it is scheduled on. */
async function scopeOf(cluster: ClusterHandle, alerts: AlertmanagerAlert[]): Promise<Scope> {
  const firing = alerts.filter((a) => a.status === "firing");
  const namespace = shared(firing, "namespace");
  let node = shared(firing, "node");
  const pod = shared(firing, "pod");
  if (!node && pod && namespace) {
    node = (await cluster.reader.getPod(namespace, pod).catch(() => null))?.spec?.nodeName ?? undefined;
  }
  return { ...(namespace ? { namespace } : {}), ...(node ? { node } : {}) };
}

function scopeWords(scope: Scope): string {
  const parts = [
    ...(scope.namespace ? [`namespace ${scope.namespace}`] : []),
    ...(scope.node ? [`node ${scope.node}`] : []),
  ];
  return parts.length > 0 ? ` ${parts.join(", ")}` : "";
}
