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
import { openCliNodeAccess } from "./commands/diagnose.ts";
import { loadSettings } from "./load-settings.ts";

/** The person at the terminal: the OS user, via the CLI. */
export function terminalActor(): Actor {
  const name = userInfo().username;
  return { id: name, displayName: name, via: "cli" };
}

export async function openRemediation(args: ParsedArgs, io: CommandIO, options: { nodeAccess?: boolean }) {
  const { config, cluster } = loadSettings(args.values, io.env);
  const reader = createClusterReader(cluster.kubeConfig, cluster.identity, {
    requestTimeoutMs: config.kubeRequestTimeoutMs,
  });
  const writer = createClusterWriter(cluster.kubeConfig, { requestTimeoutMs: config.kubeRequestTimeoutMs });
  const audit = auditDestination(config.auditLog, io);
  if (audit.path) io.stderr.write(`(audit log: ${audit.path})\n`);
  // Only `fix` asks for node access; it is the writer an approved run is handed (read-write agent pods or SSH).
  const opened =
    options.nodeAccess === true
      ? await openCliNodeAccess({ values: args.values, config, cluster, reader, io }, "write")
      : undefined;
  const nodeWriter: NodeWriter = opened ?? noNodeAccess();
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
    hasNodeAccess: opened !== undefined,
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
      "no node access was opened, so cni-doctor cannot reach nodes; use --node-access kubernetes (agent pods) or --nodes-file FILE (SSH).",
    );
  };
  return { target: refuse, commandLine: refuse, run: async () => refuse(), close: async () => {} };
}
