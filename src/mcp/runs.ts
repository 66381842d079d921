/**
 * The journal as `cni-doctor runs --json` prints it ({paused, runs}), read without writing. `runs` journals what it
 * finds (a run whose runner died becomes "interrupted", a pending run past its window "expired"); an MCP client only
 * looks, so here those judgments are made on the summaries alone, as `diagnose` judges half-done runs
 * (src/remediation/half-done.ts), and the journal is left for `runs` or the bot to close.
 */
import type { ClusterWriter } from "../kube/writer.ts";
import type { RunSummary } from "../remediation/index.ts";
import { RunJournal } from "../remediation/journal.ts";
import { KillSwitch } from "../remediation/kill-switch.ts";
import { ClusterLease } from "../remediation/lease.ts";
import { summarizeRun } from "../remediation/run.ts";

export interface RunsListing {
  paused: boolean;
  runs: RunSummary[];
}

/** Reads the journal, the kill switch and the lease (get and list only) in the bot's namespace. */
export async function listRunsReadOnly(
  reads: Pick<ClusterWriter, "namespaceExists" | "listConfigMaps" | "getConfigMap" | "getLease">,
  options: { namespace: string; leaseDurationSeconds: number; now: Date },
): Promise<RunsListing> {
  // Only the reading methods are ever called on these; the cast widens the type, not what is done.
  const writer = reads as ClusterWriter;
  const journal = new RunJournal(writer, options.namespace);
  await journal.ensureReady();
  const [records, holder, pause] = await Promise.all([
    journal.recent(),
    new ClusterLease(writer, options.namespace, options.leaseDurationSeconds, () => options.now).holder(),
    new KillSwitch(writer, options.namespace).state(),
  ]);
  const runs = records.map((record): RunSummary => {
    if (record.state === "running" && holder?.runId !== record.id) {
      const summary = summarizeRun(record);
      const backups = summary.backups.map((b) => `${b.node}:${b.dir}`).join(", ");
      const outcome = `interrupted: the runner stopped (its lease lapsed) during ${summary.lastStep ?? "its first step"}${backups ? `; moved files, if any, are in ${backups}` : ""}. Diagnose again before another fix.`;
      return summarizeRun({ ...record, state: "interrupted", outcome });
    }
    if (
      (record.state === "pending" || record.state === "approved") &&
      options.now.getTime() >= Date.parse(record.expiresAt)
    ) {
      return summarizeRun({
        ...record,
        state: "expired",
        outcome: `approval window closed at ${record.expiresAt}`,
      });
    }
    return summarizeRun(record);
  });
  return { paused: pause.paused, runs };
}
