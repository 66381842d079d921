import { type ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { afterEach, describe, expect, it } from "vitest";
import { skipWithout } from "../support/real-parts.ts";

const run = promisify(execFile);
const NODE = join(process.cwd(), "node_modules/.bin/node");
const BIN = join(process.cwd(), "bin/cni-doctor.js");
const KUBECTL = ["/usr/bin/kubectl", "/usr/local/bin/kubectl"].find((p) => existsSync(p));

/** Starts `cni-doctor sim` as a real process and resolves once it says it is serving. */
async function startSim(args: string[]): Promise<{ child: ChildProcess; output: () => string }> {
  const child = spawn(NODE, [BIN, "sim", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (out += d));
  await new Promise<void>((resolve, reject) => {
    const check = setInterval(() => {
      if (out.includes("Press Ctrl-C to stop.")) {
        clearInterval(check);
        resolve();
      }
    }, 50);
    child.once("exit", (code) => {
      clearInterval(check);
      reject(new Error(`sim exited ${code} before serving:\n${out}`));
    });
  });
  return { child, output: () => out };
}

function exitOf(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once("exit", (code) => resolve(code)));
}

describe("cni-doctor sim", () => {
  let dir = "";
  let child: ChildProcess | undefined;
  afterEach(async () => {
    child?.kill("SIGKILL");
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  /** `cni-doctor sim` on stale-cni-config writing its kubeconfig and nodes file into a fresh directory. */
  async function startStaleCniConfigSim() {
    dir = await mkdtemp(join(tmpdir(), "cni-doctor-sim-cli-"));
    const kubeconfig = join(dir, "kubeconfig");
    const nodesFile = join(dir, "nodes.yaml");
    const sim = await startSim([
      "--scenario",
      "stale-cni-config",
      "--kubeconfig-out",
      kubeconfig,
      "--nodes-out",
      nodesFile,
    ]);
    child = sim.child;
    return { kubeconfig, nodesFile, sim };
  }

  it("writes its files once serving, prints where they are, and removes them on SIGTERM", async () => {
    const { kubeconfig, nodesFile, sim } = await startStaleCniConfigSim();
    expect(sim.output()).toMatch(/serving at https:\/\/127\.0\.0\.1:\d+/);
    expect(sim.output()).toContain(kubeconfig);
    expect(existsSync(kubeconfig)).toBe(true);
    expect(existsSync(nodesFile)).toBe(true);

    const exited = exitOf(sim.child);
    sim.child.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(sim.output()).toContain("Received SIGTERM");
    expect(existsSync(kubeconfig)).toBe(false);
    expect(existsSync(nodesFile)).toBe(false);
  });

  it.skipIf(skipWithout("the real kubectl", KUBECTL ? undefined : "kubectl is not installed"))(
    "shows the first incident to the real kubectl (skipped when kubectl is not installed)",
    async () => {
      dir = await mkdtemp(join(tmpdir(), "cni-doctor-sim-cli-"));
      const kubeconfig = join(dir, "kubeconfig");
      const sim = await startSim(["--scenario", "stale-cni-config", "--kubeconfig-out", kubeconfig]);
      child = sim.child;
      const kubectl = (...args: string[]) => run(KUBECTL as string, ["--kubeconfig", kubeconfig, ...args]);

      const pods = (await kubectl("get", "pods", "-A", "-o", "wide")).stdout;
      const redis = pods.split("\n").filter((l) => l.includes("redis-master"));
      expect(redis).toHaveLength(2);
      for (const line of redis) expect(line).toMatch(/0\/1\s+ContainerCreating/);
      expect(redis.some((l) => l.includes("k8s-worker1"))).toBe(true);
      expect(redis.some((l) => l.includes("k8s-worker2"))).toBe(true);

      const events = (
        await kubectl("get", "events", "-A", "--field-selector", "reason=FailedCreatePodSandBox")
      ).stdout;
      expect(events).toContain(
        'plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized',
      );
      const endpoints = (await kubectl("get", "endpoints", "redis-master")).stdout;
      expect(endpoints).toMatch(/redis-master\s+<none>/);
    },
  );

  it("installs the bot's namespace and RBAC from manifests/, so fix and runs work against it straight away", async () => {
    const { kubeconfig, nodesFile, sim } = await startStaleCniConfigSim();
    expect(sim.output()).toMatch(
      /bot identity {4}Namespace cni-doctor, ServiceAccount, \d+ roles and \d+ bindings from manifests\//,
    );
    expect(sim.output()).toContain(`npx cni-doctor fix --kubeconfig ${kubeconfig} --nodes-file ${nodesFile}`);
    const runs = await run(NODE, [BIN, "runs", "--kubeconfig", kubeconfig]).catch((e) => e);
    expect(runs.code ?? 0, `${runs.stdout}${runs.stderr}`).toBe(0);
    expect(`${runs.stdout}${runs.stderr}`).not.toMatch(/does not exist/);
    const dryRun = await run(NODE, [
      BIN,
      "fix",
      "--kubeconfig",
      kubeconfig,
      "--nodes-file",
      nodesFile,
      "--dry-run",
    ]).catch((e) => e);
    expect(`${dryRun.stdout}${dryRun.stderr}`).not.toMatch(/namespace cni-doctor does not exist/);
    expect(dryRun.stdout).toMatch(/mv -n -t/);
  }, 60_000);

  it("refuses an unknown scenario with exit status 2 and names the choices", async () => {
    const failure = await run(NODE, [BIN, "sim", "--scenario", "no-such-scenario"]).catch((e) => e);
    expect(failure.code).toBe(2);
    expect(failure.stderr).toContain('unknown scenario "no-such-scenario"');
    expect(failure.stderr).toContain("stale-cni-config");
  });
});
