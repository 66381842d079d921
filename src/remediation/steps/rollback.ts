/**
 * Restores a node's conf dir to what it was before the run, byte for byte: whatever appeared since the move (files
 * install-cni or anything else wrote) is moved aside into `<backup>/displaced-<run>/` — never deleted — and the backed
 * up files are moved back and checksummed against the originals.
 */
import { checksumFiles, listDirectory, makeBackupDirectory, moveIntoDirectory } from "../../nodes/index.ts";
import type { RollbackRecord } from "../run.ts";
import type { StepContext } from "./context.ts";
import type { QuarantineRecord } from "./quarantine-cni-config.ts";

export async function restoreNodeBackup(ctx: StepContext, q: QuarantineRecord): Promise<RollbackRecord> {
  const at = ctx.deps.now().toISOString();
  const within = [q.cniConfDir, q.backupDir];
  const displacedTo = `${q.backupDir}/displaced-${ctx.runId}`;
  const base = {
    node: q.node,
    at,
    restored: [] as string[],
    displaced: [] as string[],
    displacedTo: null as string | null,
  };
  try {
    const backup = await ctx.onNode(q.node, listDirectory(q.backupDir, { within: [q.backupDir] }));
    const toRestore =
      backup.status === "ok" ? q.moved.filter((f) => backup.entries.some((e) => e.name === f)) : [];
    const current = await ctx.onNode(q.node, listDirectory(q.cniConfDir, { within: [q.cniConfDir] }));
    const names = current.status === "ok" ? current.entries.map((e) => e.name) : [];
    // A file meant to move that is still in the conf dir but not in the backup never moved (the connection died
    // before mv ran): it is the original, and stays where it is (its checksum is checked below).
    const neverMoved = q.moved.filter((f) => names.includes(f) && !toRestore.includes(f));
    // Anything that was not there before the run, or that takes the place of a moved file, goes aside.
    const displaced = names.filter((n) => !q.namesBefore.includes(n) || toRestore.includes(n));
    if (displaced.length > 0) {
      await ctx.onNode(q.node, makeBackupDirectory(displacedTo, { within: [q.backupDir] }));
      await ctx.onNode(
        q.node,
        moveIntoDirectory(
          displaced.map((n) => `${q.cniConfDir}/${n}`),
          displacedTo,
          { within: [q.cniConfDir, displacedTo] },
        ),
      );
    }
    if (toRestore.length > 0) {
      await ctx.onNode(
        q.node,
        moveIntoDirectory(
          toRestore.map((f) => `${q.backupDir}/${f}`),
          q.cniConfDir,
          { within },
        ),
      );
    }
    const problems: string[] = [];
    const lost = q.moved.filter((f) => !toRestore.includes(f) && !neverMoved.includes(f));
    if (lost.length > 0) problems.push(`${lost.join(", ")} is neither in ${q.cniConfDir} nor in the backup`);
    const sumsWanted = [...toRestore, ...neverMoved].filter((f) => q.checksums[f] !== undefined);
    if (sumsWanted.length > 0) {
      const sums = await ctx.onNode(
        q.node,
        checksumFiles(
          sumsWanted.map((f) => `${q.cniConfDir}/${f}`),
          { within },
        ),
      );
      for (const [i, sum] of sums.entries()) {
        const name = sumsWanted[i] as string;
        if (sum.status !== "ok" || sum.sha256 !== q.checksums[name]) {
          problems.push(`${q.cniConfDir}/${name} is not byte-identical to the original after the restore`);
        }
      }
    }
    const ok = problems.length === 0;
    return {
      ...base,
      ok,
      restored: toRestore,
      displaced,
      displacedTo: displaced.length > 0 ? displacedTo : null,
      message: ok
        ? `${[
            toRestore.length > 0 ? `Restored ${toRestore.join(", ")} in ${q.cniConfDir} on ${q.node}` : "",
            neverMoved.length > 0
              ? `${neverMoved.join(", ")} never left ${q.cniConfDir} on ${q.node} and ${neverMoved.length === 1 ? "is" : "are"} still there`
              : "",
          ]
            .filter(Boolean)
            .join(
              "; ",
            )}, byte-identical to the originals${displaced.length > 0 ? `; moved ${displaced.join(", ")} (written during the run) aside into ${displacedTo}` : ""}.`
        : `Rollback on ${q.node} incomplete: ${problems.join("; ")}. The backup is in ${q.backupDir}; restore by hand.`,
    };
  } catch (err) {
    return {
      ...base,
      ok: false,
      message: `Rollback on ${q.node} failed: ${(err as Error).message}. The moved files are in ${q.backupDir} (and anything displaced in ${displacedTo}); restore by hand with mv -n.`,
    };
  }
}
