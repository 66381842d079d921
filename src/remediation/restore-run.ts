/**
 * `cni-doctor rollback RUN [--node N]`: puts back the CNI files a run moved aside and left moved — a run interrupted
 * (its process killed), failed or stopped before the node was healed or rolled back. It is a write, so it passes the
 * approval policy as `fix` does at the terminal (an approver, allowed to approve their own request), holds the
 * cluster's lease like any run, and restores through the runner's own rollback step (steps/rollback.ts): byte for
 * byte against the checksums journaled before the move, with anything written since moved aside, never deleted.
 */
import type { Logger } from "pino";
import { approverKey, isListedApprover, selfApprovalAllowed } from "./approval-gate.ts";
import type { RunAudit } from "./audit.ts";
import type { RunJournal } from "./journal.ts";
import type { ClusterLease } from "./lease.ts";
import { movesLeftBehind, nodeHealed } from "./moves-left.ts";
import { type Actor, actorName, type RollbackRecord, type RunRecord } from "./run.ts";
import { type RemediationDeps, recordingExitCode, type StepContext, StepLedger } from "./steps/context.ts";
import { restoreNodeBackup } from "./steps/rollback.ts";

export interface RestoreParts {
  deps: RemediationDeps;
  logger: Logger;
  journal: RunJournal;
  lease: ClusterLease;
  instanceId: string;
  audit: (record: RunRecord) => RunAudit;
  /** Marks runs whose runner died as interrupted, so a dead run is told apart from a live one. */
  refreshRuns: () => Promise<unknown>;
}

export interface RestoreOutcome {
  /** restored: every node put back; failed: a restore was incomplete; refused: nothing was done. */
  status: "restored" | "failed" | "refused" | "nothing-to-restore";
  message: string;
  rollbacks: RollbackRecord[];
}

const RESTORABLE = "an interrupted, failed, stopped or rolled-back run";

/** Why `by` may not restore on their own, or null. The same rule `fix` applies to a terminal user's own request. */
export function restoreRefusal(by: Actor, policy: RemediationDeps["policy"]): string | null {
  if (!isListedApprover(by, policy.approvers))
    return `${approverKey(by)} may not restore nodes: a rollback changes nodes, and only approvers may (CNI_DOCTOR_APPROVERS).`;
  if (!selfApprovalAllowed(policy, by) || policy.quorum > 1)
    return `${approverKey(by)} may not restore nodes alone: the policy wants a second approver (CNI_DOCTOR_SELF_APPROVAL=${policy.selfApproval}, quorum ${policy.quorum}). An approver allowed to approve their own request runs it, or restore by hand from the backup dir with mv -n.`;
  return null;
}

export async function restoreRun(
  parts: RestoreParts,
  runId: string,
  by: Actor,
  options: { node?: string | undefined },
): Promise<RestoreOutcome> {
  const refuse = (message: string): RestoreOutcome => ({ status: "refused", message, rollbacks: [] });
  const policyRefusal = restoreRefusal(by, parts.deps.policy);
  if (policyRefusal) return refuse(policyRefusal);
  await parts.refreshRuns();
  const record = await parts.journal.get(runId);
  if (!record) return refuse(`No run ${runId} in the journal; 'cni-doctor runs' lists them.`);
  const stateRefusal = refusalForState(record);
  if (stateRefusal) return refuse(stateRefusal);
  const nodes = record.plan.blastRadius.nodes;
  if (options.node !== undefined && !nodes.includes(options.node))
    return refuse(
      `Run ${runId} did not touch node ${options.node}; its nodes are ${nodes.join(", ") || "none"}.`,
    );
  if (options.node !== undefined && nodeHealed(record, options.node))
    return refuse(
      `Run ${runId} healed ${options.node}; restoring would bring back the files that broke it. Nothing was changed.`,
    );
  const moves = movesLeftBehind(record).filter((q) => options.node === undefined || q.node === options.node);
  if (moves.length === 0)
    return {
      status: "nothing-to-restore",
      message: `Run ${runId} left no files moved${options.node ? ` on ${options.node}` : ""} (every node was healed, rolled back, or never touched); nothing to restore.`,
      rollbacks: [],
    };
  const holder = `${parts.instanceId}/rollback-${runId}`;
  const leased = await parts.lease.withLease(holder, runId, leaseHooks(parts, runId), async () => {
    const audit = parts.audit(record);
    audit.runLog("warn", `rollback of run ${runId} requested by ${actorName(by)}`, {
      nodes: moves.map((q) => q.node),
    });
    const rollbacks: RollbackRecord[] = [];
    for (const q of moves) {
      const rb = await restoreNodeBackup(restoreContext(parts.deps, runId), q);
      rollbacks.push(rb);
      await audit.rollback(rb);
    }
    return rollbacks;
  });
  if (!leased.acquired) {
    const { heldBy } = leased;
    return refuse(
      `Another run${heldBy.runId ? ` (${heldBy.runId})` : ""} holds this cluster's lease (${heldBy.holder}) until ${heldBy.expiresAt.toISOString()}; nothing was changed. Try again once it ends.`,
    );
  }
  const rollbacks = leased.value;
  const ok = rollbacks.every((rb) => rb.ok);
  return {
    status: ok ? "restored" : "failed",
    message: rollbacks.map((rb) => rb.message).join(" "),
    rollbacks,
  };
}

function refusalForState(record: RunRecord): string | null {
  if (record.state === "running")
    return `Run ${record.id} is still running (its runner holds the cluster's lease); it rolls back a half-done node itself. Stop it ('cni-doctor pause' or its Stop button) and let it end.`;
  if (record.state === "succeeded")
    return `Run ${record.id} succeeded: its nodes are healed, and restoring would bring back the files that broke them. Nothing was changed.`;
  if (["interrupted", "failed", "stopped", "rolled-back"].includes(record.state)) return null;
  return `Run ${record.id} is ${record.state}: it never moved anything. Only ${RESTORABLE} has files to restore.`;
}

function leaseHooks(parts: RestoreParts, runId: string) {
  return {
    onRenewError: (err: Error) =>
      parts.logger.warn(
        { runId, err: err.message },
        "could not renew the remediation lease during a rollback",
      ),
    onReleaseError: (err: Error) =>
      parts.logger.warn(
        { runId, err: err.message },
        "could not release the remediation lease after a rollback",
      ),
  };
}

/** The runner's step context for one restore: same node writer, same command ledger, the step timeout. */
function restoreContext(deps: RemediationDeps, runId: string): StepContext {
  const ledger = new StepLedger();
  const nodeInfo = async (node: string) => {
    const n = await deps.reader.getNode(node);
    return {
      internalIP: n?.status?.addresses?.find((a) => a.type === "InternalIP")?.address,
      uid: n?.metadata?.uid,
    };
  };
  return {
    deps,
    runId,
    ledger,
    deadline: Date.now() + deps.policy.stepTimeoutMs,
    nodeInfo,
    async onNode(node, template) {
      const { internalIP } = await nodeInfo(node);
      ledger.ran.push(deps.nodeWriter.commandLine(node, internalIP, template));
      return deps.nodeWriter.run(
        node,
        internalIP,
        recordingExitCode(template, (code) => ledger.exitCodes.push(code)),
      );
    },
  };
}
