/**
 * A process-level error in `serve`: the handler logs it, turns /readyz down and exits so the Deployment restarts the
 * bot. First with an EventEmitter standing in for the process, then against the real `serve` process, where an
 * unhandled rejection is raised inside it (a preloaded module rejects a promise on SIGUSR2; the product is unchanged).
 */
import { EventEmitter } from "node:events";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { exitOnFatalError, FATAL_EXIT_CODE } from "../../src/ops/fatal.ts";
import { Readiness } from "../../src/ops/health.ts";
import { worldForServe } from "../support/serve-process.ts";

describe("exitOnFatalError", () => {
  it.each(["unhandledRejection", "uncaughtException"])(
    "%s: logs, marks /readyz down, exits once",
    (event) => {
      const source = new EventEmitter();
      const readiness = new Readiness({ kubeWindowMs: 60_000 });
      const lines: string[] = [];
      const exits: number[] = [];
      const logger = { info: () => undefined, error: (_f: unknown, m: string) => void lines.push(m) };
      const off = exitOnFatalError({
        source,
        logger,
        markNotReady: (reason) => readiness.drain(reason),
        exit: (code) => exits.push(code),
      });
      source.emit(event, new Error("socket hang up"));
      source.emit(event, new Error("again"));
      expect(exits).toEqual([FATAL_EXIT_CODE]);
      expect(lines).toHaveLength(1);
      expect(lines[0]).toMatch(
        new RegExp(`^fatal ${event}; exiting \\(code 70\\) so the Deployment restarts the bot`),
      );
      expect(readiness.status().reasons.join(" ")).toContain(`fatal error (${event}: socket hang up)`);
      off();
      expect(source.listenerCount(event)).toBe(0);
    },
  );
});

describe("serve with an unhandled rejection", () => {
  const served = worldForServe({ syncPeriodMs: 1000 });

  it("logs it and exits non-zero instead of going on", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cni-doctor-fatal-"));
    const preload = join(dir, "reject-on-sigusr2.mjs");
    writeFileSync(
      preload,
      `process.on("SIGUSR2", () => { Promise.reject(new Error("injected failure")); });\n`,
    );
    const serve = served.startServe({ NODE_OPTIONS: `--import=${preload}` });
    await serve.connected();
    serve.child.kill("SIGUSR2");
    expect(await serve.exited, serve.output.slice(-2000)).toBe(FATAL_EXIT_CODE);
    const fatal = serve.output
      .split("\n")
      .filter((l) => l.startsWith("{"))
      .map((l) => JSON.parse(l) as { msg: string; err?: string })
      .find((l) => l.msg.startsWith("fatal unhandledRejection"));
    expect(fatal?.err).toBe("injected failure");
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);
});
