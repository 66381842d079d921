/**
 * The incident channel's parts, wired for `cni-doctor serve`: per allowed cluster an IncidentWatch (its Lease and its
 * record book in the bot's namespace, written through a ClusterWriter), and the Alertmanager receiver on PORT when
 * its token is set. The receiver's route exists before Slack is connected (so HTTP mode can serve it beside
 * /slack/events); notifications arriving before the flows are up are answered 503 and Alertmanager retries them.
 */
import type { Config, SlackSettings } from "../../config.ts";
import { type LoadedCluster, loadCluster } from "../../kube/cluster-config.ts";
import { startNetworkSignalFeed } from "../../kube/network-signals.ts";
import { createClusterWriter } from "../../kube/writer.ts";
import { ALERTMANAGER_PATH, alertmanagerHandler } from "../../ops/alertmanager.ts";
import type { OpsRoute } from "../../ops/health.ts";
import { type KubeCallObserver, observeKubeCalls } from "../../ops/instrument.ts";
import { ClusterLease } from "../../remediation/lease.ts";
import type { SlackFlows } from "../flows/context.ts";
import { AlertThreads } from "./alerts.ts";
import { IncidentRecords } from "./records.ts";
import { INCIDENT_LEASE_NAME, IncidentWatch } from "./watch.ts";

export interface IncidentWiringOptions {
  config: Config;
  slack: SlackSettings;
  kubeconfigPath?: string;
  kubeCalls: KubeCallObserver;
  /** The allowed cluster names (the ClusterDirectory's). */
  clusterNames: () => string[];
  warn: (fields: Record<string, unknown>, message: string) => void;
}

export interface IncidentWiring {
  /** POST /alertmanager when its token is set; nothing otherwise (the path is then a 404). */
  routes: OpsRoute[];
  /** Starts the watches and takes notifications, once Slack is connected. */
  start(flows: SlackFlows): void;
  /** The watches of this process, for tests and shutdown. */
  readonly watches: IncidentWatch[];
  stop(): Promise<void>;
}

export function incidentWiring(options: IncidentWiringOptions): IncidentWiring {
  const { slack, config } = options;
  const loaded = new Map<string, { cluster: LoadedCluster; records: IncidentRecords; lease: ClusterLease }>();
  const clusterParts = (name: string) => {
    let parts = loaded.get(name);
    if (!parts) {
      const cluster = loadCluster({
        ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
        ...(name !== "in-cluster" ? { context: name } : {}),
      });
      const writer = observeKubeCalls(
        createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: config.kubeRequestTimeoutMs }),
        options.kubeCalls,
      );
      const namespace = config.remediation.namespace;
      const lease = new ClusterLease(
        writer,
        namespace,
        config.remediation.leaseDurationSeconds,
        () => new Date(),
        INCIDENT_LEASE_NAME,
      );
      parts = { cluster, records: new IncidentRecords(writer, namespace), lease };
      loaded.set(name, parts);
    }
    return parts;
  };
  let alerts: AlertThreads | null = null;
  const token = slack.alertmanagerToken;
  const routes: OpsRoute[] = token
    ? [
        {
          path: ALERTMANAGER_PATH,
          methods: ["POST"],
          handler: alertmanagerHandler({
            token,
            onNotification: (payload) => alerts?.receive(payload) ?? false,
          }),
        },
      ]
    : [];
  const watches: IncidentWatch[] = [];
  let stopping: Promise<void> | undefined;
  return {
    routes,
    watches,
    start(flows) {
      const incident = slack.incident;
      if (!incident) return;
      alerts = new AlertThreads({
        flows,
        channel: incident.channel,
        recordsFor: (n) => clusterParts(n).records,
      });
      for (const name of options.clusterNames()) {
        let parts: ReturnType<typeof clusterParts>;
        try {
          parts = clusterParts(name);
        } catch (err) {
          options.warn(
            { cluster: name, err: (err as Error).message },
            "incident watch not started for this cluster",
          );
          continue;
        }
        const watch = new IncidentWatch({
          flows,
          cluster: name,
          channel: incident.channel,
          debounceMs: incident.debounceMs,
          recheckMs: incident.recheckMs,
          records: parts.records,
          lease: parts.lease,
          leaseSeconds: config.remediation.leaseDurationSeconds,
          startFeed: (handlers) =>
            startNetworkSignalFeed(parts.cluster.kubeConfig, handlers, {
              requestTimeoutMs: config.kubeRequestTimeoutMs,
            }),
        });
        watches.push(watch);
        watch.start();
      }
    },
    stop() {
      alerts = null;
      stopping ??= Promise.allSettled(watches.map((w) => w.stop())).then(() => undefined);
      return stopping;
    },
  };
}
