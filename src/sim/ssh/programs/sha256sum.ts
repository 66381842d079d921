/**
 * GNU coreutils `sha256sum FILE...` (computing, not --check): one "HASH  NAME" line per file in argument order,
 * "HASH *NAME" with -b. A name holding a backslash, newline or carriage return is escaped and its line starts with
 * "\", as coreutils does. Missing files and directories are reported and skipped, with exit status 1.
 */
import { createHash } from "node:crypto";
import { createReadStream } from "node:fs";
import { asNodeFsError, NodeFsError } from "../node-filesystem.ts";
import { quoteForMessage } from "../shell-words.ts";
import { lastValue, parseOptions } from "./options.ts";
import { type Program, usageError } from "./program.ts";

const OPTIONS = {
  short: "bt",
  long: {
    binary: { key: "b", argument: false },
    text: { key: "t", argument: false },
  },
} as const;

const EMPTY_SHA256 = createHash("sha256").digest("hex");

async function sha256Of(hostPath: string): Promise<string> {
  const hash = createHash("sha256");
  for await (const chunk of createReadStream(hostPath)) hash.update(chunk as Buffer);
  return hash.digest("hex");
}

function escapedName(name: string): { escaped: boolean; text: string } {
  if (!/[\\\n\r]/.test(name)) return { escaped: false, text: name };
  return {
    escaped: true,
    text: name.replaceAll("\\", "\\\\").replaceAll("\n", "\\n").replaceAll("\r", "\\r"),
  };
}

export const sha256sum: Program = async (args, io) => {
  const parsed = parseOptions(args, OPTIONS);
  if (!parsed.ok) return usageError("sha256sum", parsed.message, io);
  const marker = lastValue(parsed, "b") !== undefined ? "*" : " ";
  const files = parsed.operands.length === 0 ? ["-"] : parsed.operands;
  let status = 0;
  for (const file of files) {
    if (io.signal.aborted) break;
    let sum: string;
    if (file === "-") {
      // Commands on the simulated node get no standard input: it reads as empty.
      sum = EMPTY_SHA256;
    } else {
      try {
        const resolved = await io.fs.resolveExisting(file, { followFinal: true });
        io.fs.checkAccess(resolved.stat, "read");
        if (resolved.stat.isDirectory()) throw new NodeFsError("EISDIR");
        sum = await sha256Of(resolved.hostPath);
      } catch (err) {
        io.stderr.write(`sha256sum: ${quoteForMessage(file)}: ${asNodeFsError(err).message}\n`);
        status = 1;
        continue;
      }
    }
    const name = escapedName(file);
    io.stdout.write(`${name.escaped ? "\\" : ""}${sum} ${marker}${name.text}\n`);
  }
  return status;
};
