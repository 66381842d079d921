/**
 * The whole bot from validated settings: clusters from kubeconfig contexts, each with its remediation service (when
 * a nodes file lets it reach the nodes), Bolt, and the report of runs a previous process left interrupted. Used by
 * `cni-doctor serve`, the tests and the demo, so they all run the same wiring.
 */
import type { DestinationStream } from "pino";
import { pino } from "pino";
import type { Config, SlackSettings } from "../config.ts";
import { createClusterReader } from "../kube/reader.ts";
import { createClusterWriter } from "../kube/writer.ts";
import { loadInventory, NodeAccess } from "../nodes/index.ts";
import { REDACTED_FIELDS, RemediationService, type RunSummary } from "../remediation/index.ts";
import { type RunningSlackBot, startSlackBot } from "./app.ts";
import { KubeconfigClusters } from "./kube-clusters.ts";
import { remediationPort } from "./remediation-adapter.ts";
import type { RunOrigin } from "./remediation-port.ts";

export interface StartOptions {
  config: Config;
  slack: SlackSettings;
  env: NodeJS.ProcessEnv;
  kubeconfigPath?: string;
  /** Where JSON log lines go (stderr by default). */
  logDestination?: DestinationStream;
  logLevel?: string;
  /** Tests: faster progress updates and Socket Mode heartbeat. */
  progressIntervalMs?: number;
  clientPingTimeoutMs?: number;
}

export interface RunningCniDoctorBot extends RunningSlackBot {
  /** Reports runs left interrupted by an earlier process; resolves with how many were reported. */
  interruptedReported: Promise<number>;
}

export async function startCniDoctorBot(options: StartOptions): Promise<RunningCniDoctorBot> {
  const logger = pino(
    {
      name: "cni-doctor",
      level: options.logLevel ?? "info",
      base: { component: "slack" },
      // Tokens never reach a log line by construction; this is the net under it.
      redact: {
        paths: [
          ...REDACTED_FIELDS,
          "token",
          "botToken",
          "appToken",
          "signingSecret",
          "authorization",
          "headers.authorization",
        ],
        censor: "[redacted]",
      },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.logDestination ?? pino.destination(2),
  );
  const shells: NodeAccess[] = [];
  const nodesFile = options.config.nodesFile;
  const clusters = new KubeconfigClusters({
    ...(options.kubeconfigPath ? { kubeconfigPath: options.kubeconfigPath } : {}),
    contexts: options.slack.clusters,
    ...(nodesFile ? { nodesFile } : {}),
    kubeRequestTimeoutMs: options.config.kubeRequestTimeoutMs,
    env: options.env,
    ...(nodesFile
      ? {
          remediationFor: async (cluster) => {
            const nodeShell = new NodeAccess(await loadInventory(nodesFile), { env: options.env });
            shells.push(nodeShell);
            const service = new RemediationService({
              reader: createClusterReader(cluster.kubeConfig, cluster.identity, {
                requestTimeoutMs: options.config.kubeRequestTimeoutMs,
              }),
              writer: createClusterWriter(cluster.kubeConfig, {
                requestTimeoutMs: options.config.kubeRequestTimeoutMs,
              }),
              kubeConfig: cluster.kubeConfig,
              nodeShell,
              policy: options.config.remediation,
              logger: logger.child({ component: "remediation", cluster: cluster.identity.context }),
            });
            return remediationPort(service);
          },
        }
      : {}),
  });
  if (!nodesFile)
    logger.warn({}, "no CNI_DOCTOR_NODES_FILE: the bot diagnoses from the cluster side and cannot fix");

  const running = await startSlackBot(
    {
      botToken: options.slack.botToken,
      ...(options.slack.appToken ? { appToken: options.slack.appToken } : {}),
      ...(options.slack.signingSecret ? { signingSecret: options.slack.signingSecret } : {}),
      port: options.slack.port,
      ...(options.slack.apiUrl ? { apiUrl: options.slack.apiUrl } : {}),
    },
    {
      clusters,
      logger,
      settings: {
        channelDefaults: options.slack.channelClusters,
        approverGroups: options.slack.approverGroups,
        ...(options.progressIntervalMs !== undefined
          ? { progressIntervalMs: options.progressIntervalMs }
          : {}),
        diagnoseConcurrency: options.config.concurrency,
      },
      ...(options.clientPingTimeoutMs ? { clientPingTimeoutMs: options.clientPingTimeoutMs } : {}),
    },
  );
  const interruptedReported = running.bot.reportInterruptedRuns(originOf).catch((err: Error) => {
    logger.warn({ err: err.message }, "could not check the journal for interrupted runs");
    return 0;
  });
  return {
    ...running,
    interruptedReported,
    stop: async (timeoutMs?: number) => {
      await running.stop(timeoutMs);
      await Promise.allSettled(shells.map((s) => s.close()));
      logger.flush();
    },
  };
}

/** The Slack thread a run was asked for in, when the journal keeps it. */
function originOf(run: RunSummary): RunOrigin | null {
  return run.origin?.kind === "slack" ? run.origin : null;
}
