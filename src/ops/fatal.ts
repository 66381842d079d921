/**
 * A promise rejection nobody handled, or an exception nobody caught, leaves `serve` in a state nobody planned for: a
 * run's bookkeeping half-written, a listener gone. Node's default (since v15, `--unhandled-rejections=throw`) crashes
 * the process without our log line; we log what happened, turn /readyz down so the Service stops sending work, and
 * exit non-zero so the Deployment restarts the bot. A run cut short that way is reported as interrupted in its thread
 * by the next start, once its Lease lapses (see shutdown.ts) — never continued from an unknown state.
 * https://nodejs.org/api/process.html#event-uncaughtexception ("it is not safe to resume normal operation after
 * 'uncaughtException'").
 */
import type { EventEmitter } from "node:events";
import type { ShutdownLogger } from "./shutdown.ts";

/** EX_SOFTWARE (sysexits.h): an internal software error. */
export const FATAL_EXIT_CODE = 70;

export interface FatalErrorOptions {
  /** `process`, or an EventEmitter in tests. */
  source: EventEmitter;
  logger: ShutdownLogger;
  /** Turns /readyz down for good (Readiness.drain). */
  markNotReady: (reason: string) => void;
  exit: (code: number) => void;
}

/** Installs the handlers; the returned function removes them. */
export function exitOnFatalError(options: FatalErrorOptions): () => void {
  let handled = false;
  const fatal = (kind: string) => (err: unknown) => {
    if (handled) return;
    handled = true;
    const e = err instanceof Error ? err : new Error(String(err));
    const reason = `${kind}: ${e.message}`;
    options.markNotReady(`fatal error (${reason}); exiting for a restart`);
    options.logger.error(
      { kind, err: e.message, stack: e.stack },
      `fatal ${kind}; exiting (code ${FATAL_EXIT_CODE}) so the Deployment restarts the bot. A run cut short is reported as interrupted by the next start.`,
    );
    options.logger.flush?.();
    options.exit(FATAL_EXIT_CODE);
  };
  const onRejection = fatal("unhandledRejection");
  const onException = fatal("uncaughtException");
  options.source.on("unhandledRejection", onRejection);
  options.source.on("uncaughtException", onException);
  return () => {
    options.source.off("unhandledRejection", onRejection);
    options.source.off("uncaughtException", onException);
  };
}
