/**
 * Node-agent pods against the simulated cluster: the pod's shape (pure), start and delete, a Pod Security refusal
 * that names the namespace label, an RBAC refusal that names the rule, an image that cannot be pulled reported
 * within the start timeout, and the sweep of leftovers that leaves live pods of other processes alone.
 */
import type { CoreV1Api } from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import {
  AgentPodError,
  agentPodManifest,
  NodeAgentPods,
  pollDelayMs,
} from "../../src/kube/node-agent-pods.ts";
import type { RunningSimulatedCluster } from "../../src/sim/index.ts";
import {
  type AgentCluster,
  AGENT_NAMESPACE as NS,
  AGENT_SETTINGS as SETTINGS,
  startAgentCluster,
} from "../support/agent-pods.ts";

const CONF = "/etc/cni/net.d";
const BACKUP = "/var/lib/cni-doctor/backup";

describe("agentPodManifest", () => {
  const read = agentPodManifest(
    { node: "k8s-worker1", mode: "read", cniConfDir: CONF, backupRoot: BACKUP },
    SETTINGS,
    "cni-doctor-abc",
    "p",
  );
  const write = agentPodManifest(
    { node: "k8s-worker1", mode: "write", cniConfDir: CONF, backupRoot: BACKUP },
    { ...SETTINGS, priorityClassName: "system-node-critical" },
    "cni-doctor-abc",
    "p",
  );

  it("pins the node, uses the host network, tolerates every taint, and carries no service account token", () => {
    expect(read.spec?.nodeName).toBe("k8s-worker1");
    expect(read.spec?.hostNetwork).toBe(true);
    expect(read.spec?.tolerations).toEqual([{ operator: "Exists" }]);
    expect(read.spec?.automountServiceAccountToken).toBe(false);
    expect(read.spec?.activeDeadlineSeconds).toBe(300);
    expect(read.spec?.priorityClassName).toBeUndefined();
    expect(write.spec?.priorityClassName).toBe("system-node-critical");
    expect(read.spec?.containers[0]?.command).toEqual(["sleep", "300"]);
    expect(read.spec?.containers[0]?.imagePullPolicy).toBe("IfNotPresent");
    expect(read.metadata?.labels).toMatchObject({
      "app.kubernetes.io/managed-by": "cni-doctor",
      "cni-doctor.io/node": "k8s-worker1",
      "cni-doctor.io/mode": "read",
      "app.kubernetes.io/instance": "cni-doctor-abc",
    });
  });

  it("runs as root with no capability, no privilege escalation, a read-only root and RuntimeDefault seccomp", () => {
    expect(write.spec?.containers[0]?.securityContext).toEqual({
      runAsUser: 0,
      runAsGroup: 0,
      privileged: false,
      allowPrivilegeEscalation: false,
      capabilities: { drop: ["ALL"] },
      readOnlyRootFilesystem: true,
      seccompProfile: { type: "RuntimeDefault" },
    });
  });

  it("mounts only the conf dir read-only for diagnosis; the backup root too, read-write, for an approved run", () => {
    expect(read.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "cni-conf", mountPath: CONF, readOnly: true },
    ]);
    expect(read.spec?.volumes).toEqual([{ name: "cni-conf", hostPath: { path: CONF, type: "Directory" } }]);
    expect(write.spec?.containers[0]?.volumeMounts).toEqual([
      { name: "cni-conf", mountPath: CONF, readOnly: false },
      { name: "backup", mountPath: BACKUP, readOnly: false },
    ]);
  });
});

describe("pollDelayMs", () => {
  it("reads a starting pod again soon, then less and less often, never less often than the poll interval", () => {
    expect([0, 1, 2, 3, 4, 5, 20].map((reads) => pollDelayMs(reads, 250))).toEqual([
      25, 50, 100, 200, 250, 250, 250,
    ]);
    expect([0, 1, 2, 3].map((reads) => pollDelayMs(reads, 100))).toEqual([25, 50, 100, 100]);
  });
});

describe("NodeAgentPods against the simulated cluster", () => {
  let world: AgentCluster;
  let sim: RunningSimulatedCluster;
  let cluster: AgentCluster["cluster"];
  let core: CoreV1Api;
  const request = { node: "k8s-worker1", mode: "read" as const, cniConfDir: CONF, backupRoot: BACKUP };

  beforeAll(async () => {
    world = await startAgentCluster("stale-cni-config");
    ({ sim, cluster, core } = world);
  });
  afterAll(async () => world?.stop());

  it("starts a pod on a node whose CNI is broken, and deletes it", async () => {
    const agents = new NodeAgentPods(cluster.kubeConfig, SETTINGS);
    const name = await agents.start(request);
    const pod = await core.readNamespacedPod({ namespace: NS, name });
    expect(pod.status?.phase).toBe("Running");
    expect(await agents.listOwn()).toEqual([name]);
    await agents.remove(name);
    expect(await agents.listOwn()).toEqual([]);
    await agents.remove(name);
  });

  it("reports an image the node cannot pull within the start timeout, and leaves no pod behind", async () => {
    sim.cluster.setImagePullable("cni-doctor:unpullable", false, ["k8s-worker2"]);
    const agents = new NodeAgentPods(cluster.kubeConfig, {
      ...SETTINGS,
      image: "cni-doctor:unpullable",
      startTimeoutMs: 2500,
    });
    const error = await agents.start({ ...request, node: "k8s-worker2" }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentPodError);
    expect((error as AgentPodError).failure).toBe("image-pull");
    expect((error as AgentPodError).message).toMatch(
      /^image cni-doctor:unpullable could not be pulled on k8s-worker2 within 3 s \((ErrImagePull|ImagePullBackOff)\)/,
    );
    expect(await agents.listOwn()).toEqual([]);
  });

  it("names the namespace label to set when Pod Security refuses the pod", async () => {
    await core.createNamespace({
      body: {
        metadata: { name: "agents-baseline", labels: { "pod-security.kubernetes.io/enforce": "baseline" } },
      },
    });
    const agents = new NodeAgentPods(cluster.kubeConfig, { ...SETTINGS, namespace: "agents-baseline" });
    const error = (await agents.start(request).catch((e: unknown) => e)) as AgentPodError;
    expect(error.failure).toBe("pod-security");
    expect(error.message).toMatch(/violates PodSecurity "baseline:latest"/);
    expect(error.message).toContain(
      "kubectl label namespace agents-baseline pod-security.kubernetes.io/enforce=privileged",
    );
  });

  it("names the missing RBAC rule when creating the pod is forbidden, and a missing namespace", async () => {
    const remove = sim.apiServer.faults.add({
      method: "POST",
      resource: "pods",
      verb: "create",
      status: 403,
      message: `pods is forbidden: User "system:serviceaccount:cni-doctor:cni-doctor" cannot create resource "pods" in API group "" in the namespace "${NS}"`,
      times: 1,
    });
    const agents = new NodeAgentPods(cluster.kubeConfig, SETTINGS);
    const forbidden = (await agents.start(request).catch((e: unknown) => e)) as AgentPodError;
    remove();
    expect(forbidden.failure).toBe("forbidden");
    expect(forbidden.message).toContain(`verb "create" on resource "pods" in namespace ${NS}`);
    const missing = new NodeAgentPods(cluster.kubeConfig, { ...SETTINGS, namespace: "no-such-namespace" });
    const error = (await missing.start(request).catch((e: unknown) => e)) as AgentPodError;
    expect(error.failure).toBe("namespace-missing");
    expect(error.message).toMatch(/namespace no-such-namespace does not exist/);
  });

  it("sweeps ended and expired agent pods, and leaves a live pod of another process alone", async () => {
    const other = new NodeAgentPods(cluster.kubeConfig, SETTINGS);
    const live = await other.start(request);
    const expiring = new NodeAgentPods(cluster.kubeConfig, { ...SETTINGS, deadlineSeconds: 1 });
    const expired = await expiring.start({ ...request, node: "k8s-worker2" });
    const sweeper = new NodeAgentPods(cluster.kubeConfig, SETTINGS);
    const swept = await sweeper.sweep(Date.now() + 5000);
    expect(swept).toEqual([expired]);
    expect(await other.listOwn()).toEqual([live]);
    await other.remove(live);
  });
});
