import { renderReportText } from "../../check/model.ts";
import { runChecks } from "../../check/run-checks.ts";
import type { SlackCheckInput } from "../../check/slack.ts";
import { ConfigError, loadSlackSettings } from "../../config.ts";
import { createClusterReader } from "../../kube/reader.ts";
import { chooseNodeTransport } from "../../nodes/index.ts";
import { type CommandSpec, UsageError } from "../command.ts";
import { loadSettings } from "../load-settings.ts";
import { openCliNodeAccess } from "./diagnose.ts";
import { checkUsage } from "./usage/check.ts";

/** Slack as `serve` would use it: unset token = not configured; invalid settings = the reason, as one failed line. */
export function slackCheckSettings(
  env: NodeJS.ProcessEnv,
): Omit<SlackCheckInput, "timeoutMs"> | string | undefined {
  if (!env.SLACK_BOT_TOKEN) return undefined;
  try {
    const s = loadSlackSettings(env);
    return {
      apiUrl: s.apiUrl ?? "https://slack.com/api/",
      botToken: s.botToken,
      channels: Object.keys(s.channelClusters),
      approverIds: s.approverIds,
      approverGroups: s.approverGroups,
    };
  } catch (err) {
    if (err instanceof ConfigError) return err.message;
    throw err;
  }
}

export const checkCommand: CommandSpec = {
  ...checkUsage,
  async run(args, io) {
    const v = args.values;
    const { config, cluster } = loadSettings(v, io.env);
    const nodesFile = (v["nodes-file"] as string | undefined) ?? config.nodesFile;
    let transport: ReturnType<typeof chooseNodeTransport>;
    try {
      transport = chooseNodeTransport(
        (v["node-access"] as string | undefined) ?? config.nodeAccess,
        nodesFile,
      );
    } catch (err) {
      throw new UsageError((err as Error).message);
    }
    const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
      requestTimeoutMs: config.kubeRequestTimeoutMs,
    });
    const report = await runChecks({
      config,
      cluster,
      nodeTransport: transport,
      openNodes: () => openCliNodeAccess({ values: v, config, cluster, reader, io }, "read"),
      slack: slackCheckSettings(io.env),
    });
    io.stdout.write(v.json ? `${JSON.stringify(report, null, 2)}\n` : renderReportText(report));
    return report.ok ? 0 : 1;
  },
};
