/**
 * SIGTERM (the kubelet, on a rollout or eviction) and SIGINT (Ctrl-C) end `serve` gracefully: the bot stops taking
 * work and lets the current remediation step finish or stop safely. Two things cut that short, each with a log line
 * that says so: a second signal (someone wants it gone now), or the deadline — set below the Deployment's
 * terminationGracePeriodSeconds so we exit, and say why, before the kubelet's SIGKILL. A run cut short stays
 * "running" in the journal; once its Lease lapses the next start reports it as interrupted in its thread.
 */
import type { EventEmitter } from "node:events";

export interface ShutdownLogger {
  info(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
  flush?(): void;
}

export interface TerminationOptions {
  /** Where signals come from: `process`, or an EventEmitter in tests. */
  source: EventEmitter;
  /** From the first signal to a forced exit. */
  deadlineMs: number;
  logger: ShutdownLogger;
  /** The graceful part, given the time it may wait for running work; resolves with jobs still running. */
  shutdown: (reason: string, drainMs: number) => Promise<number>;
  /** Ends the process at once (forced exits only). */
  exit: (code: number) => void;
}

const SIGNALS = ["SIGTERM", "SIGINT"] as const;
/** Time kept back from the deadline for what comes after the drain: closing Slack, SSH, the HTTP server. */
const CLOSE_MARGIN_MS = 2_000;

/**
 * Waits for the first SIGTERM or SIGINT, then shuts down. Resolves with the exit code when the graceful path
 * finished (0, or 1 when work was still running at the drain's end); a forced exit calls `exit(1)` instead.
 */
export function shutdownOnSignal(options: TerminationOptions): Promise<number> {
  const { source, logger } = options;
  return new Promise<number>((resolve) => {
    let first: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    const force = (why: string) => {
      logger.error({ signal: first, deadlineMs: options.deadlineMs }, `forced exit: ${why}`);
      logger.flush?.();
      options.exit(1);
    };
    const onSignal = (signal: string) => {
      if (first !== null) {
        force(
          `second ${signal} while shutting down after ${first}; a run cut short is reported as interrupted by the next start`,
        );
        return;
      }
      first = signal;
      logger.info(
        { signal, deadlineMs: options.deadlineMs },
        `${signal}: shutting down — no new requests, the current remediation step finishes or stops safely`,
      );
      timer = setTimeout(
        () =>
          force(
            `shutdown did not finish within ${Math.round(options.deadlineMs / 1000)} s (CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS); a run cut short is reported as interrupted by the next start`,
          ),
        options.deadlineMs,
      );
      options
        .shutdown(`the bot is shutting down (${signal})`, Math.max(0, options.deadlineMs - CLOSE_MARGIN_MS))
        .then(
          (unfinished) => unfinished,
          (err: Error) => {
            logger.error({ err: err.message }, "graceful shutdown failed");
            return 1;
          },
        )
        .then((unfinished) => {
          clearTimeout(timer);
          for (const s of SIGNALS) source.off(s, onSignal);
          resolve(unfinished === 0 ? 0 : 1);
        });
    };
    for (const s of SIGNALS) source.on(s, onSignal);
  });
}
