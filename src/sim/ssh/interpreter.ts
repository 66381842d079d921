/**
 * Turns one SSH exec command line into something a simulated node can run: shell-word parsing, an optional
 * `sudo -n --` prefix, and a lookup among the node's programs. Failures a real node would report before running
 * anything (syntax errors, unknown commands, sudo refusals) come back as a finished outcome with the real texts.
 */
import { NodeFilesystem } from "./node-filesystem.ts";
import { lookUpProgram } from "./programs/index.ts";
import { OutputBuffer, type Program } from "./programs/program.ts";
import { parseCommandLine } from "./shell-words.ts";

/** How sudo behaves for the simulated user: passwordless (the default) or asking for a password. */
export type SudoPolicy = "nopasswd" | "password-required";

export interface CommandOutcome {
  stdout: Buffer;
  stderr: Buffer;
  exitCode: number;
}

/** A command ready to run: the program, its arguments and whether it runs as root. */
export interface RunnableCommand {
  kind: "runnable";
  /** Program name without path, e.g. "mv": what fault rules match on. */
  programName: string;
  program: Program;
  args: string[];
  asRoot: boolean;
}

export type InterpretedCommand =
  | RunnableCommand
  | ({ kind: "finished"; programName: string | undefined } & CommandOutcome);

function finished(programName: string | undefined, stderr: string, exitCode: number): InterpretedCommand {
  return { kind: "finished", programName, stdout: Buffer.alloc(0), stderr: Buffer.from(stderr), exitCode };
}

const SUDO_USAGE =
  "usage: sudo -n -- command [arg ...]   (the only form the simulated node's sudo supports)\n";

export function interpretCommandLine(line: string, sudoPolicy: SudoPolicy): InterpretedCommand {
  const parsed = parseCommandLine(line);
  if (!parsed.ok) return finished(undefined, parsed.stderr, parsed.exitCode);
  let argv = parsed.argv;
  if (argv.length === 0) return finished(undefined, "", 0);
  let asRoot = false;
  if (argv[0] === "sudo" || argv[0] === "/usr/bin/sudo") {
    let i = 1;
    let nonInteractive = false;
    for (; i < argv.length; i++) {
      const option = argv[i] as string;
      if (option === "--") {
        i++;
        break;
      }
      if (option === "-n" || option === "--non-interactive") {
        nonInteractive = true;
        continue;
      }
      if (option.startsWith("-"))
        return finished("sudo", `sudo: invalid option -- '${option.replace(/^-+/, "")}'\n${SUDO_USAGE}`, 1);
      break;
    }
    argv = argv.slice(i);
    if (argv.length === 0) return finished("sudo", SUDO_USAGE, 1);
    if (sudoPolicy === "password-required") {
      // sudo's own texts: without -n it wants a terminal to ask on, with -n it refuses outright.
      const prompt = nonInteractive
        ? "sudo: a password is required\n"
        : "sudo: a terminal is required to read the password; either use the -S option to read from standard input or configure an askpass helper\nsudo: a password is required\n";
      return finished(argv[0], prompt, 1);
    }
    const found = lookUpProgram(argv[0] as string);
    if (found === undefined) return finished(argv[0], `sudo: ${argv[0]}: command not found\n`, 1);
    asRoot = true;
    return { kind: "runnable", programName: found.name, program: found.program, args: argv.slice(1), asRoot };
  }
  const found = lookUpProgram(argv[0] as string);
  if (found === undefined) return finished(argv[0], `sh: 1: ${argv[0]}: not found\n`, 127);
  return { kind: "runnable", programName: found.name, program: found.program, args: argv.slice(1), asRoot };
}

export interface RunContext {
  /** The node's root directory on the host. */
  hostRoot: string;
  nowNs(): bigint;
  signal: AbortSignal;
}

/** Runs a runnable command to completion and collects its output. */
export async function runCommand(command: RunnableCommand, context: RunContext): Promise<CommandOutcome> {
  const stdout = new OutputBuffer();
  const stderr = new OutputBuffer();
  const fs = new NodeFilesystem(context.hostRoot, command.asRoot);
  let exitCode: number;
  try {
    exitCode = await command.program(command.args, {
      fs,
      nowNs: context.nowNs,
      stdout,
      stderr,
      signal: context.signal,
    });
  } catch (err) {
    // A bug or an unexpected host error: report it as the program failing, never crash the server.
    stderr.write(`${command.programName}: simulated node error: ${(err as Error).message}\n`);
    exitCode = 1;
  }
  return { stdout: stdout.toBuffer(), stderr: stderr.toBuffer(), exitCode };
}
