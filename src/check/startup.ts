/**
 * The same checks as `cni-doctor check`, run once when `serve` starts, in the background: each failed line is logged
 * with its fix, and the outcome goes to /readyz's body (Readiness.installationChecked). The report never holds a
 * token (Slack's shows as a fingerprint).
 */
import type { Config, SlackSettings } from "../config.ts";
import { loadCluster } from "../kube/cluster-config.ts";
import { createClusterReader } from "../kube/reader.ts";
import { agentPodTransport, chooseNodeTransport, openNodeAccess } from "../nodes/index.ts";
import type { InstallationCheck } from "../ops/health.ts";
import { type CheckReport, summariseReport } from "./model.ts";
import { runChecks } from "./run-checks.ts";

export interface StartupCheckLogger {
  info(fields: object, message: string): void;
  warn(fields: object, message: string): void;
}

export interface StartupCheckInput {
  config: Config;
  slack: SlackSettings;
  kubeconfigPath: string | undefined;
  env: NodeJS.ProcessEnv;
}

/**
 * Runs the checks against one of the bot's clusters: `clusterName` (a kubeconfig context, or "in-cluster"), by
 * default the first (CNI_DOCTOR_CLUSTERS, else the current context).
 */
export async function runInstallationCheck(
  input: StartupCheckInput,
  clusterName: string | undefined = input.slack.clusters[0],
): Promise<CheckReport> {
  const { config, slack } = input;
  const context = clusterName === "in-cluster" ? undefined : clusterName;
  const cluster = loadCluster({
    ...(input.kubeconfigPath ? { kubeconfigPath: input.kubeconfigPath } : {}),
    ...(context ? { context } : {}),
  });
  const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
    requestTimeoutMs: config.kubeRequestTimeoutMs,
  });
  const transport = chooseNodeTransport(config.nodeAccess, config.nodesFile);
  return runChecks({
    config,
    cluster,
    nodeTransport: transport,
    openNodes: () =>
      openNodeAccess({
        choice: config.nodeAccess,
        nodesFile: config.nodesFile,
        mode: "read",
        env: input.env,
        kubernetes: agentPodTransport({
          kubeConfig: cluster.kubeConfig,
          agent: config.nodeAgent,
          requestTimeoutMs: config.kubeRequestTimeoutMs,
          listNodes: () => reader.listNodes(),
          backupRoot: config.remediation.backupRoot,
          concurrency: config.concurrency,
        }),
      }),
    slack: {
      apiUrl: slack.apiUrl ?? "https://slack.com/api/",
      botToken: slack.botToken,
      channels: Object.keys(slack.channelClusters),
      approverIds: slack.approverIds,
      approverGroups: slack.approverGroups,
    },
  });
}

/** What /readyz shows for a report. */
export function installationCheckOf(report: CheckReport): InstallationCheck {
  return {
    state: report.ok ? "passed" : "failed",
    checkedAt: report.checkedAt,
    summary: summariseReport(report),
    failed: report.lines.filter((l) => l.status === "fail").map((l) => l.id),
  };
}

/** Runs the check, logs it (one line per failure, with its fix) and hands the outcome on. Never throws. */
export async function checkInstallationAtStart(
  input: StartupCheckInput,
  logger: StartupCheckLogger,
  report: (result: InstallationCheck) => void,
): Promise<void> {
  try {
    const result = await runInstallationCheck(input);
    for (const line of result.lines.filter((l) => l.status === "fail"))
      logger.warn({ check: line.id, fix: line.fix }, `check failed: ${line.summary}`);
    logger.info(
      { ok: result.ok, cluster: result.cluster.context },
      `installation check: ${summariseReport(result)}`,
    );
    report(installationCheckOf(result));
  } catch (err) {
    const message = (err as Error).message;
    logger.warn({ err: message }, "installation check could not run");
    report({ state: "error", message });
  }
}
