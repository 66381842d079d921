/**
 * Runs that left nodes half-done, read without writing anything: for `diagnose` (terminal and Slack) to say, beside
 * its findings, that a node's CNI config may be missing because a run moved it aside and never put it back, and the
 * command that restores it. `runs` and `/cni status` say the same from their summaries (moves-left.ts); this look
 * differs in one thing: it journals nothing, so a run whose runner died is judged interrupted here (its lease lapsed)
 * without being marked so, which is `runs`'s job.
 */
import type { ClusterReader } from "../kube/reader.ts";
import { RUN_SELECTOR, recentRunRecords } from "./journal.ts";
import { LEASE_NAME, type LeaseHolder, liveHolder } from "./lease.ts";
import { movesLeftBehind, nodeHealed } from "./moves-left.ts";
import type { RunRecord } from "./run.ts";

export interface HalfDoneRun {
  runId: string;
  /**
   * "in-progress": its runner holds the lease now, and these nodes have files moved that it has not yet verified;
   * "left-behind": it ended (or its runner died) with these nodes neither healed nor restored.
   */
  status: "in-progress" | "left-behind";
  /** The journal's state; a run whose runner died still says "running" until `runs` marks it interrupted. */
  journalState: RunRecord["state"];
  nodes: Array<{ node: string; backupDir: string }>;
  /** What to run: the restore for a run left behind, how to watch or stop one in progress. */
  command: string;
}

/** The runs among `records` that have files moved aside on a node right now, given who holds the lease. */
export function halfDoneRuns(records: readonly RunRecord[], holder: LeaseHolder | null): HalfDoneRun[] {
  return records.flatMap((r): HalfDoneRun[] => {
    if (r.state === "running" && holder?.runId === r.id) {
      const moved = (r.quarantines ?? []).filter(
        (q) => !nodeHealed(r, q.node) && !r.rollbacks.some((rb) => rb.node === q.node && rb.ok),
      );
      if (moved.length === 0) return [];
      return [
        half(r, "in-progress", moved, `cni-doctor runs (cni-doctor stop ${r.id} ends it after its step)`),
      ];
    }
    // A run journaled as running whose lease is gone died mid-run: judge it as `runs` will mark it.
    const judged: RunRecord = r.state === "running" ? { ...r, state: "interrupted" } : r;
    const left = movesLeftBehind(judged);
    return left.length > 0 ? [half(r, "left-behind", left, `cni-doctor rollback ${r.id}`)] : [];
  });
}

function half(
  r: RunRecord,
  status: HalfDoneRun["status"],
  moved: ReadonlyArray<{ node: string; backupDir: string }>,
  command: string,
): HalfDoneRun {
  return {
    runId: r.id,
    status,
    journalState: r.state,
    nodes: moved.map((q) => ({ node: q.node, backupDir: q.backupDir })),
    command,
  };
}

/** What the journal said, or why it could not be read (the diagnosis goes on without it). */
export type HalfDoneLook = { runs: HalfDoneRun[] } | { unreadable: string };

/**
 * Reads the journal and the lease in the bot's namespace with a reader (list and get only). A namespace without a
 * journal has no runs; a refused or failed read is reported, never taken for "no runs".
 */
export async function lookForHalfDoneRuns(
  reader: Pick<ClusterReader, "listConfigMaps" | "getLease">,
  namespace: string,
  now: Date,
): Promise<HalfDoneLook> {
  try {
    const [configMaps, lease] = await Promise.all([
      reader.listConfigMaps(namespace, RUN_SELECTOR),
      reader.getLease(namespace, LEASE_NAME),
    ]);
    return { runs: halfDoneRuns(recentRunRecords(configMaps), lease ? liveHolder(lease, now) : null) };
  } catch (err) {
    return {
      unreadable: `could not read cni-doctor's run journal in namespace ${namespace} (${(err as Error).message}), so runs that left files moved aside are not listed here; 'cni-doctor runs' lists them.`,
    };
  }
}
