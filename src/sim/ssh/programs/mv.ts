/**
 * GNU coreutils `mv` (9.1, as on Debian 12): `mv [-n|-f] [-v] -t DIR -- FILE...`, `mv SRC... DIR` and `mv SRC DEST`
 * (with -T: always DEST). A symlink is moved as itself. With -n an existing destination is skipped silently and the
 * exit status stays 0 (coreutils 9.1; later versions differ, which is why cni-doctor verifies moves afterwards).
 * Within one filesystem a move is one rename(2). Across filesystems (a container's two hostPath volumes) rename fails
 * with EXDEV and GNU mv copies the file, keeping its mode and times, then unlinks the source: for a moment both exist,
 * never neither.
 */
import { copyFile, rename, stat as statHost, unlink, utimes } from "node:fs/promises";
import { posix } from "node:path";
import { asNodeFsError, NodeFsError, type ResolvedPath } from "../node-filesystem.ts";
import { quoteAlways } from "../shell-words.ts";
import { lastValue, parseOptions } from "./options.ts";
import { type Program, type ProgramIo, usageError } from "./program.ts";

const OPTIONS = {
  short: "fint:Tuv",
  long: {
    force: { key: "f", argument: false },
    interactive: { key: "i", argument: false },
    "no-clobber": { key: "n", argument: false },
    "target-directory": { key: "t", argument: true },
    "no-target-directory": { key: "T", argument: false },
    update: { key: "u", argument: false },
    verbose: { key: "v", argument: false },
  },
} as const;

interface MoveOptions {
  noClobber: boolean;
  verbose: boolean;
}

/** The name GNU prints for DIR/NAME: the operand as given, joined with the source's last component. */
function displayJoin(directory: string, source: string): string {
  const name = posix.basename(source.replace(/\/+$/, ""));
  return directory.endsWith("/") ? `${directory}${name}` : `${directory}/${name}`;
}

/** Moves one source to an exact destination path. Returns false (after reporting) when it failed. */
async function moveOne(
  sourceOperand: string,
  destinationDisplay: string,
  destination: ResolvedPath,
  options: MoveOptions,
  io: ProgramIo,
): Promise<boolean> {
  let source: ResolvedPath & { stat: NonNullable<ResolvedPath["stat"]> };
  try {
    source = await io.fs.resolveExisting(sourceOperand, { followFinal: false });
  } catch (err) {
    io.stderr.write(`mv: cannot stat ${quoteAlways(sourceOperand)}: ${asNodeFsError(err).message}\n`);
    return false;
  }
  const fail = (message: string) => {
    io.stderr.write(`mv: ${message}\n`);
    return false;
  };
  if (io.fs.isRoot(source)) {
    return fail(
      `cannot move ${quoteAlways(sourceOperand)} to ${quoteAlways(destinationDisplay)}: Device or resource busy`,
    );
  }
  // coreutils 9.1 checks -n's "destination exists" first: moving a file onto itself with -n is a silent no-op.
  if (destination.stat !== undefined && options.noClobber) return true;
  if (source.hostPath === destination.hostPath) {
    return fail(`${quoteAlways(sourceOperand)} and ${quoteAlways(destinationDisplay)} are the same file`);
  }
  if (source.stat.isDirectory() && destination.nodePath.startsWith(`${source.nodePath}/`)) {
    return fail(
      `cannot move ${quoteAlways(sourceOperand)} to a subdirectory of itself, ${quoteAlways(destinationDisplay)}`,
    );
  }
  if (destination.stat !== undefined) {
    if (options.noClobber) return true;
    if (destination.stat.isDirectory() && !source.stat.isDirectory()) {
      return fail(`cannot overwrite directory ${quoteAlways(destinationDisplay)} with non-directory`);
    }
    if (!destination.stat.isDirectory() && source.stat.isDirectory()) {
      return fail(
        `cannot overwrite non-directory ${quoteAlways(destinationDisplay)} with directory ${quoteAlways(sourceOperand)}`,
      );
    }
  }
  try {
    await io.fs.checkWritable(source);
    await io.fs.checkWritable(destination);
    if (io.signal.aborted) return false;
    // Check-then-rename: a real `mv -n` uses renameat2(RENAME_NOREPLACE); nothing else writes here concurrently.
    if ((source.device ?? "") === (destination.device ?? ""))
      await rename(source.hostPath, destination.hostPath);
    else await copyThenUnlink(source, destination);
  } catch (err) {
    const error = asNodeFsError(err);
    return fail(
      `cannot move ${quoteAlways(sourceOperand)} to ${quoteAlways(destinationDisplay)}: ${error.message}`,
    );
  }
  if (options.verbose)
    io.stdout.write(`renamed ${quoteAlways(sourceOperand)} -> ${quoteAlways(destinationDisplay)}\n`);
  return true;
}

/** GNU mv across devices (copy.c with move mode): a regular file is copied with its mode and times, then unlinked. */
async function copyThenUnlink(source: ResolvedPath, destination: ResolvedPath): Promise<void> {
  if (!source.stat?.isFile()) throw new NodeFsError("EXDEV");
  const times = await statHost(source.hostPath);
  await copyFile(source.hostPath, destination.hostPath);
  await utimes(destination.hostPath, times.atime, times.mtime);
  await unlink(source.hostPath);
}

/** Resolves a target directory; reports like coreutils when it is missing or not a directory. */
async function targetDirectory(operand: string, io: ProgramIo): Promise<ResolvedPath | undefined> {
  try {
    const resolved = await io.fs.resolveExisting(operand, { followFinal: true });
    if (!resolved.stat.isDirectory()) throw new NodeFsError("ENOTDIR");
    return resolved;
  } catch (err) {
    io.stderr.write(`mv: target directory ${quoteAlways(operand)}: ${asNodeFsError(err).message}\n`);
    return undefined;
  }
}

async function moveInto(
  directoryOperand: string,
  directory: ResolvedPath,
  sources: string[],
  options: MoveOptions,
  io: ProgramIo,
) {
  let status = 0;
  for (const source of sources) {
    if (io.signal.aborted) return 1;
    const name = posix.basename(source.replace(/\/+$/, ""));
    const destination = await io.fs.entryIn(directory, name);
    const ok = await moveOne(source, displayJoin(directoryOperand, source), destination, options, io);
    if (!ok) status = 1;
  }
  return status;
}

export const mv: Program = async (args, io) => {
  const parsed = parseOptions(args, OPTIONS);
  if (!parsed.ok) return usageError("mv", parsed.message, io);
  if (lastValue(parsed, "i") !== undefined || lastValue(parsed, "u") !== undefined) {
    io.stderr.write("mv: -i and -u are not supported by the simulated node\n");
    return 1;
  }
  // The last of -n/-f wins, as in coreutils.
  const clobberChoice = parsed.options.filter((o) => o.key === "n" || o.key === "f").at(-1);
  const options: MoveOptions = {
    noClobber: clobberChoice?.key === "n",
    verbose: lastValue(parsed, "v") !== undefined,
  };
  const target = lastValue(parsed, "t")?.value;
  const noTargetDirectory = lastValue(parsed, "T") !== undefined;
  const operands = parsed.operands;
  if (target !== undefined) {
    if (noTargetDirectory)
      return usageError("mv", "cannot combine --target-directory (-t) and --no-target-directory (-T)", io);
    if (operands.length === 0) return usageError("mv", "missing file operand", io);
    const directory = await targetDirectory(target, io);
    if (directory === undefined) return 1;
    return await moveInto(target, directory, operands, options, io);
  }
  if (operands.length === 0) return usageError("mv", "missing file operand", io);
  if (operands.length === 1) {
    return usageError(
      "mv",
      `missing destination file operand after ${quoteAlways(operands[0] as string)}`,
      io,
    );
  }
  const last = operands.at(-1) as string;
  const sources = operands.slice(0, -1);
  let destination: ResolvedPath;
  try {
    destination = await io.fs.resolve(last, { followFinal: true });
  } catch (err) {
    if (sources.length > 1) {
      io.stderr.write(`mv: target ${quoteAlways(last)}: ${asNodeFsError(err).message}\n`);
      return 1;
    }
    io.stderr.write(
      `mv: cannot move ${quoteAlways(sources[0] as string)} to ${quoteAlways(last)}: ${asNodeFsError(err).message}\n`,
    );
    return 1;
  }
  if (!noTargetDirectory && destination.stat?.isDirectory()) {
    return await moveInto(last, destination, sources, options, io);
  }
  if (sources.length > 1) {
    const problem = destination.stat === undefined ? "No such file or directory" : "Not a directory";
    io.stderr.write(`mv: target ${quoteAlways(last)}: ${problem}\n`);
    return 1;
  }
  // Renaming onto a path: the destination's last component itself, not what a symlink there points to.
  const exact = await io.fs.resolve(last, { followFinal: false });
  return (await moveOne(sources[0] as string, last, exact, options, io)) ? 0 : 1;
};
