/**
 * execInPod against the simulated cluster's `pods/exec` (WebSocket, v5.channel.k8s.io): exit codes from the status
 * channel, other Failure Statuses as errors, output caps, a refused upgrade, and a stream cut without a status
 * ("dropped": outcome unknown), told apart from one whose command exited.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { execInPod, PodExecError } from "../../src/kube/exec.ts";
import { NodeAgentPods } from "../../src/kube/node-agent-pods.ts";
import type { RunningSimulatedCluster } from "../../src/sim/index.ts";
import {
  AGENT_SETTINGS,
  type AgentCluster,
  AGENT_NAMESPACE as NS,
  startAgentCluster,
} from "../support/agent-pods.ts";

const CONF = "/etc/cni/net.d";

describe("execInPod", () => {
  let world: AgentCluster;
  let sim: RunningSimulatedCluster;
  let cluster: AgentCluster["cluster"];
  let pod: string;
  const limits = { timeoutMs: 10_000, maxStdoutBytes: 1 << 20, maxStderrBytes: 4096 };
  const run = (argv: string[], options = limits) =>
    execInPod(cluster.kubeConfig, { namespace: NS, pod, container: "agent" }, argv, options);

  beforeAll(async () => {
    world = await startAgentCluster("stale-cni-config");
    ({ sim, cluster } = world);
    const agents = new NodeAgentPods(cluster.kubeConfig, AGENT_SETTINGS);
    pod = await agents.start({ node: "k8s-worker1", mode: "read", cniConfDir: CONF, backupRoot: "/b" });
  });
  afterAll(async () => world?.stop());

  it("returns stdout and exit code 0 for a command that succeeds", async () => {
    const r = await run(["find", CONF, "-mindepth", "1", "-maxdepth", "1", "-printf", "%f\\n"]);
    expect(r.exitCode).toBe(0);
    expect(r.stdout.toString()).toContain("calico-kubeconfig\n");
    expect(r.signal).toBeNull();
    expect(r.finishedAtMs).toBeGreaterThanOrEqual(r.startedAtMs);
  });

  it("returns a non-zero exit code from the NonZeroExitCode Status, with the tool's stderr", async () => {
    const r = await run(["head", "-c", "10", "--", `${CONF}/no-such-file`]);
    expect(r.exitCode).toBe(1);
    expect(r.stderr.toString()).toMatch(/No such file or directory/);
  });

  it("caps stdout and says so", async () => {
    const r = await run(["head", "-c", "4000", "--", `${CONF}/calico-kubeconfig`], {
      ...limits,
      maxStdoutBytes: 10,
    });
    expect(r.stdout.length).toBe(10);
    expect(r.stdoutTruncated).toBe(true);
  });

  it("turns any other Failure Status into an error with the kubelet's message", async () => {
    const error = await run(["rm", "-rf", "/"]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PodExecError);
    expect((error as PodExecError).failure).toBe("failed");
    expect((error as PodExecError).message).toMatch(/executable file not found/);
  });

  it("reports a refused upgrade with its HTTP status", async () => {
    const error = await execInPod(
      cluster.kubeConfig,
      { namespace: NS, pod: "no-such-pod", container: "agent" },
      ["date"],
      limits,
    ).catch((e: unknown) => e);
    expect((error as PodExecError).failure).toBe("refused");
    expect((error as PodExecError).httpStatus).toBe(404);
  });

  it("reports a stream cut after the command ran, without a status, as dropped (outcome unknown)", async () => {
    const remove = sim.apiServer.faults.add({ dropExec: "after-running", program: "date", times: 1 });
    try {
      const error = await run(["date", "+%s.%N"]).catch((e: unknown) => e);
      expect((error as PodExecError).failure).toBe("dropped");
      expect((error as PodExecError).message).toMatch(/may or may not have taken effect/);
    } finally {
      remove();
    }
  });

  it("reports a stream cut before the command ran as dropped too: the client cannot tell the two apart", async () => {
    const remove = sim.apiServer.faults.add({ dropExec: "before-running", program: "date", times: 1 });
    try {
      const error = await run(["date", "+%s.%N"]).catch((e: unknown) => e);
      expect((error as PodExecError).failure).toBe("dropped");
    } finally {
      remove();
    }
  });

  it("gives up after the timeout when no status comes", async () => {
    const remove = sim.apiServer.faults.add({ program: "date", delayMs: 3000, times: 1 });
    try {
      const error = await run(["date"], { ...limits, timeoutMs: 300 }).catch((e: unknown) => e);
      expect((error as PodExecError).failure).toBe("timeout");
    } finally {
      remove();
    }
  });
});
