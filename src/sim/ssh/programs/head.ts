/**
 * GNU coreutils `head`: `-c N` (bytes), `-n N` (lines, default 10), with `-N` meaning "all but the last N", several
 * files with `==> name <==` headers, `-q`/`-v`. Reads at most what it prints (plus the tail it must hold back), so a
 * bounded read of a huge file stays bounded.
 */
import { open } from "node:fs/promises";
import { asNodeFsError } from "../node-filesystem.ts";
import { quoteAlways } from "../shell-words.ts";
import { lastValue, parseOptions } from "./options.ts";
import { type Program, type ProgramIo, usageError } from "./program.ts";

const OPTIONS = {
  short: "c:n:qv",
  long: {
    bytes: { key: "c", argument: true },
    lines: { key: "n", argument: true },
    quiet: { key: "q", argument: false },
    silent: { key: "q", argument: false },
    verbose: { key: "v", argument: false },
  },
} as const;

/** coreutils' size suffixes (b=512, K/KiB=1024, KB=1000, M...), as accepted by -c and -n. */
const MULTIPLIERS: Record<string, bigint> = {
  "": 1n,
  b: 512n,
  K: 1024n,
  KiB: 1024n,
  kB: 1000n,
  KB: 1000n,
  M: 1024n ** 2n,
  MiB: 1024n ** 2n,
  MB: 1000n ** 2n,
  G: 1024n ** 3n,
  GiB: 1024n ** 3n,
  GB: 1000n ** 3n,
};

interface Count {
  /** Elide from the end ("-c -5": all but the last 5) instead of keeping the first N. */
  allButLast: boolean;
  value: number;
}

function parseCount(raw: string): Count | undefined {
  const m = /^([+-]?)(\d+)([A-Za-z]*)$/.exec(raw);
  const multiplier = m === null ? undefined : MULTIPLIERS[m[3] ?? ""];
  if (m === null || multiplier === undefined) return undefined;
  const value = BigInt(m[2] ?? "0") * multiplier;
  // Anything beyond what a file here could hold behaves like "everything".
  return {
    allButLast: m[1] === "-",
    value: Number(value > BigInt(Number.MAX_SAFE_INTEGER) ? Number.MAX_SAFE_INTEGER : value),
  };
}

const CHUNK = 64 * 1024;

async function readAll(hostPath: string, limit: number): Promise<Buffer> {
  const handle = await open(hostPath, "r");
  try {
    const chunks: Buffer[] = [];
    let total = 0;
    while (total < limit) {
      const buffer = Buffer.alloc(Math.min(CHUNK, limit - total));
      const { bytesRead } = await handle.read(buffer, 0, buffer.length, null);
      if (bytesRead === 0) break;
      chunks.push(buffer.subarray(0, bytesRead));
      total += bytesRead;
    }
    return Buffer.concat(chunks, total);
  } finally {
    await handle.close();
  }
}

function selectLines(content: Buffer, count: Count): Buffer {
  const ends: number[] = [];
  for (let i = content.indexOf(10); i !== -1; i = content.indexOf(10, i + 1)) ends.push(i + 1);
  if (!count.allButLast) {
    const end = count.value === 0 ? 0 : (ends[count.value - 1] ?? content.length);
    return content.subarray(0, end);
  }
  // "All but the last N lines": a final line without newline counts as a line.
  const lineStarts = [0, ...ends.filter((e) => e < content.length)];
  const keep = lineStarts.length - count.value;
  return keep <= 0 ? Buffer.alloc(0) : content.subarray(0, lineStarts[keep] ?? content.length);
}

async function headOf(hostPath: string, unit: "bytes" | "lines", count: Count): Promise<Buffer> {
  if (unit === "bytes" && !count.allButLast) return await readAll(hostPath, count.value);
  const content = await readAll(hostPath, Number.MAX_SAFE_INTEGER);
  if (unit === "bytes") return content.subarray(0, Math.max(0, content.length - count.value));
  return selectLines(content, count);
}

export const head: Program = async (args, io: ProgramIo) => {
  const parsed = parseOptions(args, OPTIONS);
  if (!parsed.ok) return usageError("head", parsed.message, io);
  let unit: "bytes" | "lines" = "lines";
  let count: Count = { allButLast: false, value: 10 };
  for (const option of parsed.options) {
    if (option.key !== "c" && option.key !== "n") continue;
    const value = parseCount(option.value ?? "");
    if (value === undefined) {
      io.stderr.write(
        `head: invalid number of ${option.key === "c" ? "bytes" : "lines"}: ${quoteAlways(option.value ?? "")}\n`,
      );
      return 1;
    }
    unit = option.key === "c" ? "bytes" : "lines";
    count = value;
  }
  const files = parsed.operands.length === 0 ? ["-"] : parsed.operands;
  const headers =
    lastValue(parsed, "v") !== undefined || (files.length > 1 && lastValue(parsed, "q") === undefined);
  let status = 0;
  let first = true;
  for (const file of files) {
    if (io.signal.aborted) break;
    if (headers) io.stdout.write(`${first ? "" : "\n"}==> ${file === "-" ? "standard input" : file} <==\n`);
    first = false;
    // The simulated node's commands get no standard input: reading it is reading an empty stream.
    if (file === "-") continue;
    let resolved: Awaited<ReturnType<typeof io.fs.resolveExisting>>;
    try {
      resolved = await io.fs.resolveExisting(file, { followFinal: true });
      io.fs.checkAccess(resolved.stat, "read");
    } catch (err) {
      io.stderr.write(`head: cannot open ${quoteAlways(file)} for reading: ${asNodeFsError(err).message}\n`);
      status = 1;
      continue;
    }
    try {
      if (resolved.stat.isDirectory()) throw asNodeFsError({ code: "EISDIR" });
      io.stdout.write(await headOf(resolved.hostPath, unit, count));
    } catch (err) {
      io.stderr.write(`head: error reading ${quoteAlways(file)}: ${asNodeFsError(err).message}\n`);
      status = 1;
    }
  }
  return status;
};
