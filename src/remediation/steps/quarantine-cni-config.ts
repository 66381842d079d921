/**
 * Moves CNI files aside into the node's backup directory and proves the move: the sources are gone from the conf dir,
 * and the copies in the backup are byte-identical (SHA-256) to what was there before. `mv -n` never overwrites and
 * may skip silently, so nothing is taken on trust. Never `rm`.
 */
import { checksumFiles, listDirectory, makeBackupDirectory, moveIntoDirectory } from "../../nodes/index.ts";
import type { QuarantineDetail, QuarantineStep } from "../plan-steps.ts";
import { type StepContext, StepFailure } from "./context.ts";
import { nodeCheckContext } from "./node-check.ts";
import { repairOf } from "./node-repair.ts";
import type { StepExecutor } from "./registry.ts";

/** What a node looked like before the move, and what moved: all a rollback needs. */
export interface QuarantineRecord {
  node: string;
  cniConfDir: string;
  backupDir: string;
  /** Entry names in the conf dir before anything moved. */
  namesBefore: string[];
  /** Names that were moved into the backup. */
  moved: string[];
  /** SHA-256 of each moved regular file, before the move. */
  checksums: Record<string, string>;
}

export const quarantineExecutor: StepExecutor<QuarantineStep> = {
  phase: "node",
  timeoutMs: (policy) => policy.stepTimeoutMs,
  async execute(ctx, step, scope) {
    const repair = repairOf(scope, step);
    const { node, quarantine: q } = step;
    repair.moved = await quarantineCniConfig(ctx, node, q, async (record) => {
      repair.moved = record;
      await ctx.journalMove?.(record);
    });
    if (repair.steps.some((s) => s.kind === "restart-cni-agent")) return;
    // A shadowing config needs no restart: the node is fixed once the runtime's first config is its CNI's own.
    const check = await repair.remediator.verify(nodeCheckContext(ctx), node, {
      cniConfDir: q.cniConfDir,
      staleTokenFingerprint: null,
      needsCredentials: false,
      movedAside: q.files,
    });
    for (const line of check.lines) ctx.ledger.note(`${node}: ${line}`);
    if (!check.ok)
      throw new StepFailure(
        `${node} is still not sound after moving the files aside: ${check.lines.join(" ")}`,
      );
    repair.verified = true;
  },
};

export async function quarantineCniConfig(
  ctx: StepContext,
  node: string,
  q: QuarantineDetail,
  onMoved: (record: QuarantineRecord) => void | Promise<void>,
): Promise<QuarantineRecord> {
  const namesBefore = await checkNothingChanged(ctx, node, q);
  const checksums = await checksumsBefore(ctx, node, q);
  const record: QuarantineRecord = {
    node,
    cniConfDir: q.cniConfDir,
    backupDir: q.backupDir,
    namesBefore,
    moved: [...q.files],
    checksums,
  };
  // From here on, a failure may have moved some files: the caller must be able to roll back, and so must
  // `cni-doctor rollback` if this process dies (the record is journaled before the move).
  await onMoved(record);
  await ctx.onNode(
    node,
    moveIntoDirectory(
      q.files.map((f) => `${q.cniConfDir}/${f}`),
      q.backupDir,
      { within: [q.cniConfDir, q.backupDir] },
    ),
  );
  await proveMoved(ctx, node, q, checksums);
  for (const f of q.files) {
    ctx.ledger.note(
      `moved ${q.cniConfDir}/${f} → ${q.backupDir}/${f}${checksums[f] ? ` (sha256 ${checksums[f].slice(0, 16)}…, identical)` : ""}: ${q.reasons[f] ?? ""}`,
    );
  }
  return record;
}

/**
 * Before anything moves: the files are still where the plan saw them, and the backup dir (created now) holds none of
 * them. Returns the conf dir's entry names.
 */
async function checkNothingChanged(ctx: StepContext, node: string, q: QuarantineDetail): Promise<string[]> {
  const before = await ctx.onNode(node, listDirectory(q.cniConfDir, { within: [q.cniConfDir] }));
  if (before.status === "missing") {
    throw new StepFailure(`${q.cniConfDir} does not exist on ${node}; nothing was moved. Diagnose again.`);
  }
  const namesBefore = before.entries.map((e) => e.name);
  const missing = q.files.filter((f) => !namesBefore.includes(f));
  if (missing.length > 0) {
    throw new StepFailure(
      `${missing.join(", ")} no longer in ${q.cniConfDir} on ${node}; nothing was moved. The node changed since the diagnosis: diagnose again.`,
    );
  }
  await ctx.onNode(node, makeBackupDirectory(q.backupDir, { within: [q.backupRoot] }));
  const backup = await ctx.onNode(node, listDirectory(q.backupDir, { within: [q.backupDir] }));
  const clashing =
    backup.status === "ok" ? backup.entries.filter((e) => q.files.includes(e.name)).map((e) => e.name) : [];
  if (clashing.length > 0) {
    throw new StepFailure(
      `${q.backupDir} on ${node} already holds ${clashing.join(", ")} (an earlier run's backup); nothing was moved, so it is not mixed up. Move that backup elsewhere and diagnose again.`,
    );
  }
  return namesBefore;
}

async function checksumsBefore(
  ctx: StepContext,
  node: string,
  q: QuarantineDetail,
): Promise<Record<string, string>> {
  const checksums: Record<string, string> = {};
  if (q.regularFiles.length === 0) return checksums;
  const sums = await ctx.onNode(
    node,
    checksumFiles(
      q.regularFiles.map((f) => `${q.cniConfDir}/${f}`),
      { within: [q.cniConfDir, q.backupDir] },
    ),
  );
  for (const [i, sum] of sums.entries()) {
    const name = q.regularFiles[i] as string;
    if (sum.status !== "ok")
      throw new StepFailure(`${sum.path} vanished on ${node} before it was moved; nothing was moved.`);
    checksums[name] = sum.sha256;
  }
  return checksums;
}

/** The sources are gone, every file arrived in the backup, and each copy is byte-identical to the original. */
async function proveMoved(
  ctx: StepContext,
  node: string,
  q: QuarantineDetail,
  checksums: Record<string, string>,
): Promise<void> {
  const after = await ctx.onNode(node, listDirectory(q.cniConfDir, { within: [q.cniConfDir] }));
  const stillThere =
    after.status === "ok" ? q.files.filter((f) => after.entries.some((e) => e.name === f)) : [];
  if (stillThere.length > 0) {
    throw new StepFailure(
      `mv left ${stillThere.join(", ")} in ${q.cniConfDir} on ${node}; the move did not complete.`,
    );
  }
  const inBackup = await ctx.onNode(node, listDirectory(q.backupDir, { within: [q.backupDir] }));
  const absent =
    inBackup.status === "ok" ? q.files.filter((f) => !inBackup.entries.some((e) => e.name === f)) : q.files;
  if (absent.length > 0) {
    throw new StepFailure(`${absent.join(", ")} did not arrive in ${q.backupDir} on ${node}.`);
  }
  if (q.regularFiles.length === 0) return;
  const copies = await ctx.onNode(
    node,
    checksumFiles(
      q.regularFiles.map((f) => `${q.backupDir}/${f}`),
      { within: [q.cniConfDir, q.backupDir] },
    ),
  );
  for (const [i, sum] of copies.entries()) {
    const name = q.regularFiles[i] as string;
    if (sum.status !== "ok" || sum.sha256 !== checksums[name]) {
      throw new StepFailure(
        `the backup copy ${q.backupDir}/${name} on ${node} is not byte-identical to the original (sha256 ${checksums[name]?.slice(0, 16)} before, ${sum.status === "ok" ? sum.sha256.slice(0, 16) : "missing"} after).`,
      );
    }
  }
}
