import { describe, expect, it } from "vitest";
import { runCli } from "./support/run-cli.ts";

const run = runCli;

describe("cni-doctor CLI", () => {
  it("lists commands with --help and exits 0", async () => {
    const r = await run(["--help"]);
    expect(r.code).toBe(0);
    expect(r.out).toContain("Usage: cni-doctor <command>");
  });

  it("rejects an unknown command with exit code 2 and a hint", async () => {
    const r = await run(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.err).toContain("unknown command 'frobnicate'");
    expect(r.err).toContain("cni-doctor --help");
  });

  it("prints its version", async () => {
    const r = await run(["--version"]);
    expect(r.code).toBe(0);
    expect(r.out.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
