/**
 * Wiring shared by the remediation commands (fix, pause, resume, runs): config, cluster, reader and writer, node
 * access when a nodes file is given, the audit logger, and the RemediationService.
 */

import { homedir, userInfo } from "node:os";
import { join } from "node:path";
import { pino } from "pino";
import { createClusterReader } from "../kube/reader.ts";
import { createPodWatcher } from "../kube/wait.ts";
import { createClusterWriter } from "../kube/writer.ts";
import { NodeAccessError, type NodeWriter } from "../nodes/index.ts";
import { type Actor, createAuditLogger, RemediationService } from "../remediation/index.ts";
import type { CommandIO, ParsedArgs } from "./command.ts";
import { openNodeAccess } from "./commands/diagnose.ts";
import { loadSettings } from "./load-settings.ts";

export { CLUSTER_OPTIONS } from "./load-settings.ts";

/** The person at the terminal: the OS user, via the CLI. */
export function terminalActor(): Actor {
  const name = userInfo().username;
  return { id: name, displayName: name, via: "cli" };
}

export async function openRemediation(
  args: ParsedArgs,
  io: CommandIO,
  options: { nodesFile?: string | undefined; verbose?: boolean },
) {
  const { config, cluster } = loadSettings(args.values, io.env);
  const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
    requestTimeoutMs: config.kubeRequestTimeoutMs,
  });
  const writer = createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: config.kubeRequestTimeoutMs });
  const audit = auditDestination(config.auditLog, io);
  if (audit.path) io.stderr.write(`(audit log: ${audit.path})\n`);
  const nodesFile = options.nodesFile ?? config.nodesFile;
  const nodeWriter: NodeWriter =
    nodesFile === undefined
      ? noNodeAccess()
      : await openNodeAccess(nodesFile, options.verbose ?? false, io, reader);
  const service = new RemediationService({
    reader,
    writer,
    pods: createPodWatcher(cluster.kubeConfig, reader),
    nodeWriter,
    policy: config.remediation,
    logger: createAuditLogger(audit.destination, config.logLevel),
  });
  return {
    service,
    reader,
    nodeWriter,
    identity: cluster.identity,
    config,
    hasNodeAccess: nodesFile !== undefined,
    close: () => nodeWriter.close(),
  };
}

/**
 * JSON audit lines are for machines; on a terminal they would bury the progress a person reads, so there they go to a
 * file (CNI_DOCTOR_AUDIT_LOG, default ~/.local/state/cni-doctor/audit.log). Piped or in CI, they stay on stderr.
 */
function auditDestination(configured: string | undefined, io: CommandIO) {
  const stderrIsTerminal = (io.stderr as { isTTY?: boolean }).isTTY === true;
  const path =
    configured ?? (stderrIsTerminal ? join(homedir(), ".local/state/cni-doctor/audit.log") : undefined);
  if (!path) return { destination: io.stderr, path: undefined };
  return { destination: pino.destination({ dest: path, append: true, mkdir: true, sync: true }), path };
}

/** For commands that never touch nodes (pause, resume, runs): any attempt says so instead of pretending. */
function noNodeAccess(): NodeWriter {
  const refuse = (): never => {
    throw new NodeAccessError(
      "argument-rejected",
      "no nodes file was given, so cni-doctor cannot reach nodes; pass --nodes-file FILE or set CNI_DOCTOR_NODES_FILE.",
    );
  };
  return { target: refuse, commandLine: refuse, run: async () => refuse(), close: async () => {} };
}
