/**
 * GNU coreutils `mkdir [-p] [-m MODE] [-v] DIR...`. New directories get 0755 (umask 022); with -m the last component
 * gets exactly MODE (coreutils applies it with chmod, so the umask does not narrow it). With -p existing directories
 * are fine and left unchanged, and missing parents are created with 0755.
 */
import { chmod, mkdir as makeDirectory } from "node:fs/promises";
import { asNodeFsError, NodeFsError } from "../node-filesystem.ts";
import { quoteAlways } from "../shell-words.ts";
import { lastValue, parseOptions } from "./options.ts";
import { type Program, type ProgramIo, usageError } from "./program.ts";

const OPTIONS = {
  short: "pm:vZ",
  long: {
    parents: { key: "p", argument: false },
    mode: { key: "m", argument: true },
    verbose: { key: "v", argument: false },
  },
} as const;

const DEFAULT_DIRECTORY_MODE = 0o755;

/** Creates one directory whose parent exists; EEXIST when something is already there. */
async function createOne(path: string, mode: number, io: ProgramIo): Promise<void> {
  const resolved = await io.fs.resolve(path, { followFinal: true });
  if (resolved.stat !== undefined) throw new NodeFsError("EEXIST");
  await io.fs.checkWritable(resolved);
  await makeDirectory(resolved.hostPath);
  await chmod(resolved.hostPath, mode);
}

/** Each prefix of a path, in order: "a/b/c" → "a", "a/b", "a/b/c" (absolute stays absolute). */
function prefixes(path: string): string[] {
  const absolute = path.startsWith("/");
  const parts = path.split("/").filter((p) => p !== "");
  return parts.map((_, i) => `${absolute ? "/" : ""}${parts.slice(0, i + 1).join("/")}`);
}

export const mkdir: Program = async (args, io) => {
  const parsed = parseOptions(args, OPTIONS);
  if (!parsed.ok) return usageError("mkdir", parsed.message, io);
  if (lastValue(parsed, "Z") !== undefined) {
    io.stderr.write("mkdir: SELinux contexts (-Z) are not simulated\n");
    return 1;
  }
  const rawMode = lastValue(parsed, "m")?.value;
  if (rawMode !== undefined && !/^[0-7]{1,4}$/.test(rawMode)) {
    // coreutils also takes symbolic modes (u+rwx); cni-doctor never sends them.
    io.stderr.write(`mkdir: invalid mode ${quoteAlways(rawMode)}\n`);
    return 1;
  }
  const mode = rawMode === undefined ? DEFAULT_DIRECTORY_MODE : Number.parseInt(rawMode, 8);
  const parents = lastValue(parsed, "p") !== undefined;
  const verbose = lastValue(parsed, "v") !== undefined;
  if (parsed.operands.length === 0) return usageError("mkdir", "missing operand", io);
  let status = 0;
  for (const operand of parsed.operands) {
    if (io.signal.aborted) break;
    const steps = parents ? prefixes(operand) : [operand];
    for (const [index, step] of steps.entries()) {
      const isLast = index === steps.length - 1;
      try {
        await createOne(step, isLast ? mode : DEFAULT_DIRECTORY_MODE, io);
        if (verbose) io.stdout.write(`mkdir: created directory ${quoteAlways(step)}\n`);
      } catch (err) {
        const error = asNodeFsError(err);
        if (parents && error.code === "EEXIST") {
          const existing = await io.fs.resolve(step, { followFinal: true }).catch(() => undefined);
          if (existing?.stat?.isDirectory()) continue;
          // A non-directory in the way of a parent reads "Not a directory", as with coreutils.
          io.stderr.write(
            `mkdir: cannot create directory ${quoteAlways(step)}: ${isLast ? error.message : "Not a directory"}\n`,
          );
        } else {
          io.stderr.write(`mkdir: cannot create directory ${quoteAlways(step)}: ${error.message}\n`);
        }
        status = 1;
        break;
      }
    }
  }
  return status;
};
