import type { Config } from "../../config.ts";
import { checkScope, diagnoseCluster, unusableApiServer } from "../../diagnosis/index.ts";
import type { LoadedCluster } from "../../kube/cluster-config.ts";
import { type ClusterReader, createClusterReader } from "../../kube/reader.ts";
import type { NodeReader, NodeWriter } from "../../nodes/index.ts";
import { agentPodTransport, isNodeAccessError, openNodeAccess } from "../../nodes/index.ts";
import { lookForHalfDoneRuns } from "../../remediation/half-done.ts";
import { type CommandIO, type CommandSpec, type ParsedArgs, UsageError } from "../command.ts";
import { loadSettings } from "../load-settings.ts";
import { renderDiagnosisText } from "../render/diagnosis-text.ts";
import { renderHalfDoneText } from "../render/half-done-text.ts";
import { styleFor } from "../render/style.ts";
import { diagnoseUsage } from "./usage/diagnose.ts";

/** Exit codes of `diagnose`, documented in the README. */
export const DIAGNOSE_EXIT = { healthy: 0, failure: 1, findings: 3, incomplete: 4 } as const;

export const diagnoseCommand: CommandSpec = {
  ...diagnoseUsage,
  async run(args, io) {
    const v = args.values;
    const { config, cluster } = loadSettings(v, io.env);
    const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
      requestTimeoutMs: config.kubeRequestTimeoutMs,
    });
    const scope = { namespace: v.namespace as string | undefined, node: v.node as string | undefined };
    // A typo in --node or --namespace is a usage error, not "Healthy" (empty lists) or "Incomplete" (a 404).
    // A failed read here is the diagnosis's to report (below), in one line when the API server cannot be used.
    const scopeProblem = await checkScope(reader, scope).catch(() => null);
    if (scopeProblem) throw new UsageError(scopeProblem.message);
    // Diagnosis only looks: the node access it gets is typed (and wrapped) read-only, and agent pods mount read-only.
    const nodeReader: NodeReader | undefined = await openCliNodeAccess(
      { values: v, config, cluster, reader, io },
      "read",
    );
    // Read beside the diagnosis: a run that left CNI files moved aside explains a node's state and has a restore.
    const halfDone = lookForHalfDoneRuns(reader, config.remediation.namespace, new Date());
    let diagnosis: Awaited<ReturnType<typeof diagnoseCluster>>;
    try {
      diagnosis = await diagnoseCluster(reader, {
        scope,
        concurrency: config.concurrency,
        ...(nodeReader ? { nodeReader } : {}),
      });
    } finally {
      // SSH connections would otherwise keep the process alive.
      await nodeReader?.close();
    }
    const unusable = unusableApiServer(diagnosis);
    if (unusable !== null) {
      // Nothing was read: one line for the one cause, not the same failure once per check.
      if (v.json) io.stdout.write(`${JSON.stringify(diagnosis, null, 2)}\n`);
      io.stderr.write(`cni-doctor diagnose: ${unusable.line}\n`);
      return DIAGNOSE_EXIT.failure;
    }
    const halfDoneRuns = await halfDone;
    const style = styleFor(io.stdout, io.env);
    io.stdout.write(
      v.json
        ? `${JSON.stringify({ ...diagnosis, halfDoneRuns }, null, 2)}\n`
        : renderDiagnosisText(diagnosis, style) + renderHalfDoneText(halfDoneRuns, style),
    );
    if (diagnosis.errors.length > 0) return DIAGNOSE_EXIT.incomplete;
    return diagnosis.healthy ? DIAGNOSE_EXIT.healthy : DIAGNOSE_EXIT.findings;
  },
};

export interface CliNodeAccessContext {
  values: ParsedArgs["values"];
  config: Config;
  cluster: LoadedCluster;
  reader: ClusterReader;
  io: CommandIO;
}

/** Node access as --node-access and --nodes-file say: read-only pods for diagnosis, read-write for an approved run. */
export async function openCliNodeAccess(
  context: CliNodeAccessContext,
  mode: "read" | "write",
): Promise<NodeWriter | undefined> {
  const { values: v, config, cluster, reader, io } = context;
  const verbose = Boolean(v.verbose);
  try {
    return await openNodeAccess({
      choice: (v["node-access"] as string | undefined) ?? config.nodeAccess,
      nodesFile: (v["nodes-file"] as string | undefined) ?? config.nodesFile,
      mode,
      env: io.env,
      kubernetes: agentPodTransport({
        kubeConfig: cluster.kubeConfig,
        agent: config.nodeAgent,
        requestTimeoutMs: config.kubeRequestTimeoutMs,
        listNodes: () => reader.listNodes(),
        backupRoot: config.remediation.backupRoot,
        concurrency: config.concurrency,
      }),
      onNote: (line) => io.stderr.write(`(${line})\n`),
      onWarning: (line) => io.stderr.write(`warning: ${line}\n`),
      ...(verbose
        ? {
            onCommand: (e) =>
              io.stderr.write(
                `node ${e.node}: ${e.commandLine} (${Math.round(e.durationMs)} ms, ${e.outcome}${e.errorKind ? `: ${e.errorKind}` : ""})\n`,
              ),
          }
        : {}),
    });
  } catch (err) {
    if (isNodeAccessError(err, "inventory-invalid")) throw new UsageError(err.message);
    throw err;
  }
}
