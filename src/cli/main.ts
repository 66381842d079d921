import { parseArgs } from "node:util";
import { type CommandIO, type CommandSpec, EXIT, type ParsedArgs, UsageError } from "./command.ts";
import { commands } from "./commands/index.ts";
import { commandHelp, globalHelp } from "./help.ts";

const defaultIO: CommandIO = {
  stdout: process.stdout,
  stderr: process.stderr,
  stdin: process.stdin,
  env: process.env,
  signals: process,
  exit: (code) => process.exit(code),
};

/** Runs one CLI invocation and returns its exit code. Never throws. */
export async function main(argv: string[], io: CommandIO = defaultIO): Promise<number> {
  const [first, ...rest] = argv;
  if (first === undefined || first === "--help" || first === "-h" || first === "help") {
    const topic = first === "help" ? rest[0] : undefined;
    if (topic !== undefined) return helpFor(topic, io);
    io.stdout.write(globalHelp(commands));
    return first === undefined ? EXIT.usage : EXIT.ok;
  }
  if (first === "--version") {
    io.stdout.write(`${await packageVersion()}\n`);
    return EXIT.ok;
  }
  const command = commands.find((c) => c.name === first);
  if (!command) {
    return usageFailure(
      io,
      `unknown command '${first}'.`,
      "Run 'cni-doctor --help' for the list of commands.",
    );
  }
  if (rest.includes("--help") || rest.includes("-h")) {
    io.stdout.write(commandHelp(command));
    return EXIT.ok;
  }
  let args: ParsedArgs;
  try {
    args = parseCommandArgs(command, rest);
  } catch (err) {
    return usageFailure(
      io,
      `${command.name}: ${(err as Error).message}`,
      `Run 'cni-doctor ${command.name} --help'.`,
    );
  }
  try {
    return await command.run(args, io);
  } catch (err) {
    if (err instanceof UsageError) {
      return usageFailure(io, `${command.name}: ${err.message}`, `Run 'cni-doctor ${command.name} --help'.`);
    }
    io.stderr.write(`cni-doctor ${command.name}: ${(err as Error).message ?? String(err)}\n`);
    return EXIT.failure;
  }
}

function helpFor(topic: string, io: CommandIO): number {
  const command = commands.find((c) => c.name === topic);
  if (!command) return usageFailure(io, `unknown command '${topic}'.`, "Run 'cni-doctor --help'.");
  io.stdout.write(commandHelp(command));
  return EXIT.ok;
}

function parseCommandArgs(command: CommandSpec, rest: string[]): ParsedArgs {
  const options = Object.fromEntries(
    Object.entries(command.options).map(([name, o]) => [
      name,
      { type: o.type, ...(o.short ? { short: o.short } : {}), ...(o.multiple ? { multiple: true } : {}) },
    ]),
  );
  const parsed = parseArgs({
    args: rest,
    options,
    strict: true,
    allowPositionals: command.positionals !== undefined,
  });
  return { values: parsed.values as ParsedArgs["values"], positionals: parsed.positionals };
}

function usageFailure(io: CommandIO, message: string, hint: string): number {
  io.stderr.write(`cni-doctor: ${message}\n${hint}\n`);
  return EXIT.usage;
}

async function packageVersion(): Promise<string> {
  const { default: pkg } = await import("../../package.json", { with: { type: "json" } });
  return pkg.version;
}
