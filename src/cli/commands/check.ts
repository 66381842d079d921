import { renderReportText } from "../../check/model.ts";
import { runChecks } from "../../check/run-checks.ts";
import type { SlackCheckInput } from "../../check/slack.ts";
import { ConfigError, loadSlackSettings } from "../../config.ts";
import { createClusterReader } from "../../kube/reader.ts";
import { chooseNodeTransport } from "../../nodes/index.ts";
import { type CommandSpec, UsageError } from "../command.ts";
import { CLUSTER_OPTIONS, loadSettings } from "../load-settings.ts";
import { NODE_ACCESS_OPTION, openCliNodeAccess } from "./diagnose.ts";

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
  name: "check",
  summary:
    "Check this installation can do its job: API server, namespaces, every permission the bot uses, the CNI, node access, Slack and clocks. Changes nothing.",
  options: {
    ...CLUSTER_OPTIONS,
    "node-access": NODE_ACCESS_OPTION,
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description: "Nodes file for SSH node access (default: $CNI_DOCTOR_NODES_FILE).",
    },
    json: { type: "boolean", description: "Print the report as JSON ({ok, checkedAt, cluster, lines})." },
  },
  details: [
    "Each line is ✓ (passed), ✗ (failed, with the fix on the next line) or · (worth knowing, never a failure).",
    "Permissions are asked with SelfSubjectAccessReview, one per operation the bot performs; a ✗ names the verb,",
    "resource and namespace and the line of manifests/rbac.yaml that grants it. Creates are also tried with",
    "dryRun=All, so Pod Security and the PriorityClass are checked too, and nothing is stored.",
    "Node access runs the read-only `date` template on one node of each kind (control plane, worker); through",
    "Kubernetes that starts one short-lived agent pod per node, deleted after. Slack is checked when",
    "SLACK_BOT_TOKEN is set (auth.test, scopes, channel membership, approvers); the token is shown as a fingerprint.",
    "Exit status: 0 every check passed, 1 a check failed, 2 bad usage.",
  ].join("\n"),
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
