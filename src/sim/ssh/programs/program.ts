/**
 * What a simulated program is: a function from argv to an exit status, writing to stdout/stderr buffers. Programs
 * run to completion before anything is sent back, so a fault injected "after running" sees every effect applied and
 * no output delivered, like a node whose connection died just before the exit status.
 */
import type { FileTree } from "../node-filesystem.ts";

/** Collects one output stream of a program. */
export class OutputBuffer {
  readonly #chunks: Buffer[] = [];

  write(data: string | Buffer): void {
    this.#chunks.push(typeof data === "string" ? Buffer.from(data, "utf8") : data);
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks);
  }
}

export interface ProgramIo {
  /** The node's filesystem (as root when the program runs behind sudo), or a container's. */
  fs: FileTree;
  /** The node's clock (ns since the epoch), including any simulated clock offset. */
  nowNs(): bigint;
  stdout: OutputBuffer;
  stderr: OutputBuffer;
  /** Aborted when the client goes away or signals the command; programs stop before their next change. */
  signal: AbortSignal;
}

/** A simulated program: argv without the program name, returns the exit status. */
export type Program = (args: readonly string[], io: ProgramIo) => Promise<number>;

/** GNU coreutils' usage-error ending. */
export function usageError(program: string, message: string, io: ProgramIo): number {
  io.stderr.write(`${program}: ${message}\nTry '${program} --help' for more information.\n`);
  return 1;
}
