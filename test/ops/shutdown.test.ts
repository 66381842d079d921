/**
 * The signal handling of `serve`, driven by an EventEmitter standing in for the process: the first signal starts
 * the graceful path and its result is the exit code; a second signal, or the deadline, forces exit with a log line.
 */
import { EventEmitter } from "node:events";
import { describe, expect, it } from "vitest";
import { shutdownOnSignal } from "../../src/ops/shutdown.ts";

function harness(shutdown: (reason: string, drainMs: number) => Promise<number>, deadlineMs = 60_000) {
  const source = new EventEmitter();
  const lines: { level: string; message: string; fields: Record<string, unknown> }[] = [];
  const logger = {
    info: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: "info", message, fields }),
    error: (fields: Record<string, unknown>, message: string) =>
      lines.push({ level: "error", message, fields }),
  };
  let forced: (code: number) => void = () => undefined;
  const exited = new Promise<number>((resolve) => {
    forced = resolve;
  });
  const done = shutdownOnSignal({ source, deadlineMs, logger, shutdown, exit: (code) => forced(code) });
  return { source, lines, done, exited };
}

describe("shutdownOnSignal", () => {
  it("runs the graceful path once with the signal as the reason and resolves 0", async () => {
    const calls: [string, number][] = [];
    const h = harness(async (reason, drainMs) => {
      calls.push([reason, drainMs]);
      return 0;
    }, 25_000);
    h.source.emit("SIGTERM", "SIGTERM");
    expect(await h.done).toBe(0);
    expect(calls).toEqual([["the bot is shutting down (SIGTERM)", 23_000]]);
    expect(h.lines[0]?.message).toMatch(/^SIGTERM: shutting down/);
    expect(h.source.listenerCount("SIGTERM")).toBe(0);
  });

  it("resolves 1 when work was still running at the end of the drain", async () => {
    const h = harness(async () => 1);
    h.source.emit("SIGINT", "SIGINT");
    expect(await h.done).toBe(1);
  });

  it("forces exit on a second signal, saying so", async () => {
    const h = harness(() => new Promise<number>(() => undefined));
    h.source.emit("SIGTERM", "SIGTERM");
    h.source.emit("SIGINT", "SIGINT");
    expect(await h.exited).toBe(1);
    const last = h.lines.at(-1);
    expect(last?.level).toBe("error");
    expect(last?.message).toMatch(/^forced exit: second SIGINT while shutting down after SIGTERM/);
  });

  it("forces exit at the deadline, naming the setting", async () => {
    const h = harness(() => new Promise<number>(() => undefined), 20);
    h.source.emit("SIGTERM", "SIGTERM");
    expect(await h.exited).toBe(1);
    expect(h.lines.at(-1)?.message).toMatch(
      /forced exit: shutdown did not finish .*CNI_DOCTOR_SHUTDOWN_TIMEOUT_SECONDS/,
    );
  });
});
