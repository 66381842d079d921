/**
 * Which of a run's moves are still undone: files moved aside on a node the run neither healed nor rolled back (it
 * died, stopped or failed in between). `runs`, `/cni status` and `cni-doctor rollback` all ask this one question.
 */
import type { RunRecord, RunState, RunSummary } from "./run.ts";
import type { QuarantineRecord } from "./steps/quarantine-cni-config.ts";

/** States after which a node's moved files stay where they are unless someone restores them. */
const RESTORABLE_STATES: ReadonlySet<RunState> = new Set(["interrupted", "failed", "stopped", "rolled-back"]);

/**
 * The moves of a run that ended without healing or restoring the node: the run stopped (or died) between moving
 * files aside and verifying the node, and no rollback put them back. A healed node is never among them: restoring it
 * would bring back the files that broke it.
 */
export function movesLeftBehind(r: RunRecord): QuarantineRecord[] {
  if (!RESTORABLE_STATES.has(r.state)) return [];
  return (r.quarantines ?? []).filter(
    (q) => !nodeHealed(r, q.node) && !r.rollbacks.some((rb) => rb.node === q.node && rb.ok),
  );
}

/** Every fix step the plan has for the node finished ok. */
export function nodeHealed(r: RunRecord, node: string): boolean {
  const planned = r.plan.steps
    .map((s, index) => ({ s, index }))
    .filter(
      ({ s }) => s.node === node && (s.kind === "quarantine-cni-config" || s.kind === "restart-cni-agent"),
    );
  return (
    planned.length > 0 &&
    planned.every(({ index }) => r.steps.some((st) => st.index === index && st.status === "ok"))
  );
}

export function leftMoved(r: RunRecord): Pick<RunSummary, "filesLeftMoved" | "restoreCommand"> {
  const left = movesLeftBehind(r);
  return {
    filesLeftMoved: left.map((q) => ({ node: q.node, dir: q.backupDir })),
    restoreCommand: left.length > 0 ? `cni-doctor rollback ${r.id}` : null,
  };
}
