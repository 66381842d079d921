/**
 * The command registry imports a command's implementation only when it runs (src/cli/commands/index.ts), so
 * `cni-doctor diagnose` starts without the packages only other commands use. Read from the module loader of a real
 * `node bin/cni-doctor.js` process (test/support/record-loaded-modules.ts), not from the import statements. Asserts
 * which modules load, never how long anything takes (bench/startup.ts measures that).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { cliLoadedModules } from "../support/loaded-modules.ts";

/** What only serve (Bolt), mcp (the MCP SDK) and SSH node access (ssh2) need. */
const HEAVY_PACKAGES = ["@slack/bolt", "@modelcontextprotocol/sdk", "ssh2"];

describe("what a command loads", () => {
  let sim: RunningSimulatedCluster;
  let dir: string;
  let kubeconfig: string;
  const env = { PATH: process.env.PATH ?? "", HOME: tmpdir(), NO_COLOR: "1" };

  beforeAll(async () => {
    sim = await startSimulatedCluster({ scenario: "stale-cni-config", port: 0 });
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-lazy-"));
    kubeconfig = join(dir, "kubeconfig");
    await writeFile(kubeconfig, sim.kubeconfig(), { mode: 0o600 });
  }, 30_000);
  afterAll(async () => {
    await sim?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  it("diagnose without a nodes file loads neither Bolt, the MCP SDK nor ssh2, nor other commands", async () => {
    const run = await cliLoadedModules(["diagnose", "--kubeconfig", kubeconfig, "--json"], { env });
    expect(run.exitCode, run.stderr).toBe(3);
    for (const name of HEAVY_PACKAGES) expect([...run.packages], name).not.toContain(name);
    const commandModules = run.urls.filter((u) => /\/src\/cli\/commands\/[a-z-]+\.ts$/.test(u));
    expect(commandModules.map((u) => u.replace(/.*\/src\//, "src/"))).toEqual([
      "src/cli/commands/index.ts",
      "src/cli/commands/diagnose.ts",
    ]);
  });

  it("diagnose with a nodes file does load ssh2 (what the check above would see)", async () => {
    const { nodesFile } = await sim.writeNodesOut(join(dir, "nodes.yaml"), { connectRetries: 0 });
    const run = await cliLoadedModules(
      ["diagnose", "--kubeconfig", kubeconfig, "--nodes-file", nodesFile, "--json"],
      { env },
    );
    expect(run.exitCode, run.stderr).toBe(3);
    expect([...run.packages]).toContain("ssh2");
    expect([...run.packages]).not.toContain("@slack/bolt");
    expect([...run.packages]).not.toContain("@modelcontextprotocol/sdk");
  });

  it("--help and a command's --help load no package at all", async () => {
    for (const args of [["--help"], ["diagnose", "--help"], ["serve", "--help"], ["mcp", "--help"]]) {
      const run = await cliLoadedModules(args, { env });
      expect(run.exitCode, args.join(" ")).toBe(0);
      expect([...run.packages], args.join(" ")).toEqual([]);
    }
  });
});
