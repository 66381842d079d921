import { ConfigError, loadConfig } from "../../config.ts";
import { diagnoseCluster } from "../../diagnosis/service.ts";
import { ClusterConfigError, loadCluster } from "../../kube/cluster-config.ts";
import { createClusterReader } from "../../kube/reader.ts";
import { type CommandSpec, UsageError } from "../command.ts";
import { renderDiagnosisText } from "../render/diagnosis-text.ts";
import { styleFor } from "../render/style.ts";

/** Exit codes of `diagnose`, documented in the README. */
export const DIAGNOSE_EXIT = { healthy: 0, failure: 1, findings: 3, incomplete: 4 } as const;

export const diagnoseCommand: CommandSpec = {
  name: "diagnose",
  summary:
    "Find pods stuck on CNI sandbox failures, check each affected node's CNI agent, and name the root cause.",
  options: {
    kubeconfig: {
      type: "string",
      valueName: "FILE",
      description: "kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster).",
    },
    context: {
      type: "string",
      valueName: "NAME",
      description: "kubeconfig context (default: the current one).",
    },
    namespace: { type: "string", short: "n", valueName: "NS", description: "Only pods in this namespace." },
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    json: {
      type: "boolean",
      description: "Print the Diagnosis as JSON (the stable contract in the README).",
    },
  },
  details: [
    "Read-only: it lists and gets, and asks the API server to review tokens; it changes nothing.",
    "Exit status: 0 healthy, 3 findings, 4 incomplete (a check failed), 1 could not run, 2 bad usage.",
  ].join("\n"),
  async run(args, io) {
    const v = args.values;
    let cluster: ReturnType<typeof loadCluster>;
    let config: ReturnType<typeof loadConfig>;
    try {
      config = loadConfig(io.env);
      cluster = loadCluster({
        kubeconfigPath: v.kubeconfig as string | undefined,
        context: v.context as string | undefined,
      });
    } catch (err) {
      if (err instanceof ClusterConfigError || err instanceof ConfigError) throw new UsageError(err.message);
      throw err;
    }
    const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
      requestTimeoutMs: config.kubeRequestTimeoutMs,
    });
    const diagnosis = await diagnoseCluster(reader, {
      scope: { namespace: v.namespace as string | undefined, node: v.node as string | undefined },
      concurrency: config.concurrency,
    });
    io.stdout.write(
      v.json
        ? `${JSON.stringify(diagnosis, null, 2)}\n`
        : renderDiagnosisText(diagnosis, styleFor(io.stdout, io.env)),
    );
    if (diagnosis.errors.length > 0) return DIAGNOSE_EXIT.incomplete;
    return diagnosis.healthy ? DIAGNOSE_EXIT.healthy : DIAGNOSE_EXIT.findings;
  },
};
