/**
 * The Kubernetes node-access transport against the simulated cluster: the same command templates as over SSH, run
 * through `pods/exec` in agent pods that are deleted after use, read-only for diagnosis, with the SSH transport's
 * error kinds for a dropped stream, a timeout, and refusals that say what to fix.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import type { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { PodExecResult } from "../../src/kube/exec.ts";
import { NodeAgentPods, type NodeAgentSettings } from "../../src/kube/node-agent-pods.ts";
import {
  checksumFiles,
  isNodeAccessError,
  listDirectory,
  makeBackupDirectory,
  moveIntoDirectory,
  type NodeAccessError,
  type ReadOnlyCommand,
  readFileBounded,
  readNodeClock,
  readOnlyView,
} from "../../src/nodes/index.ts";
import {
  detectCniConfDir,
  KubernetesNodeAccess,
  type KubernetesNodeAccessOptions,
  type NodeAgentBackend,
} from "../../src/nodes/kubernetes-access.ts";
import type { RunningSimulatedCluster } from "../../src/sim/index.ts";
import {
  type AgentCluster,
  AGENT_NAMESPACE as NS,
  AGENT_SETTINGS as SETTINGS,
  startAgentCluster,
} from "../support/agent-pods.ts";

const CONF = "/etc/cni/net.d";
const BACKUP = "/var/lib/cni-doctor/backup";

describe("detectCniConfDir", () => {
  const node = (kubeletVersion: string, labels: Record<string, string> = {}) => ({
    metadata: { name: "n", labels },
    status: { nodeInfo: { kubeletVersion } as never },
  });
  it("knows k3s, RKE2, microk8s and OpenShift from the Node object, and defaults to /etc/cni/net.d", () => {
    expect(detectCniConfDir(node("v1.31.4+k3s1"))).toBe("/var/lib/rancher/k3s/agent/etc/cni/net.d");
    expect(detectCniConfDir(node("v1.31.4+rke2r1"))).toBe("/etc/cni/net.d");
    expect(detectCniConfDir(node("v1.31.4", { "microk8s.io/cluster": "true" }))).toBe(
      "/var/snap/microk8s/current/args/cni-network",
    );
    expect(detectCniConfDir(node("v1.31.4", { "node.openshift.io/os_id": "rhcos" }))).toBe(
      "/var/run/multus/cni/net.d",
    );
    expect(detectCniConfDir(node("v1.31.4"))).toBe("/etc/cni/net.d");
    expect(detectCniConfDir(undefined)).toBe("/etc/cni/net.d");
  });
});

describe("KubernetesNodeAccess against the simulated cluster", () => {
  let world: AgentCluster;
  let sim: RunningSimulatedCluster;
  let cluster: AgentCluster["cluster"];
  let core: CoreV1Api;

  beforeAll(async () => {
    world = await startAgentCluster("stale-cni-config");
    ({ sim, cluster, core } = world);
  });
  afterAll(async () => world?.stop());

  function open(
    mode: "read" | "write",
    overrides: Partial<KubernetesNodeAccessOptions> = {},
    settings: Partial<NodeAgentSettings> = {},
  ): KubernetesNodeAccess {
    return new KubernetesNodeAccess({
      agents: new NodeAgentPods(cluster.kubeConfig, { ...SETTINGS, ...settings }),
      mode,
      nodes: [],
      cniConfDir: undefined,
      backupRoot: BACKUP,
      concurrency: 4,
      commandTimeoutMs: 10_000,
      maxOutputBytes: 1 << 20,
      lingerMs: 200,
      ...overrides,
    });
  }
  const agentPods = async () =>
    (await core.listNamespacedPod({ namespace: NS, labelSelector: "app.kubernetes.io/component=node-agent" }))
      .items;
  const hostFile = (node: string, path: string) => join(sim.nodeRoot(node), path);
  const sha256 = (path: string) => createHash("sha256").update(readFileSync(path)).digest("hex");

  it("runs the read-only templates unchanged in an agent pod, without sudo, and deletes the pod on close", async () => {
    const nodes = open("read");
    expect(nodes.target("k8s-worker1", undefined)).toEqual({
      nodeName: "k8s-worker1",
      cniConfDir: CONF,
      sudo: false,
    });
    const listing = await nodes.run("k8s-worker1", undefined, listDirectory(CONF, { within: [CONF] }));
    expect(listing.status === "ok" && listing.entries.map((e) => e.name)).toContain("calico-kubeconfig");
    const file = `${CONF}/calico-kubeconfig`;
    const read = await nodes.run(
      "k8s-worker1",
      undefined,
      readFileBounded(file, { within: [CONF], maxBytes: 65536 }),
    );
    expect(read.status === "ok" && read.content.equals(readFileSync(hostFile("k8s-worker1", file)))).toBe(
      true,
    );
    const [sum] = await nodes.run("k8s-worker1", undefined, checksumFiles([file], { within: [CONF] }));
    expect(sum).toEqual({ path: file, status: "ok", sha256: sha256(hostFile("k8s-worker1", file)) });
    const clock = await nodes.run("k8s-worker1", undefined, readNodeClock());
    expect(Math.abs(clock.offsetMs)).toBeLessThan(5000);
    expect(nodes.commandLine("k8s-worker1", undefined, checksumFiles([file], { within: [CONF] }))).toBe(
      `kubectl exec -n ${NS} <agent pod on k8s-worker1> -- sha256sum -- ${file}`,
    );
    // Four commands on one node shared one pod.
    expect((await agentPods()).length).toBe(1);
    await nodes.close();
    expect(await agentPods()).toEqual([]);
  });

  it("mounts the conf dir read-only for diagnosis: a move that slipped past the type is refused by the kernel", async () => {
    const nodes = open("read");
    const file = `${CONF}/calico-kubeconfig`;
    const before = sha256(hostFile("k8s-worker1", file));
    const error = (await nodes
      .run("k8s-worker1", undefined, moveIntoDirectory([file], "/etc/cni", { within: ["/etc/cni"] }))
      .catch((e: unknown) => e)) as NodeAccessError;
    expect(error.kind).toBe("command-failed");
    expect(error.message).toMatch(/Read-only file system/);
    await expect(
      readOnlyView(nodes).run(
        "k8s-worker1",
        undefined,
        // The cast stands for plain JavaScript or a wrong cast: the type alone refuses this.
        makeBackupDirectory(`${BACKUP}/x`, { within: [BACKUP] }) as never,
      ),
    ).rejects.toMatchObject({ kind: "write-refused" });
    expect(sha256(hostFile("k8s-worker1", file))).toBe(before);
    await nodes.close();
  });

  it("moves files aside and back in a read-write pod, byte for byte", async () => {
    const nodes = open("write");
    const file = `${CONF}/calico-kubeconfig`;
    const before = readFileSync(hostFile("k8s-worker2", file));
    const backup = `${BACKUP}/run-move`;
    await nodes.run("k8s-worker2", undefined, makeBackupDirectory(backup, { within: [BACKUP] }));
    await nodes.run("k8s-worker2", undefined, moveIntoDirectory([file], backup, { within: [CONF, BACKUP] }));
    expect(readFileSync(hostFile("k8s-worker2", `${backup}/calico-kubeconfig`)).equals(before)).toBe(true);
    await nodes.run(
      "k8s-worker2",
      undefined,
      moveIntoDirectory([`${backup}/calico-kubeconfig`], CONF, { within: [CONF, BACKUP] }),
    );
    expect(readFileSync(hostFile("k8s-worker2", file)).equals(before)).toBe(true);
    await nodes.close();
    expect(await agentPods()).toEqual([]);
  });

  it("reports an exec stream dropped mid-mv as connection-dropped (outcome unknown), and discards the pod", async () => {
    const nodes = open("write");
    const file = `${CONF}/calico-kubeconfig`;
    const backup = `${BACKUP}/run-drop`;
    await nodes.run("k8s-worker1", undefined, makeBackupDirectory(backup, { within: [BACKUP] }));
    const first = (await agentPods()).map((p) => p.metadata?.name);
    const remove = sim.apiServer.faults.add({ dropExec: "after-running", program: "mv", times: 1 });
    const error = (await nodes
      .run("k8s-worker1", undefined, moveIntoDirectory([file], backup, { within: [CONF, BACKUP] }))
      .catch((e: unknown) => e)) as NodeAccessError;
    remove();
    expect(error.kind).toBe("connection-dropped");
    expect(error.message).toMatch(/may or may not have taken effect/);
    // The next command looks through a fresh pod, and sees what the dropped command did.
    const [moved] = await nodes.run(
      "k8s-worker1",
      undefined,
      checksumFiles([`${backup}/calico-kubeconfig`], { within: [BACKUP] }),
    );
    expect(moved?.status).toBe("ok");
    expect((await agentPods()).map((p) => p.metadata?.name)).not.toEqual(first);
    await nodes.run(
      "k8s-worker1",
      undefined,
      moveIntoDirectory([`${backup}/calico-kubeconfig`], CONF, { within: [CONF, BACKUP] }),
    );
    await nodes.close();
  });

  it("names the missing RBAC rule when exec is forbidden", async () => {
    const nodes = open("read");
    const remove = sim.apiServer.faults.add({ program: "date", status: 403, times: 1 });
    const error = (await nodes
      .run("k8s-worker1", undefined, readNodeClock())
      .catch((e: unknown) => e)) as NodeAccessError;
    remove();
    expect(error.kind).toBe("forbidden");
    expect(error.message).toContain(`verb "create" on resource "pods/exec" in namespace ${NS}`);
    await nodes.close();
  });

  it("reports an agent image that cannot be pulled as 'not inspected' within the start timeout, once per node", async () => {
    sim.cluster.setImagePullable("cni-doctor:missing", false, ["k8s-worker2"]);
    const nodes = open("read", {}, { image: "cni-doctor:missing", startTimeoutMs: 1500 });
    const list = () => nodes.run("k8s-worker2", undefined, listDirectory(CONF, { within: [CONF] }));
    const error = (await list().catch((e: unknown) => e)) as NodeAccessError;
    expect(isNodeAccessError(error, "agent-pod-unavailable")).toBe(true);
    expect(error.message).toMatch(
      /^node k8s-worker2: not inspected: image cni-doctor:missing could not be pulled on k8s-worker2 within 2 s/,
    );
    const started = Date.now();
    await expect(list()).rejects.toBe(error);
    expect(Date.now() - started).toBeLessThan(1000);
    // The other nodes are not held up by it.
    const other = await nodes.run("k8s-worker1", undefined, listDirectory(CONF, { within: [CONF] }));
    expect(other.status).toBe("ok");
    await nodes.close();
  });

  it("keeps at most `concurrency` agent pods at once", async () => {
    const real = new NodeAgentPods(cluster.kubeConfig, SETTINGS);
    let alive = 0;
    let most = 0;
    const counting: NodeAgentBackend = {
      namespace: real.namespace,
      start: async (r) => {
        alive++;
        most = Math.max(most, alive);
        return real.start(r);
      },
      exec: (pod, argv, options) => real.exec(pod, argv, options),
      remove: async (pod) => {
        await real.remove(pod);
        alive--;
      },
    };
    const nodes = open("read", { agents: counting, concurrency: 1, lingerMs: 50 });
    await Promise.all(
      ["k8s-master", "k8s-worker1", "k8s-worker2"].map((n) => nodes.run(n, undefined, readNodeClock())),
    );
    await nodes.close();
    expect(most).toBe(1);
    expect(alive).toBe(0);
  });
});

describe("KubernetesNodeAccess when nodes wait for a pod (fake agents)", () => {
  const exited: PodExecResult = {
    stdout: Buffer.from(""),
    stderr: Buffer.from(""),
    stdoutTruncated: false,
    stderrTruncated: false,
    exitCode: 0,
    signal: null,
    startedAtMs: 0,
    finishedAtMs: 0,
  };
  const noop: ReadOnlyCommand<number | null> = {
    name: "noop",
    argv: ["true"],
    changesNode: false,
    interpret: (r) => r.exitCode,
  };

  it("hands an idle pod's slot to a waiting node at once, and still runs one node's consecutive commands in one pod", async () => {
    const calls: string[] = [];
    let started = 0;
    const agents: NodeAgentBackend = {
      namespace: "ns",
      start: async (r) => {
        const pod = `${r.node}-${++started}`;
        calls.push(`start ${pod}`);
        return pod;
      },
      exec: async (pod) => {
        calls.push(`exec ${pod}`);
        return exited;
      },
      remove: async (pod) => {
        calls.push(`remove ${pod}`);
      },
    };
    // An hour's linger: were it kept while node b waits for the only slot, this would never finish.
    const nodes = new KubernetesNodeAccess({
      agents,
      mode: "read",
      nodes: [],
      cniConfDir: undefined,
      backupRoot: BACKUP,
      concurrency: 1,
      commandTimeoutMs: 10_000,
      maxOutputBytes: 1 << 20,
      lingerMs: 3_600_000,
    });
    const inspect = async (node: string) => {
      await nodes.run(node, undefined, noop);
      await nodes.run(node, undefined, noop);
    };
    await Promise.all([inspect("a"), inspect("b")]);
    expect(calls).toEqual([
      "start a-1",
      "exec a-1",
      "exec a-1",
      "remove a-1",
      "start b-2",
      "exec b-2",
      "exec b-2",
    ]);
    await nodes.close();
    expect(calls.at(-1)).toBe("remove b-2");
  });
});
