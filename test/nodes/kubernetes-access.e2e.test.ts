/**
 * End to end on the simulator with no nodes file: `diagnose --json` and `fix --yes` reach the nodes through agent
 * pods (`--node-access auto` picks kubernetes), name the same root causes as over SSH with high confidence, heal and
 * roll back byte for byte, and leave no agent pod behind. The product expects the namespace `cni-doctor-nodes`,
 * labelled `pod-security.kubernetes.io/enforce=privileged`, to exist; here the test creates it as manifests would.
 */
import { createHash } from "node:crypto";
import { readdirSync, readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { afterEach, describe, expect, it } from "vitest";
import type { Diagnosis, Finding } from "../../src/diagnosis/index.ts";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { runCli } from "../support/run-cli.ts";
import { type Harness, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const AGENTS = "cni-doctor-nodes";
const me = userInfo().username;
const CLI_ENV = {
  ...TEST_ENV,
  CNI_DOCTOR_APPROVERS: `cli:${me}`,
  CNI_DOCTOR_SELF_APPROVAL: "cli",
  NO_COLOR: "1",
};

const cli = (argv: string[], env: Record<string, string>) => runCli(argv, env);

let h: Harness | undefined;
afterEach(async () => {
  await h?.stop();
  h = undefined;
});

async function start(scenario: string): Promise<{ harness: Harness; core: CoreV1Api }> {
  const harness = await startHarness(scenario);
  h = harness;
  const core = loadCluster({ kubeconfigPath: harness.kubeconfigPath }).kubeConfig.makeApiClient(CoreV1Api);
  await core.createNamespace({
    body: { metadata: { name: AGENTS, labels: { "pod-security.kubernetes.io/enforce": "privileged" } } },
  });
  return { harness, core };
}

const nodesOf = (d: Diagnosis, cause: string) =>
  d.findings
    .filter((f: Finding) => f.rootCause === cause)
    .flatMap((f) => f.nodes)
    .sort();

/** Polls `diagnose --json` (no nodes file) until `ready`; bounded. */
async function diagnoseUntil(harness: Harness, ready: (d: Diagnosis) => boolean): Promise<Diagnosis> {
  let last = { code: 0, out: "", err: "" };
  for (let attempt = 0; attempt < 40; attempt++) {
    last = await cli(["diagnose", "--kubeconfig", harness.kubeconfigPath, "--json"], {});
    if (last.code !== 1) {
      const d = JSON.parse(last.out) as Diagnosis;
      if (ready(d)) return d;
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`diagnosis never became ready:\n${last.out}\n${last.err}`);
}

const agentPods = async (core: CoreV1Api) =>
  (await core.listNamespacedPod({ namespace: AGENTS })).items.map((p) => p.metadata?.name);

/** sha256 of every file under the node's CNI conf dir, by name. */
function confDigest(harness: Harness, node: string): Record<string, string> {
  const dir = join(harness.sim.nodeRoot(node), "etc/cni/net.d");
  return Object.fromEntries(
    readdirSync(dir).map((f) => [
      f,
      createHash("sha256")
        .update(readFileSync(join(dir, f)))
        .digest("hex"),
    ]),
  );
}

describe("node access through Kubernetes, end to end", () => {
  it.each([
    { scenario: "stale-cni-config", cause: "stale-cni-config", nodes: ["k8s-worker1", "k8s-worker2"] },
    { scenario: "expired-token", cause: "cni-token-expired", nodes: ["k8s-worker2"] },
    { scenario: "shadowing-config", cause: "shadowing-cni-config", nodes: ["k8s-worker1"] },
  ])(
    "diagnose --json names $cause on $nodes of $scenario with high confidence, without a nodes file",
    async (c) => {
      const { harness, core } = await start(c.scenario);
      const d = await diagnoseUntil(harness, (x) => nodesOf(x, c.cause).length === c.nodes.length);
      expect(nodesOf(d, c.cause)).toEqual(c.nodes);
      const findings = d.findings.filter((f) => f.rootCause === c.cause);
      expect(findings.every((f) => f.confidence === "high")).toBe(true);
      expect(findings.flatMap((f) => f.evidence.nodes).every((n) => n.inspection !== null)).toBe(true);
      expect(await agentPods(core)).toEqual([]);
    },
    60_000,
  );

  it("--node-access none keeps diagnosis cluster-side; auto without the agent namespace says why", async () => {
    h = await startHarness("expired-token");
    const none = await diagnoseUntil(h, (x) => x.findings.length > 0);
    expect(none.findings.flatMap((f) => f.evidence.nodes).every((n) => n.inspection === null)).toBe(true);
    const r = await cli(["diagnose", "--kubeconfig", h.kubeconfigPath, "--node-access", "none"], {});
    expect(r.err).toBe("");
    const auto = await cli(["diagnose", "--kubeconfig", h.kubeconfigPath], {});
    expect(auto.err).toContain(`namespace ${AGENTS} does not exist, so nodes' CNI files are not inspected`);
    const ssh = await cli(["diagnose", "--kubeconfig", h.kubeconfigPath, "--node-access", "ssh"], {});
    expect(ssh.code).toBe(2);
    expect(ssh.err).toMatch(/--node-access ssh needs a nodes file/);
  }, 60_000);

  it("fix --yes heals stale-cni-config through read-write agent pods and leaves none behind", async () => {
    const { harness, core } = await start("stale-cni-config");
    await diagnoseUntil(harness, (x) => nodesOf(x, "stale-cni-config").length === 2);
    const r = await cli(["fix", "--yes", "--kubeconfig", harness.kubeconfigPath], CLI_ENV);
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.out).toMatch(/Result: succeeded/);
    expect(r.out).toMatch(/✓ fresh diagnosis: healthy/);
    expect(await agentPods(core)).toEqual([]);
  }, 90_000);

  it("fix --yes rolls agent-wont-start back byte for byte on k8s-worker2", async () => {
    const { harness, core } = await start("agent-wont-start");
    await diagnoseUntil(harness, (x) => x.findings.flatMap((f) => f.nodes).length === 2);
    const before = confDigest(harness, "k8s-worker2");
    const r = await cli(["fix", "--yes", "--kubeconfig", harness.kubeconfigPath], CLI_ENV);
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/rollback on k8s-worker2: Restored 10-calico.conflist, calico-kubeconfig/);
    expect(confDigest(harness, "k8s-worker2")).toEqual(before);
    expect(await agentPods(core)).toEqual([]);
  }, 90_000);
});

describe("an exec stream dropped mid-mv during fix", () => {
  it("restores the node byte for byte and says the move's outcome was unknown", async () => {
    const { harness, core } = await start("stale-cni-config");
    await diagnoseUntil(harness, (x) => nodesOf(x, "stale-cni-config").length === 2);
    const before = confDigest(harness, "k8s-worker1");
    harness.sim.apiServer.faults.add({ dropExec: "after-running", program: "mv", times: 1 });
    const r = await cli(
      ["fix", "--yes", "--kubeconfig", harness.kubeconfigPath, "--node", "k8s-worker1"],
      CLI_ENV,
    );
    expect(r.code, r.out + r.err).toBe(1);
    expect(r.out).toMatch(/closed without an exit status; the command may or may not have taken effect/);
    expect(r.out).toMatch(
      /rollback on k8s-worker1: Restored 10-calico.conflist, calico-kubeconfig in \/etc\/cni\/net.d on k8s-worker1, byte-identical/,
    );
    expect(confDigest(harness, "k8s-worker1")).toEqual(before);
    expect(await agentPods(core)).toEqual([]);
  }, 90_000);
});
