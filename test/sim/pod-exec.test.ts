/**
 * `pods/exec` in the simulated cluster, judged by client-node's Exec (WebSocket, v5.channel.k8s.io) and by the real
 * kubectl: a host-network pod on a node whose CNI is broken starts anyway, and a command exec'd in it sees the node's
 * CNI files through its hostPath volumes, read-only where mounted so.
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { PassThrough } from "node:stream";
import * as k8s from "@kubernetes/client-node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rawRequest } from "../support/apiserver-http.ts";
import { skipWithout } from "../support/real-parts.ts";
import {
  type Harness,
  kubectl,
  kubectlUnavailableReason,
  startHarness,
  waitFor,
} from "./scenarios-support.ts";

const NS = "cni-doctor-nodes";
const CONF = "/etc/cni/net.d";
const BACKUP = "/var/lib/cni-doctor/backup";

function agentPod(name: string, node: string, writable: boolean): k8s.V1Pod {
  return {
    metadata: { name, namespace: NS },
    spec: {
      nodeName: node,
      hostNetwork: true,
      restartPolicy: "Never",
      automountServiceAccountToken: false,
      containers: [
        {
          name: "agent",
          image: "cni-doctor:test",
          securityContext: {
            runAsUser: 0,
            readOnlyRootFilesystem: true,
            allowPrivilegeEscalation: false,
            capabilities: { drop: ["ALL"] },
          },
          volumeMounts: [
            { name: "cni-conf", mountPath: `/host${CONF}`, readOnly: !writable },
            { name: "backup", mountPath: `/host${BACKUP}`, readOnly: !writable },
          ],
        },
      ],
      volumes: [
        { name: "cni-conf", hostPath: { path: CONF, type: "Directory" } },
        { name: "backup", hostPath: { path: BACKUP, type: "DirectoryOrCreate" } },
      ],
    },
  };
}

interface ExecOutcome {
  stdout: string;
  stderr: string;
  status: k8s.V1Status;
}

describe("pods/exec over WebSocket", () => {
  let h: Harness;
  let kc: k8s.KubeConfig;

  beforeAll(async () => {
    h = await startHarness("stale-cni-config", 200);
    kc = new k8s.KubeConfig();
    kc.loadFromString(h.sim.kubeconfig());
    await h.core.createNamespace({ body: { metadata: { name: NS } } });
    await h.core.createNamespacedPod({ namespace: NS, body: agentPod("reader-w1", "k8s-worker1", false) });
    await h.core.createNamespacedPod({ namespace: NS, body: agentPod("writer-w2", "k8s-worker2", true) });
    for (const name of ["reader-w1", "writer-w2"]) {
      await waitFor(`${name} to run`, async () => {
        const pod = await h.core.readNamespacedPod({ namespace: NS, name });
        return pod.status?.phase === "Running" ? pod : undefined;
      });
    }
  });
  afterAll(async () => h?.stop());

  function exec(pod: string, command: string[]): Promise<ExecOutcome> {
    const stdout = new PassThrough();
    const stderr = new PassThrough();
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    stdout.on("data", (c: Buffer) => out.push(c));
    stderr.on("data", (c: Buffer) => err.push(c));
    return new Promise((resolve, reject) => {
      new k8s.Exec(kc)
        .exec(NS, pod, "agent", command, stdout, stderr, null, false, (status) =>
          resolve({
            stdout: Buffer.concat(out).toString(),
            stderr: Buffer.concat(err).toString(),
            status: status as k8s.V1Status,
          }),
        )
        .then((ws) =>
          ws.on("close", () => setTimeout(() => reject(new Error("closed without a status")), 500)),
        )
        .catch(reject);
    });
  }

  const hostFile = (node: string, path: string) => join(h.sim.nodeRoot(node), path);

  it("a host-network pod runs on a node whose CNI is broken, beside pods stuck in ContainerCreating", async () => {
    const pods = await h.core.listNamespacedPod({ namespace: "default", labelSelector: "app=redis" });
    const stuck = pods.items.find((p) => p.spec?.nodeName === "k8s-worker1");
    expect(stuck?.status?.phase).toBe("Pending");
    const agent = await h.core.readNamespacedPod({ namespace: NS, name: "reader-w1" });
    expect(agent.status?.phase).toBe("Running");
    expect(agent.status?.podIP).toBe("192.168.56.11");
  });

  it("runs a command against the node's files through the hostPath volume, with the status on channel 3", async () => {
    const r = await exec("reader-w1", ["sha256sum", `/host${CONF}/calico-kubeconfig`]);
    const expected = createHash("sha256")
      .update(readFileSync(hostFile("k8s-worker1", `${CONF}/calico-kubeconfig`)))
      .digest("hex");
    expect(r.stdout).toBe(`${expected}  /host${CONF}/calico-kubeconfig\n`);
    expect(r.status).toEqual({ metadata: {}, status: "Success" });
  });

  it("reports a non-zero exit with the kubelet's NonZeroExitCode Status and the tool's own stderr", async () => {
    const r = await exec("reader-w1", ["head", "-c", "10", `/host${CONF}/no-such-file`]);
    expect(r.stderr).toBe(
      `head: cannot open '/host${CONF}/no-such-file' for reading: No such file or directory\n`,
    );
    expect(r.status).toEqual({
      metadata: {},
      status: "Failure",
      message: "command terminated with non-zero exit code: command terminated with exit code 1",
      reason: "NonZeroExitCode",
      details: { causes: [{ reason: "ExitCode", message: "1" }] },
    });
  });

  it("refuses every change on a read-only volume (EROFS), and leaves the node's file in place", async () => {
    const r = await exec("reader-w1", [
      "mv",
      "-n",
      "-t",
      `/host${BACKUP}`,
      "--",
      `/host${CONF}/calico-kubeconfig`,
    ]);
    expect(r.stderr).toBe(
      `mv: cannot move '/host${CONF}/calico-kubeconfig' to '/host${BACKUP}/calico-kubeconfig': Read-only file system\n`,
    );
    expect(r.status.details?.causes?.[0]?.message).toBe("1");
    expect(readFileSync(hostFile("k8s-worker1", `${CONF}/calico-kubeconfig`)).length).toBeGreaterThan(0);
  });

  it("moves a file between two writable volumes as GNU mv does across devices: same bytes, mode and time", async () => {
    const source = hostFile("k8s-worker2", `${CONF}/calico-kubeconfig`);
    const before = readFileSync(source);
    const mk = await exec("writer-w2", ["mkdir", "-p", "-m", "0700", `/host${BACKUP}/run-1`]);
    expect(mk.status.status).toBe("Success");
    const r = await exec("writer-w2", [
      "mv",
      "-n",
      "-t",
      `/host${BACKUP}/run-1`,
      "--",
      `/host${CONF}/calico-kubeconfig`,
    ]);
    expect(r.status.status).toBe("Success");
    const moved = hostFile("k8s-worker2", `${BACKUP}/run-1/calico-kubeconfig`);
    expect(readFileSync(moved).equals(before)).toBe(true);
    const listing = await exec("writer-w2", ["find", `/host${CONF}`, "-maxdepth", "1", "-printf", "%f\\n"]);
    expect(listing.stdout).not.toContain("calico-kubeconfig\n");
  });

  it("answers an executable the image does not have with containerd's InternalError, not an exit code", async () => {
    const r = await exec("reader-w1", ["rm", "-rf", "/host"]);
    expect(r.status.status).toBe("Failure");
    expect(r.status.reason).toBe("InternalError");
    expect(r.status.message).toMatch(/exec: "rm": executable file not found in \$PATH/);
  });

  it("refuses exec into a container that is not running (the kubelet's 404), and a request without an upgrade", async () => {
    const pods = await h.core.listNamespacedPod({ namespace: "default", labelSelector: "app=redis" });
    const stuck = pods.items[0]?.metadata?.name as string;
    const container = pods.items[0]?.spec?.containers[0]?.name as string;
    const error = await new k8s.Exec(kc)
      .exec("default", stuck, container, ["date"], new PassThrough(), new PassThrough(), null, false)
      .then(
        () => undefined,
        (e: unknown) => e as Error,
      );
    expect(error?.message).toBe("Unexpected server response: 404");
    const plain = await rawRequest(
      h.sim.url,
      h.sim.caPem,
      `/api/v1/namespaces/${NS}/pods/reader-w1/exec?command=date&stdout=true`,
      {
        token: h.sim.adminToken,
        method: "POST",
      },
    );
    expect(plain.status).toBe(400);
    expect(plain.json()).toMatchObject({ reason: "BadRequest", message: "Upgrade request required" });
  });
});

const kubectlMissing = await kubectlUnavailableReason();

describe.skipIf(skipWithout("the real kubectl", kubectlMissing))(
  "kubectl exec into the simulated cluster (skipped: kubectl not installed)",
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness("stale-cni-config", 200);
      await h.core.createNamespace({ body: { metadata: { name: NS } } });
      await h.core.createNamespacedPod({ namespace: NS, body: agentPod("reader-w1", "k8s-worker1", false) });
      await waitFor("the agent pod to run", async () => {
        const pod = await h.core.readNamespacedPod({ namespace: NS, name: "reader-w1" });
        return pod.status?.phase === "Running" ? pod : undefined;
      });
    });
    afterAll(async () => h?.stop());

    it(`kubectl exec -n ${NS} POD -- sha256sum /host${CONF}/calico-kubeconfig`, async () => {
      const out = await kubectl(
        h,
        "exec",
        "-n",
        NS,
        "reader-w1",
        "--",
        "sha256sum",
        `/host${CONF}/calico-kubeconfig`,
      );
      const expected = createHash("sha256")
        .update(readFileSync(join(h.sim.nodeRoot("k8s-worker1"), `${CONF}/calico-kubeconfig`)))
        .digest("hex");
      expect(out).toBe(`${expected}  /host${CONF}/calico-kubeconfig\n`);
    });

    // kubectl's typed client creates the debug pod in protobuf (decoded by src/sim/apiserver/protobuf.ts); the pod
    // mounts the node's / at /host on the host network, so it runs while the pod network is broken.
    it("kubectl debug node/k8s-worker1 --image=busybox --attach=false, then kubectl exec into that pod", async () => {
      const out = await kubectl(
        h,
        "debug",
        "node/k8s-worker1",
        "--image=busybox",
        "--attach=false",
        "--profile=general",
      );
      const pod = /Creating debugging pod (\S+) with container debugger on node k8s-worker1/.exec(out)?.[1];
      expect(pod).toBeDefined();
      await waitFor("the debug pod to run", async () => {
        const p = await h.core.readNamespacedPod({ namespace: "default", name: pod as string });
        return p.status?.phase === "Running" ? p : undefined;
      });
      const created = await h.core.readNamespacedPod({ namespace: "default", name: pod as string });
      expect(created.spec?.hostNetwork).toBe(true);
      expect(created.spec?.volumes?.[0]?.hostPath?.path).toBe("/");
      const sum = await kubectl(
        h,
        "exec",
        pod as string,
        "--",
        "sha256sum",
        `/host${CONF}/10-calico.conflist`,
      );
      const expected = createHash("sha256")
        .update(readFileSync(join(h.sim.nodeRoot("k8s-worker1"), `${CONF}/10-calico.conflist`)))
        .digest("hex");
      expect(sum).toBe(`${expected}  /host${CONF}/10-calico.conflist\n`);
    });

    it("kubectl exec exits with the command's exit code and says so", async () => {
      const failure = await kubectl(h, "exec", "-n", NS, "reader-w1", "--", "head", "/host/nothing").then(
        () => undefined,
        (e: unknown) => e as { code: number; stderr: string },
      );
      expect(failure?.code).toBe(1);
      expect(failure?.stderr).toContain(
        "head: cannot open '/host/nothing' for reading: No such file or directory",
      );
      expect(failure?.stderr).toContain("command terminated with exit code 1");
    });
  },
);
