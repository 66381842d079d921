/**
 * `check` against the simulated cluster with the manifests applied (RBAC enforced from them), as the bot's
 * ServiceAccount: it passes; with any one rule removed it fails naming that rule's manifest line; with node access
 * broken on a node it names the node and why. And it changes nothing (dry runs are not stored).
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { KubernetesObjectApi, RbacAuthorizationV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { checkPermissions } from "../../src/check/kubernetes.ts";
import { buildReport } from "../../src/check/model.ts";
import { BOT_OPERATIONS, describeOperation } from "../../src/check/operations.ts";
import { runChecks } from "../../src/check/run-checks.ts";
import { loadConfig } from "../../src/config.ts";
import { createAccessReviewer } from "../../src/kube/access-review.ts";
import { type LoadedCluster, loadCluster } from "../../src/kube/cluster-config.ts";
import { NodeAgentPods } from "../../src/kube/node-agent-pods.ts";
import { createClusterReader } from "../../src/kube/reader.ts";
import { openNodeAccess } from "../../src/nodes/open-node-access.ts";
import { type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import { type Manifest, RBAC_KINDS, renderManifests } from "../manifests/bot-flows.ts";

const ENV = {
  CNI_DOCTOR_NODE_AGENT_IMAGE: "cni-doctor:test",
  CNI_DOCTOR_NODE_AGENT_PRIORITY_CLASS: "cni-doctor-critical",
  CNI_DOCTOR_NODE_AGENT_START_TIMEOUT_MS: "4000",
  CNI_DOCTOR_KUBE_TIMEOUT_MS: "5000",
};
const APPLIED = new Set(["Namespace", "ServiceAccount", "PriorityClass", ...RBAC_KINDS]);

let sim: RunningSimulatedCluster;
let dir: string;
let admin: LoadedCluster;
let bot: LoadedCluster;
const manifests = renderManifests();

beforeAll(async () => {
  sim = await startSimulatedCluster({
    scenario: "stale-cni-config",
    port: 0,
    syncPeriodMs: 300,
    rbac: true,
    sshNodes: false,
  });
  dir = await mkdtemp(join(tmpdir(), "cni-doctor-check-"));
  await writeFile(join(dir, "admin"), sim.kubeconfig(), { mode: 0o600 });
  admin = loadCluster({ kubeconfigPath: join(dir, "admin") });
  const api = KubernetesObjectApi.makeApiClient(admin.kubeConfig);
  const order = (o: Manifest) => (o.kind === "Namespace" ? 0 : o.kind === "ServiceAccount" ? 1 : 2);
  for (const o of manifests.filter((m) => APPLIED.has(m.kind)).sort((a, b) => order(a) - order(b))) {
    await api.create(o).catch((err: { code?: number }) => {
      if (err.code !== 409) throw err;
    });
  }
  const token = await sim.requestServiceAccountToken("cni-doctor", "cni-doctor");
  await writeFile(join(dir, "bot"), sim.kubeconfig({ user: "cni-doctor", token }), { mode: 0o600 });
  bot = loadCluster({ kubeconfigPath: join(dir, "bot") });
}, 60_000);

afterAll(async () => {
  await sim?.stop();
  if (dir) await rm(dir, { recursive: true, force: true });
});

function checkAsBot() {
  const config = loadConfig(ENV);
  const reader = createClusterReader(bot.kubeConfig, bot.identity, { requestTimeoutMs: 5000 });
  return runChecks({
    config,
    cluster: bot,
    nodeTransport: "kubernetes",
    openNodes: () =>
      openNodeAccess({
        choice: "kubernetes",
        nodesFile: undefined,
        mode: "read",
        env: {},
        kubernetes: {
          agents: new NodeAgentPods(bot.kubeConfig, {
            ...config.nodeAgent,
            requestTimeoutMs: 5000,
            pollIntervalMs: 100,
          }),
          listNodes: () => reader.listNodes(),
          cniConfDir: undefined,
          backupRoot: config.remediation.backupRoot,
          concurrency: 2,
          commandTimeoutMs: 5000,
        },
      }),
    slack: undefined,
  });
}

describe("cni-doctor check on the simulator with manifests/ applied", () => {
  it("passes as the bot's ServiceAccount, and stores nothing", async () => {
    const before = sim.store.resourceVersion;
    const report = await checkAsBot();
    const failed = report.lines.filter((l) => l.status === "fail");
    expect(failed).toEqual([]);
    expect(report.ok).toBe(true);
    const ids = report.lines.map((l) => l.id);
    expect(ids).toContain("api-server");
    expect(ids).toContain("node-access:k8s-master");
    expect(ids.filter((id) => id.startsWith("permission:"))).toHaveLength(BOT_OPERATIONS.length);
    expect(report.lines.find((l) => l.id.startsWith("cni:"))?.summary).toMatch(/calico \(operator install\)/);
    // The dry-run creates left no object behind: no ConfigMap, Lease or Event named by the check.
    const names = ["configmaps", "leases", "events"].flatMap((r) =>
      sim.store.list(r).map((o) => o.metadata.name),
    );
    expect(names.filter((n) => n.includes("cni-doctor-check"))).toEqual([]);
    expect(Number(sim.store.resourceVersion)).toBeGreaterThan(Number(before)); // agent pods came and went
  }, 60_000);

  it("with any one RBAC rule removed, fails naming that rule's line in manifests/rbac.yaml", async () => {
    const rbac = admin.kubeConfig.makeApiClient(RbacAuthorizationV1Api);
    const config = loadConfig(ENV);
    const reviewer = createAccessReviewer(bot.kubeConfig, 5000);
    const roles = manifests.filter((m) => m.kind === "Role" || m.kind === "ClusterRole");
    let tried = 0;
    for (const role of roles) {
      for (let i = 0; i < role.rules.length; i++) {
        const without = { ...role, rules: role.rules.filter((_: unknown, j: number) => j !== i) };
        const put = (body: Manifest) =>
          role.kind === "Role"
            ? rbac.replaceNamespacedRole({
                name: role.metadata.name,
                namespace: role.metadata.namespace as string,
                body,
              })
            : rbac.replaceClusterRole({ name: role.metadata.name, body });
        await put(without);
        try {
          const lines = await checkPermissions({
            reviewer,
            namespaces: { bot: config.remediation.namespace, nodeAgents: config.nodeAgent.namespace },
            subject: "the bot",
            agentPod: { ...config.nodeAgent, backupRoot: config.remediation.backupRoot },
            sampleNode: { name: "k8s-worker1", uid: undefined },
          });
          const report = buildReport(bot.identity, lines);
          expect(report.ok, `${role.metadata.name} rule ${i}`).toBe(false);
          const failed = lines.filter((l) => l.status === "fail");
          const rule = role.rules[i];
          for (const l of failed) expect(l.summary).toMatch(/manifests\/rbac\.yaml:\d+/);
          // Each verb the rule granted is named as not allowed.
          for (const verb of rule.verbs as string[]) {
            for (const resource of rule.resources as string[]) {
              const [res, sub] = resource.split("/");
              const named = failed.some(
                (l) => l.summary.startsWith(`${verb} ${res}`) && (!sub || l.summary.includes(`/${sub}`)),
              );
              expect(
                named,
                `${role.metadata.name} rule ${i}: ${verb} ${resource} in ${failed.map((l) => l.summary).join(" | ")}`,
              ).toBe(true);
            }
          }
          // The line named is that rule's: every failure points at one line, the rule's verbs line.
          const lineNumbers = new Set(failed.map((l) => /rbac\.yaml:(\d+)/.exec(l.summary)?.[1]));
          expect(lineNumbers.size, `${role.metadata.name} rule ${i}`).toBe(1);
          tried++;
        } finally {
          // client-node needs the current resourceVersion-free body; replace puts the rule back.
          await put(role);
        }
      }
    }
    expect(tried).toBeGreaterThanOrEqual(18);
  }, 120_000);

  it("with node access broken on a worker, names the node and the reason", async () => {
    const workers = ["k8s-worker1", "k8s-worker2"];
    sim.cluster.setImagePullable("cni-doctor:test", false, workers);
    try {
      const report = await checkAsBot();
      const line = report.lines.find((l) => l.id.startsWith("node-access:k8s-worker"));
      expect(line?.status).toBe("fail");
      const node = line?.id.slice("node-access:".length) as string;
      expect(workers).toContain(node);
      expect(line?.summary).toContain(node);
      expect(line?.summary).toMatch(/image|pull/i);
      expect(line?.fix).toBeTruthy();
      expect(report.ok).toBe(false);
      expect(report.lines.find((l) => l.id === "node-access:k8s-master")?.status).toBe("pass");
    } finally {
      sim.cluster.setImagePullable("cni-doctor:test", true, workers);
    }
  }, 60_000);

  it("names every operation once", () => {
    const names = BOT_OPERATIONS.map((op) =>
      describeOperation(op, { bot: "cni-doctor", nodeAgents: "cni-doctor-nodes" }),
    );
    expect(new Set(names).size).toBe(names.length);
  });
});
