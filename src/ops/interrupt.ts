/**
 * Signals at the terminal (`fix`, `rollback`): a person's Ctrl-C, a closed terminal (SIGHUP) or a SIGTERM must not
 * kill a run between moving a node's CNI config aside and putting it back. The first signal asks the run to end after
 * the step in flight (rolling back a half-done node, as `serve` does on SIGTERM, see shutdown.ts); the second says what
 * is still in flight; only the third forces the exit. Kept apart from the command so the counting is testable with
 * an EventEmitter and the command only says what each stage prints and does.
 */
import type { EventEmitter } from "node:events";

export const TERMINAL_SIGNALS = ["SIGINT", "SIGTERM", "SIGHUP"] as const;

export interface InterruptStages {
  /** Stop gracefully: no new step, the one in flight finishes or its node is rolled back. */
  first(signal: string): void;
  /** Someone is impatient: say what is still running and that one more signal forces the exit. */
  second(signal: string): void;
  /** Leave now, after saying where the node backups are. */
  third(signal: string): void;
}

/** Listens for the terminal signals on `source` (`process`) until the returned function is called. */
export function onTerminalInterrupts(source: EventEmitter, stages: InterruptStages): () => void {
  let count = 0;
  const onSignal = (signal: string) => {
    count += 1;
    if (count === 1) stages.first(signal);
    else if (count === 2) stages.second(signal);
    else stages.third(signal);
  };
  for (const s of TERMINAL_SIGNALS) source.on(s, onSignal);
  return () => {
    for (const s of TERMINAL_SIGNALS) source.off(s, onSignal);
  };
}
