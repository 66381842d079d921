import { createInterface } from "node:readline";
import type { Classification, Phase } from "../../diagnosis/index.ts";
import { classifyMessage, familyGuide, stripControlCharacters } from "../../diagnosis/index.ts";
import { type CommandIO, type CommandSpec, EXIT, UsageError } from "../command.ts";
import { explainUsage } from "./usage/explain.ts";

/** How much of each input `--json` echoes back, so a line can be matched to its input without repeating it. */
const INPUT_ECHO_CHARS = 200;

export const explainCommand: CommandSpec = {
  ...explainUsage,
  async run(args, io) {
    const asJson = args.values.json === true;
    const fromArguments = args.positionals.length > 0;
    if (!fromArguments && io.stdin.isTTY) {
      throw new UsageError("give a message to explain, or pipe event messages into stdin, one per line.");
    }
    const messages = fromArguments ? toAsyncIterable(args.positionals) : nonBlankLines(io);
    let index = 0;
    for await (const message of messages) {
      index++;
      const classification = classifyMessage(message);
      io.stdout.write(
        asJson
          ? jsonLine(message, classification)
          : humanReport(message, classification, index, !fromArguments),
      );
    }
    return EXIT.ok;
  },
};

async function* toAsyncIterable(values: readonly string[]): AsyncGenerator<string> {
  yield* values;
}

async function* nonBlankLines(io: CommandIO): AsyncGenerator<string> {
  const lines = createInterface({ input: io.stdin, crlfDelay: Number.POSITIVE_INFINITY });
  for await (const line of lines) {
    if (line.trim().length > 0) yield line;
  }
}

function excerpt(message: string, maxChars: number): string {
  const clean = stripControlCharacters(message).trim();
  return clean.length > maxChars ? `${clean.slice(0, maxChars - 1)}…` : clean;
}

function jsonLine(message: string, classification: Classification): string {
  const line = JSON.stringify({ input: excerpt(message, INPUT_ECHO_CHARS), ...classification });
  return `${line}\n`;
}

const PHASE_WORDS: Record<Phase, string> = {
  add: "add (setting up the pod's network)",
  delete: "delete (tearing down the pod's network)",
  none: "none (not a pod sandbox operation)",
};

function humanReport(message: string, c: Classification, index: number, showInput: boolean): string {
  const guide = familyGuide(c.family, c.cni, c.details);
  const lines: string[] = [];
  if (index > 1) lines.push("");
  if (showInput || index > 1) lines.push(`Message ${index}: ${excerpt(message, 160)}`);
  lines.push(`${c.family}: ${guide.title}`);
  lines.push(
    `  CNI: ${c.cni}${c.details.wrappedBy ? ` (relayed by ${c.details.wrappedBy})` : ""}   phase: ${PHASE_WORDS[c.phase]}   runtime: ${c.runtime}` +
      (c.signature ? `   signature: ${c.signature}` : ""),
  );
  if (c.pluginError) lines.push(`  Plugin error: ${excerpt(c.pluginError, 500)}`);
  const where = describeWhere(c);
  if (where) lines.push(`  ${where}`);
  if (c.truncated)
    lines.push("  (The message was longer than the classifier reads; only its beginning was used.)");
  lines.push(`  What failed: ${guide.whatFailed}`);
  lines.push("  Likely causes:", ...guide.likelyCauses.map((cause) => `    - ${cause}`));
  lines.push("  What to check (read-only):", ...guide.checks.map((command) => `    $ ${command}`));
  lines.push(`  Can cni-doctor fix it? ${guide.fix.summary}`);
  return `${lines.join("\n")}\n`;
}

function describeWhere(c: Classification): string | null {
  const { details } = c;
  const parts: string[] = [];
  if (details.pod) parts.push(`pod: ${details.namespace ? `${details.namespace}/` : ""}${details.pod}`);
  if (details.sandboxId) parts.push(`sandbox: ${details.sandboxId.slice(0, 12)}`);
  if (details.apiServer) parts.push(`API server: ${details.apiServer}`);
  if (details.serviceAccount) parts.push(`service account: ${details.serviceAccount}`);
  if (details.forbiddenResource) parts.push(`resource: ${details.forbiddenResource}`);
  if (details.pluginName && c.family === "cni-plugin-missing")
    parts.push(`missing plugin: ${details.pluginName}`);
  if (details.pluginSearchPath)
    parts.push(`searched: ${details.pluginSearchPath.join(" ") || "(no directories)"}`);
  return parts.length > 0 ? parts.join("   ") : null;
}
