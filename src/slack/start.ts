/**
 * The whole bot from validated settings: clusters from kubeconfig contexts, each with its remediation service (when
 * a nodes file lets it reach the nodes), Bolt, the report of runs a previous process left interrupted, and the
 * operations side — one logger, one metrics registry, /healthz, /readyz and /metrics on PORT, graceful shutdown.
 * Used by `cni-doctor serve`, the tests and the demo, so they all run the same wiring.
 */

import type { DestinationStream, Logger } from "pino";
import { pino } from "pino";
import { runInstallationCheck } from "../check/startup.ts";
import type { Config, SlackSettings } from "../config.ts";
import type { LoadedCluster } from "../kube/cluster-config.ts";
import { createClusterReader } from "../kube/reader.ts";
import { createPodWatcher } from "../kube/wait.ts";
import { createClusterWriter } from "../kube/writer.ts";
import { type CommandEvent, chooseNodeTransport, type NodeWriter } from "../nodes/index.ts";
import {
  type OpsRoute,
  opsRoutes,
  Readiness,
  type RunningOpsServer,
  startKubeProbe,
  startOpsServer,
} from "../ops/health.ts";
import { instrumentRemediation, type KubeCallObserver, observeKubeCalls } from "../ops/instrument.ts";
import { BotMetrics, diagnosisOutcome } from "../ops/metrics.ts";
import { createLogger, RemediationService, type RunSummary, SecretScrubber } from "../remediation/index.ts";
import { RequestClaims } from "../remediation/request-claims.ts";
import { type RunningSlackBot, startSlackBot } from "./app.ts";
import { reportInterruptedRuns } from "./flows/admin.ts";
import { type IncidentWiring, incidentWiring } from "./incident/wiring.ts";
import { KubeconfigClusters } from "./kube-clusters.ts";
import { remediationPort } from "./remediation-adapter.ts";
import type { RemediationPort, RunOrigin } from "./remediation-port.ts";

export interface StartOptions {
  config: Config;
  slack: SlackSettings;
  env: NodeJS.ProcessEnv;
  kubeconfigPath?: string;
  /** Where JSON log lines go (stderr by default). */
  logDestination?: DestinationStream;
  /** Overrides config.logLevel (LOG_LEVEL). */
  logLevel?: string;
  /** Tests: faster progress updates and Socket Mode heartbeat. */
  progressIntervalMs?: number;
  clientPingTimeoutMs?: number;
}

export interface RunningCniDoctorBot extends RunningSlackBot {
  /** Reports runs left interrupted by an earlier process; resolves with how many were reported. */
  interruptedReported: Promise<number>;
  /** Base URL of /healthz, /readyz and /metrics (the PORT the bot listens on). */
  opsUrl: string;
  metrics: BotMetrics;
  readiness: Readiness;
  logger: Logger;
  /** The incident channel's watches and Alertmanager receiver (inactive without CNI_DOCTOR_INCIDENT_CHANNEL). */
  incident: IncidentWiring;
  /**
   * Graceful shutdown: /readyz turns 503 and no new request starts; a running remediation ends after its current
   * step (rolling back a half-done node), journaled as stopped with `reason`; then the Slack connection, the HTTP
   * server and SSH connections close. Waits up to `timeoutMs` for running work; resolves with how many jobs were
   * still running then (0: everything finished).
   */
  shutdown(reason: string, timeoutMs: number): Promise<number>;
}

export async function startCniDoctorBot(options: StartOptions): Promise<RunningCniDoctorBot> {
  const { logger, logLevel, scrubber } = botLogger(options);
  const metrics = new BotMetrics();
  const readiness = new Readiness({ kubeWindowMs: options.slack.kubeReadyWindowMs });
  const kubeCalls: KubeCallObserver = {
    answered: () => readiness.kubeAnswered(),
    failed: (failure) => metrics.kubeApiError(failure),
  };
  const { clusters, shells, remediations } = botClusters(options, { logger, metrics, kubeCalls, scrubber });
  const incident = incidentWiring({
    config: options.config,
    slack: options.slack,
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    kubeCalls,
    clusterNames: () => clusters.names(),
    warn: (fields, message) => logger.warn(fields, message),
  });
  const routes = [...opsRoutes({ readiness, metrics }), ...incident.routes];
  const socketMode = Boolean(options.slack.appToken);
  // Socket Mode has no inbound HTTP server; the ops routes get their own on PORT, up before Slack so the startup
  // probe passes while the connection is being made.
  const opsServer: RunningOpsServer | null = socketMode
    ? await startOpsServer(options.slack.port, routes, options.slack.host)
    : null;
  let running: RunningSlackBot;
  try {
    running = await connectSlack(options, { clusters, logger, logLevel, metrics, readiness, routes });
  } catch (err) {
    await opsServer?.close();
    throw err;
  }
  incident.start(running.flows);
  const stopKubeProbe = startKubeProbe(readiness, () =>
    Promise.allSettled(
      clusters.names().map(async (name) =>
        // Readable by the bot's RBAC by name, small, and present in every cluster since 1.21.
        (await clusters.open(name)).reader.getConfigMap("kube-system", "kube-root-ca.crt"),
      ),
    ),
  );
  const interruptedReported = reportInterruptedRuns(running.flows, originOf).catch((err: Error) => {
    logger.warn({ err: err.message }, "could not check the journal for interrupted runs");
    return 0;
  });

  let shuttingDown: Promise<number> | null = null;
  const shutdown = (reason: string, timeoutMs: number): Promise<number> => {
    shuttingDown ??= (async () => {
      readiness.drain(reason);
      logger.warn({ reason, timeoutMs }, "shutting down: no new requests; running work may finish");
      // Started together: running.stop stops taking jobs at once and waits for those running, while the services
      // tell their runs to end after the current step.
      const [, , left] = await Promise.all([
        incident.stop(),
        Promise.allSettled(remediations.map((r) => r.stopForShutdown(reason))),
        running.stop(timeoutMs),
      ]);
      stopKubeProbe();
      await opsServer?.close();
      await Promise.allSettled(shells.map((s) => s.close()));
      logger.info({ reason, unfinishedJobs: left }, "shut down");
      logger.flush();
      return left;
    })();
    return shuttingDown;
  };

  return {
    ...running,
    interruptedReported,
    opsUrl: opsServer?.url ?? (running.eventsUrl as string).replace(/\/slack\/events$/, ""),
    metrics,
    readiness,
    logger,
    incident,
    shutdown,
    stop: (timeoutMs = 30_000) => shutdown("stopped by its owner", timeoutMs),
  };
}

/** One logger for the bot, which never writes the Slack tokens or the signing secret. */
function botLogger(options: StartOptions) {
  const scrubber = new SecretScrubber([
    options.slack.botToken,
    options.slack.appToken,
    options.slack.signingSecret,
    options.slack.alertmanagerToken ?? undefined,
  ]);
  const logLevel = options.logLevel ?? options.config.logLevel;
  const logger = createLogger({
    destination: options.logDestination ?? pino.destination(2),
    level: logLevel,
    component: "slack",
    scrubber,
  });
  return { logger, logLevel, scrubber };
}

interface ClusterWiring {
  logger: Logger;
  metrics: BotMetrics;
  kubeCalls: KubeCallObserver;
  scrubber: SecretScrubber;
}

/**
 * The allowed clusters, each with its remediation service when a nodes file lets the bot reach the nodes. The node
 * shells and remediation ports are collected so a shutdown can close and stop them.
 */
function botClusters(options: StartOptions, wiring: ClusterWiring) {
  const { logger, metrics } = wiring;
  const onNodeCommand = (event: CommandEvent) => {
    if (event.outcome === "error") metrics.sshError(event.errorKind ?? "unexpected");
  };
  // The bot's own API credentials must never reach a line either, whatever text carries them.
  const learnCredentials = (cluster: LoadedCluster) => {
    const user = cluster.kubeConfig.getCurrentUser();
    wiring.scrubber.add(user?.token);
    wiring.scrubber.add(user?.password);
  };
  const shells: NodeWriter[] = [];
  const remediations: RemediationPort[] = [];
  const { nodesFile, nodeAccess } = options.config;
  // A bad CNI_DOCTOR_NODE_ACCESS (ssh without a nodes file) fails the start, with the variable to fix.
  const transport = chooseNodeTransport(nodeAccess, nodesFile);
  const clusters: KubeconfigClusters = new KubeconfigClusters({
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    contexts: options.slack.clusters,
    ...(nodesFile ? { nodesFile } : {}),
    nodeAccess: {
      choice: nodeAccess,
      agent: options.config.nodeAgent,
      concurrency: options.config.concurrency,
      backupRoot: options.config.remediation.backupRoot,
      onNote: (line) => logger.warn({}, line),
    },
    kubeRequestTimeoutMs: options.config.kubeRequestTimeoutMs,
    env: options.env,
    wrapReader: (reader, cluster) => {
      learnCredentials(cluster);
      return observeKubeCalls(reader, wiring.kubeCalls);
    },
    onNodeCommand,
    ...(transport !== "none"
      ? {
          remediationFor: async (cluster: LoadedCluster) => {
            const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
              requestTimeoutMs: options.config.kubeRequestTimeoutMs,
            });
            // Read-write agent pods are only started when an approved run sends a command.
            const nodeWriter = await clusters.openNodeAccess(cluster, reader, "write");
            if (nodeWriter === undefined) return null;
            shells.push(nodeWriter);
            const port = clusterRemediation(options, wiring, cluster, nodeWriter);
            remediations.push(port);
            return port;
          },
        }
      : {}),
  });
  if (transport === "none" || (transport === "kubernetes" && nodeAccess === "auto" && !nodesFile))
    logger.warn(
      {},
      transport === "none"
        ? "CNI_DOCTOR_NODE_ACCESS=none: the bot diagnoses from the cluster side and cannot fix"
        : "no CNI_DOCTOR_NODES_FILE: nodes are reached through agent pods when their namespace is set up; otherwise the bot diagnoses from the cluster side and cannot fix",
    );
  return { clusters, shells, remediations };
}

/** One cluster's RemediationService, as the bot's RemediationPort, counted in the metrics. */
function clusterRemediation(
  options: StartOptions,
  wiring: ClusterWiring,
  cluster: LoadedCluster,
  nodeWriter: NodeWriter,
): RemediationPort {
  const { kubeCalls, logger, metrics } = wiring;
  const reader = observeKubeCalls(
    createClusterReader(cluster.kubeConfig, cluster.identity, {
      requestTimeoutMs: options.config.kubeRequestTimeoutMs,
    }),
    kubeCalls,
  );
  const writer = observeKubeCalls(
    createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: options.config.kubeRequestTimeoutMs }),
    kubeCalls,
  );
  const service = new RemediationService({
    reader,
    writer,
    pods: createPodWatcher(cluster.kubeConfig, reader),
    nodeWriter,
    policy: options.config.remediation,
    logger: logger.child({ component: "remediation", cluster: cluster.identity.context }),
  });
  const claims = new RequestClaims(writer, options.config.remediation.namespace, () => new Date());
  return instrumentRemediation(remediationPort(service, { reader, claims }), metrics);
}

/** Bolt on Slack, with the bot's settings and the ops routes (HTTP mode serves them beside /slack/events). */
function connectSlack(
  options: StartOptions,
  deps: {
    clusters: KubeconfigClusters;
    logger: Logger;
    logLevel: string;
    metrics: BotMetrics;
    readiness: Readiness;
    routes: OpsRoute[];
  },
): Promise<RunningSlackBot> {
  const { logger, metrics, readiness } = deps;
  return startSlackBot(
    {
      botToken: options.slack.botToken,
      ...(options.slack.appToken ? { appToken: options.slack.appToken } : {}),
      ...(options.slack.signingSecret ? { signingSecret: options.slack.signingSecret } : {}),
      port: options.slack.port,
      ...(options.slack.host ? { host: options.slack.host } : {}),
      ...(options.slack.apiUrl ? { apiUrl: options.slack.apiUrl } : {}),
    },
    {
      clusters: deps.clusters,
      logger,
      logLevel: deps.logLevel,
      settings: {
        channelDefaults: options.slack.channelClusters,
        approverGroups: options.slack.approverGroups,
        approverIds: options.slack.approverIds,
        ...(options.progressIntervalMs !== undefined
          ? { progressIntervalMs: options.progressIntervalMs }
          : {}),
        diagnoseConcurrency: options.config.concurrency,
      },
      messenger: { onApiError: (method, error) => metrics.slackApiError(method, error) },
      httpRoutes: deps.routes,
      onConnectionChange: (up, detail) => {
        readiness.slackConnection(up, detail);
        logger[up ? "info" : "warn"]({ slackConnection: up ? "up" : "down" }, detail);
      },
      onDiagnosed: (diagnosis) => metrics.diagnosis(diagnosis ? diagnosisOutcome(diagnosis) : "error"),
      checkInstallation: (cluster) =>
        runInstallationCheck(
          {
            config: options.config,
            slack: options.slack,
            kubeconfigPath: options.kubeconfigPath,
            env: options.env,
          },
          cluster,
        ),
      ...(options.clientPingTimeoutMs ? { clientPingTimeoutMs: options.clientPingTimeoutMs } : {}),
    },
  );
}

/** The Slack thread a run was asked for in, when the journal keeps it. */
function originOf(run: RunSummary): RunOrigin | null {
  return run.origin?.kind === "slack" ? run.origin : null;
}
