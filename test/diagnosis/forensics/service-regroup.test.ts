/**
 * diagnoseCluster with a node inspector: three workers fail with the same Calico Unauthorized event, and their files
 * show three different stories. Findings are regrouped by the refined root cause, and an unreachable node keeps its
 * cluster-side finding with the reason. Fake cluster and fake nodes; the real protocols are covered end to end.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { renderDiagnosisText } from "../../../src/cli/render/diagnosis-text.ts";
import { PLAIN } from "../../../src/cli/render/style.ts";
import type { Diagnosis } from "../../../src/diagnosis/index.ts";
import { diagnoseCluster } from "../../../src/diagnosis/index.ts";
import type { ClusterReader, ListQuery } from "../../../src/kube/reader.ts";
import type { CoreV1Event, V1Pod } from "../../../src/kube/types.ts";
import { type FakeFile, FakeNodeWriter } from "./fake-node.ts";
import { LIVE_SA_UID } from "./fake-reader.ts";
import {
  CALICO_CONFLIST,
  calicoKubeconfig,
  INSTALL_CNI_LINE,
  makeCa,
  signBoundToken,
  type TestCa,
} from "./fixtures.ts";

const HOUR = 3_600_000;
const NOW = new Date();
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const WORKERS = ["k8s-worker1", "k8s-worker2", "k8s-worker3"];
const UNAUTHORIZED =
  'Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "9f1c": plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized';

function clusterReader(ca: TestCa, tokens: { expired: string }): ClusterReader {
  const stuck: V1Pod[] = WORKERS.map((node, i) => ({
    metadata: { namespace: "default", name: `redis-${i}`, uid: `uid-redis-${i}` },
    spec: { nodeName: node, containers: [] },
    status: { phase: "Pending" },
  }));
  const agents: V1Pod[] = WORKERS.map((node, i) => ({
    metadata: { namespace: "calico-system", name: `calico-node-${i}`, labels: { "k8s-app": "calico-node" } },
    spec: { nodeName: node, containers: [] },
    status: {
      phase: "Running",
      startTime: ago(3 * HOUR),
      conditions: [{ type: "Ready", status: "True" }],
      containerStatuses: [
        { name: "calico-node", ready: true, restartCount: 0, image: "", imageID: "", state: { running: {} } },
      ],
    },
  }));
  const events: CoreV1Event[] = stuck.map((p) => ({
    metadata: { namespace: "default", name: `${p.metadata?.name}.1` },
    involvedObject: { kind: "Pod", namespace: "default", name: p.metadata?.name },
    reason: "FailedCreatePodSandBox",
    type: "Warning",
    message: UNAUTHORIZED,
    count: 12,
    lastTimestamp: ago(60_000),
  }));
  const onNode = (q: ListQuery) => /spec\.nodeName=([^,]+)/.exec(q.fieldSelector ?? "")?.[1];
  return {
    identity: { context: "test", server: "https://10.0.0.10:6443", caFingerprint: ca.fingerprint },
    listPods: async (q) => {
      if (q.labelSelector === "k8s-app=calico-node")
        return agents.filter((a) => a.spec?.nodeName === onNode(q));
      if (q.fieldSelector?.startsWith("status.phase=Pending")) return stuck;
      return [];
    },
    listPodsAtVersion: () => {
      throw new Error("diagnosis never waits on pods");
    },
    listEvents: async (q) => (q.fieldSelector?.includes("reason=FailedCreatePodSandBox") ? events : []),
    listNodes: async () =>
      WORKERS.map((name, i) => ({
        metadata: { name, creationTimestamp: ago(10 * 24 * HOUR) },
        status: {
          addresses: [{ type: "InternalIP", address: `10.0.0.${11 + i}` }],
          conditions: [{ type: "Ready", status: "True" }],
        },
      })),
    getNode: async () => null,
    getPod: async () => null,
    listDaemonSets: async () => [
      {
        metadata: { namespace: "calico-system", name: "calico-node" },
        spec: { selector: { matchLabels: { "k8s-app": "calico-node" } }, template: {} },
      },
    ],
    listServices: async () => [],
    readyServiceAddresses: async () => ({ source: "EndpointSlice", ready: [] }),
    getConfigMap: async () => ({ data: { "ca.crt": ca.pem } }),
    listConfigMaps: async () => [],
    getLease: async () => null,
    getServiceAccount: async (namespace, name) => ({ metadata: { namespace, name, uid: LIVE_SA_UID } }),
    reviewToken: async (token) =>
      token === tokens.expired
        ? { authenticated: false, error: "service account token has expired" }
        : { authenticated: false, error: "[invalid bearer token, crypto/rsa: verification error]" },
  };
}

describe("diagnoseCluster with node forensics", () => {
  let diagnosis: Diagnosis;
  let tokens: string[];

  beforeAll(async () => {
    const [ca, previous] = [await makeCa(), await makeCa()];
    const staleToken = await signBoundToken({
      serviceAccountUid: "uid-previous",
      issuedAt: ago(40 * 24 * HOUR),
      expiresAt: ago(39 * 24 * HOUR),
    });
    const expiredToken = await signBoundToken({ issuedAt: ago(30 * HOUR), expiresAt: ago(6 * HOUR) });
    tokens = [staleToken, expiredToken];
    const files = (kubeconfig: string, mtime: Date): Record<string, FakeFile> => ({
      "10-calico.conflist": { content: CALICO_CONFLIST, mtime },
      "calico-kubeconfig": { content: kubeconfig, mtime, mode: 0o600 },
    });
    const shell = new FakeNodeWriter({
      "k8s-worker1": {
        confDir: "/etc/cni/net.d",
        files: files(calicoKubeconfig({ caPem: previous.pem, token: staleToken }), ago(40 * 24 * HOUR)),
      },
      "k8s-worker2": {
        confDir: "/etc/cni/net.d",
        files: files(
          calicoKubeconfig({ header: INSTALL_CNI_LINE, caPem: ca.pem, token: expiredToken }),
          ago(30 * HOUR),
        ),
      },
      "k8s-worker3": { confDir: "/etc/cni/net.d", files: {}, failWith: "unreachable" },
    });
    diagnosis = await diagnoseCluster(clusterReader(ca, { expired: expiredToken }), {
      nodeReader: shell,
      now: () => NOW,
    });
  });

  it("regroups the nodes by what their files prove", () => {
    const summary = diagnosis.findings.map((f) => ({
      rootCause: f.rootCause,
      nodes: f.nodes,
      confidence: f.confidence,
    }));
    expect(summary).toEqual(
      expect.arrayContaining([
        { rootCause: "stale-cni-config", nodes: ["k8s-worker1"], confidence: "high" },
        { rootCause: "cni-token-expired", nodes: ["k8s-worker2"], confidence: "high" },
        // Not inspected: the cluster-side guess, kept apart from the proven stale node.
        { rootCause: "stale-cni-config", nodes: ["k8s-worker3"], confidence: "low" },
      ]),
    );
    expect(summary).toHaveLength(3);
  });

  it("prefixes each node's evidence with the node and records the inspection on the node", () => {
    const expired = diagnosis.findings.find((f) => f.rootCause === "cni-token-expired");
    expect(expired?.evidence.facts.some((f) => f.startsWith("k8s-worker2: The token expired at"))).toBe(true);
    const node = expired?.evidence.nodes[0];
    expect(node?.inspection?.verdict.rootCause).toBe("cni-token-expired");
    expect(node?.inspection?.kubeconfig?.writer).toBe("install-cni");
    expect(node?.notInspectedReason).toBeNull();
  });

  it("says why an unreachable node was not inspected, and reports the diagnosis as incomplete", () => {
    const guess = diagnosis.findings.find((f) => f.nodes.includes("k8s-worker3"));
    expect(guess?.evidence.nodes[0]?.notInspectedReason).toMatchObject({
      kind: "unreachable",
      hint: "Check that sshd runs on the node and the port is open.",
    });
    expect(guess?.evidence.facts.join("\n")).toMatch(/k8s-worker3 was not inspected \(unreachable\)/);
    expect(diagnosis.errors).toEqual([
      expect.objectContaining({ operation: "inspect node k8s-worker3", failure: "unreachable" }),
    ]);
    expect(diagnosis.healthy).toBe(false);
  });

  it("never carries a token, in JSON or rendered for the terminal", () => {
    const text = renderDiagnosisText(diagnosis, PLAIN);
    expect(text).toMatch(/token sha256:[0-9a-f]{16}: iss https:\/\/kubernetes.default.svc.cluster.local/);
    expect(text).toMatch(/TokenReview: rejected — service account token has expired/);
    expect(text).toMatch(/files not inspected \(unreachable\)/);
    for (const shown of [JSON.stringify(diagnosis), text]) {
      for (const token of tokens) expect(shown).not.toContain(token);
    }
  });
});
