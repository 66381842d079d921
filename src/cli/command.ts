import type { Readable, Writable } from "node:stream";

/** One option of a command, in the shape `util.parseArgs` takes, plus the text `--help` shows. */
export interface OptionSpec {
  type: "string" | "boolean";
  short?: string;
  multiple?: boolean;
  /** Shown in --help, e.g. "NAME|FILE". */
  valueName?: string;
  description: string;
}

export interface CommandIO {
  stdout: Writable & { isTTY?: boolean };
  stderr: Writable;
  stdin: Readable & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  /** Where signals come from (`process` when run from a terminal); commands that write handle SIGINT/TERM/HUP. */
  signals?: NodeJS.EventEmitter;
  /** Ends the process at once (a forced exit after repeated signals); absent in-process. */
  exit?: (code: number) => void;
}

export interface ParsedArgs {
  values: Record<string, string | boolean | string[] | undefined>;
  positionals: string[];
}

/**
 * A terminal command. One file per command under src/cli/commands/ (its usage in src/cli/commands/usage/), registered
 * in src/cli/commands/index.ts.
 */
export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments as shown in usage, e.g. "[MESSAGE...]"; omit when the command takes none. */
  positionals?: string;
  options: Record<string, OptionSpec>;
  /** Extra paragraphs for `<command> --help`. */
  details?: string;
  run(args: ParsedArgs, io: CommandIO): Promise<number>;
}

/**
 * A command without its implementation: all that `--help` and argument parsing need. Each command's usage lives in
 * src/cli/commands/usage/, apart from its implementation, so the registry can list every command without importing
 * what each one runs (see src/cli/commands/index.ts).
 */
export type CommandUsage = Omit<CommandSpec, "run">;

/** Bad input from the person at the terminal: printed with a hint, exit code 2. */
export class UsageError extends Error {
  override name = "UsageError";
}

/** Exit codes shared by every command. */
export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;
