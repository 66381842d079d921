/**
 * inspectNode (over a fake NodeWriter answering the real command templates, and a fake ClusterReader) followed by the
 * pure refineRootCause: each cause of Calico's Unauthorized told apart by what the node's files show.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { inspectNode, refineRootCause } from "../../../src/diagnosis/forensics/index.ts";
import type { NodeForensics } from "../../../src/diagnosis/forensics/inspection.ts";
import type { AgentStatus, RootCauseVerdict } from "../../../src/diagnosis/index.ts";
import { type FakeFile, FakeNodeWriter } from "./fake-node.ts";
import { fakeReader, LIVE_SA_UID, type ReaderState } from "./fake-reader.ts";
import {
  CALICO_CONFLIST,
  CILIUM_CONFLIST,
  calicoKubeconfig,
  INSTALL_CNI_LINE,
  makeCa,
  signBoundToken,
  type TestCa,
} from "./fixtures.ts";

const HOUR = 3_600_000;
const NOW = new Date();
const ago = (ms: number) => new Date(NOW.getTime() - ms);
const CONF = "/etc/cni/net.d";

const runningAgent: AgentStatus = {
  namespace: "calico-system",
  pod: "calico-node-4hx8w",
  phase: "Running",
  ready: true,
  restarts: 0,
  startedAt: ago(2 * HOUR).toISOString(),
  containers: [
    { name: "calico-node", ready: true, restartCount: 0, state: "running", lastTermination: null },
  ],
};
const crashingAgent: AgentStatus = {
  ...runningAgent,
  ready: false,
  restarts: 41,
  startedAt: ago(50 * HOUR).toISOString(),
  containers: [
    {
      name: "calico-node",
      ready: false,
      restartCount: 41,
      state: "waiting: CrashLoopBackOff",
      lastTermination: null,
    },
  ],
};
const clusterGuess: RootCauseVerdict = {
  rootCause: "stale-cni-config",
  confidence: "low",
  facts: ["The API server rejects the CNI plugin's token (HTTP 401).", "Cluster-side guess: not inspected."],
};

async function inspect(files: Record<string, FakeFile>, state: ReaderState, clockOffsetMs = 0) {
  const shell = new FakeNodeWriter({ "k8s-worker1": { confDir: CONF, files, clockOffsetMs } });
  const reviewed: string[] = [];
  const reader = fakeReader(state, reviewed);
  const forensics = await inspectNode(
    shell,
    reader,
    { node: "k8s-worker1", internalIP: "10.0.0.11" },
    { caFingerprint: state.ca.fingerprint },
  );
  return { forensics, reviewed, shell };
}

function judge(forensics: NodeForensics, overrides: Partial<Parameters<typeof refineRootCause>[0]> = {}) {
  return refineRootCause({
    family: "cni-credentials-rejected",
    cni: "calico",
    clusterVerdict: clusterGuess,
    forensics,
    agent: runningAgent,
    agentName: "calico-node",
    deployedCnis: ["calico"],
    nodeCreatedAt: ago(30 * 24 * HOUR).toISOString(),
    now: NOW,
    ...overrides,
  });
}

describe("node forensics", () => {
  let cluster: TestCa;
  let previousCluster: TestCa;
  beforeAll(async () => {
    [cluster, previousCluster] = [await makeCa(), await makeCa()];
  });

  const calicoFiles = (kubeconfig: string, mtime: Date): Record<string, FakeFile> => ({
    "10-calico.conflist": { content: CALICO_CONFLIST, mtime },
    "calico-kubeconfig": { content: kubeconfig, mtime, mode: 0o600 },
  });

  it("stale config: the kubeconfig's CA is another cluster's and the file predates the node's join", async () => {
    const token = await signBoundToken({
      serviceAccountUid: "uid-from-the-old-cluster",
      issuedAt: ago(40 * 24 * HOUR),
      expiresAt: ago(39 * 24 * HOUR),
    });
    const { forensics, reviewed } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: previousCluster.pem, token }), ago(40 * 24 * HOUR)),
      {
        ca: cluster,
        review: {
          authenticated: false,
          error: "[invalid bearer token, square/go-jose: error in cryptographic primitive]",
        },
      },
    );
    expect(reviewed).toEqual([token]);
    expect(forensics.activeConfig).toBe("10-calico.conflist");
    expect(forensics.kubeconfig).toMatchObject({
      status: "ok",
      writer: "calico-node-refresher",
      caFingerprint: previousCluster.fingerprint,
      caMatchesCluster: false,
    });
    expect(forensics.confDir.entries.find((e) => e.name === "calico-kubeconfig")?.mode).toBe("0600");
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("stale-cni-config");
    expect(verdict.confidence).toBe("high");
    expect(verdict.facts.join("\n")).toMatch(/not this cluster's CA/);
    expect(verdict.facts.join("\n")).toMatch(/before the node joined this cluster/);
    expect(verdict.facts.join("\n")).toMatch(/uid-from-the-old-cluster.*live one has uid/);
    // The token appears nowhere; its fingerprint does.
    const shown = JSON.stringify({ forensics, verdict });
    expect(shown).not.toContain(token);
    expect(shown).toContain(forensics.kubeconfig?.token?.fingerprint);
  });

  it("a Node re-registered after its files were written is not stale when the CA matches and the token works", async () => {
    // The Node object was deleted and re-created an hour ago (or a replacement VM took the name); calico-node kept
    // refreshing a good token into files that predate the new Node object. Moving them aside would break the node.
    const token = await signBoundToken({
      serviceAccountUid: LIVE_SA_UID,
      issuedAt: ago(3 * HOUR),
      expiresAt: new Date(NOW.getTime() + 21 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(3 * HOUR)),
      {
        ca: cluster,
        review: {
          authenticated: true,
          user: { username: "system:serviceaccount:calico-system:calico-cni-plugin" },
        },
      },
    );
    expect(forensics.kubeconfig).toMatchObject({ status: "ok", caMatchesCluster: true });
    const verdict = judge(forensics, { nodeCreatedAt: ago(HOUR).toISOString() });
    expect(verdict.rootCause).not.toBe("stale-cni-config");
    expect(verdict.facts.join("\n")).not.toMatch(/before the node joined this cluster/);
  });

  it("a file older than the Node object does count beside a token the API server rejects", async () => {
    const token = await signBoundToken({
      serviceAccountUid: LIVE_SA_UID,
      issuedAt: ago(3 * HOUR),
      expiresAt: new Date(NOW.getTime() + 21 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(3 * HOUR)),
      {
        ca: cluster,
        review: { authenticated: false, error: "[invalid bearer token, token has been invalidated]" },
      },
    );
    const verdict = judge(forensics, { nodeCreatedAt: ago(HOUR).toISOString() });
    expect(verdict.rootCause).toBe("stale-cni-config");
    expect(verdict.facts.join("\n")).toMatch(/before the node joined this cluster/);
  });

  it("expired token: exp in the past, written by install-cni only, calico-node crash-looping", async () => {
    const token = await signBoundToken({ issuedAt: ago(50 * HOUR), expiresAt: ago(26 * HOUR) });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ header: INSTALL_CNI_LINE, caPem: cluster.pem, token }), ago(50 * HOUR)),
      { ca: cluster, review: { authenticated: false, error: "service account token has expired" } },
    );
    const verdict = judge(forensics, { agent: crashingAgent });
    expect(verdict.rootCause).toBe("cni-token-expired");
    expect(verdict.confidence).toBe("high");
    const text = verdict.facts.join("\n");
    expect(text).toMatch(/expired at/);
    expect(text).toMatch(/"service account token has expired"/);
    expect(text).toMatch(/install-cni wrote it/);
    expect(text).toMatch(/12 h refresh window/);
    expect(text).toMatch(/CrashLoopBackOff/);
  });

  it("revoked token: not expired, yet the API server rejects it", async () => {
    const token = await signBoundToken({
      issuedAt: ago(2 * HOUR),
      expiresAt: new Date(NOW.getTime() + 22 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(2 * HOUR)),
      {
        ca: cluster,
        review: { authenticated: false, error: "service account token has been invalidated" },
      },
    );
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("cni-token-revoked");
    expect(verdict.confidence).toBe("high");
    expect(verdict.facts[0]).toMatch(/has not expired .* but the API server rejects it/);
  });

  it("revoked token: the service account was recreated (same CA, different uid)", async () => {
    const token = await signBoundToken({
      issuedAt: ago(HOUR),
      expiresAt: new Date(NOW.getTime() + 23 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      {
        ca: cluster,
        saUid: "uid-of-the-recreated-account",
        review: {
          authenticated: false,
          error: `service account UID (uid-of-the-recreated-account) does not match claim (${LIVE_SA_UID})`,
        },
      },
    );
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("cni-token-revoked");
    expect(verdict.facts.join("\n")).toMatch(/deleted and recreated/);
  });

  it("pod-bound token of a deleted calico-node pod (Calico < v3.23.2)", async () => {
    const token = await signBoundToken({
      namespace: "kube-system",
      serviceAccount: "calico-node",
      pod: { name: "calico-node-old12", uid: "uid-old-pod" },
      issuedAt: ago(HOUR),
      expiresAt: new Date(NOW.getTime() + 300 * 24 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      {
        ca: cluster,
        review: { authenticated: false, error: 'pod "calico-node-old12" not found' },
      },
    );
    expect(forensics.kubeconfig?.token?.boundPod).toEqual({ status: "gone", liveUid: null });
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("cni-token-revoked");
    expect(verdict.facts.join("\n")).toMatch(
      /bound to pod kube-system\/calico-node-old12, which no longer exists/,
    );
  });

  it("a name with control characters is a suspicious fact, never a config the runtime uses nor a file to move", async () => {
    const token = await signBoundToken({
      serviceAccountUid: LIVE_SA_UID,
      issuedAt: ago(HOUR),
      expiresAt: ago(-HOUR),
    });
    const forged = "x\t0\t1\troot\troot\t644\tf\n05-cilium.conflist";
    const { forensics, shell } = await inspect(
      {
        ...calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
        [forged]: { content: CILIUM_CONFLIST, mtime: ago(HOUR) },
      },
      {
        ca: cluster,
        review: {
          authenticated: true,
          user: { username: "system:serviceaccount:calico-system:calico-cni-plugin" },
        },
      },
    );
    expect(forensics.suspiciousNames).toEqual([JSON.stringify(forged)]);
    expect(forensics.confDir.entries.map((e) => e.name)).toEqual(["10-calico.conflist", "calico-kubeconfig"]);
    expect(forensics.activeConfig).toBe("10-calico.conflist");
    expect(shell.commands.some((c) => c.includes("cilium"))).toBe(false);
    const verdict = judge(forensics);
    expect(verdict.facts.at(-1)).toMatch(
      /^Suspicious: \/etc\/cni\/net\.d holds a name with control characters \("x\\t0/,
    );
  });

  it("clock skew: the node's clock is hours behind, so the expired token looks valid to calico-node", async () => {
    const token = await signBoundToken({ issuedAt: ago(25 * HOUR), expiresAt: ago(HOUR) });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(25 * HOUR)),
      { ca: cluster, review: { authenticated: false, error: "service account token has expired" } },
      -3 * HOUR,
    );
    expect(forensics.clock?.reference).toBe("local-clock");
    expect(forensics.clock?.offsetMs).toBeLessThan(-2.9 * HOUR);
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("clock-skew");
    expect(verdict.facts[0]).toMatch(/behind cni-doctor's clock \(the API server's clock was not read\)/);
  });

  it("a small clock offset does not turn an expired token into clock skew", async () => {
    const token = await signBoundToken({ issuedAt: ago(25 * HOUR), expiresAt: ago(HOUR) });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(25 * HOUR)),
      { ca: cluster, review: { authenticated: false, error: "service account token has expired" } },
      -5_000,
    );
    expect(judge(forensics).rootCause).toBe("cni-token-expired");
  });

  it("shadowing: a leftover Cilium config sorts before Calico's", async () => {
    const token = await signBoundToken({
      issuedAt: ago(HOUR),
      expiresAt: new Date(NOW.getTime() + 23 * HOUR),
    });
    const files = {
      ...calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      "05-cilium.conflist": { content: CILIUM_CONFLIST, mtime: ago(400 * HOUR) },
    };
    const { forensics } = await inspect(files, { ca: cluster });
    expect(forensics.configFiles.map((c) => [c.name, c.cni])).toEqual([
      ["05-cilium.conflist", "cilium"],
      ["10-calico.conflist", "calico"],
    ]);
    const verdict = judge(forensics, { family: "cni-agent-not-running", cni: "cilium" });
    expect(verdict.rootCause).toBe("shadowing-cni-config");
    expect(verdict.confidence).toBe("high");
    expect(verdict.facts.join("\n")).toMatch(
      /10-calico.conflist \(calico\) sorts after it and is never used/,
    );
  });

  it("leftover Multus: 00-multus.conf sorts first, no Multus agent is deployed and multus.d is gone", async () => {
    const token = await signBoundToken({
      issuedAt: ago(HOUR),
      expiresAt: new Date(NOW.getTime() + 23 * HOUR),
    });
    const multusConf = JSON.stringify({
      cniVersion: "0.3.1",
      name: "multus-cni-network",
      type: "multus-shim",
      clusterNetwork: "/host/etc/cni/net.d/10-calico.conflist",
    });
    const files = {
      ...calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      "00-multus.conf": { content: multusConf, mtime: ago(400 * HOUR) },
    };
    const { forensics } = await inspect(files, { ca: cluster });
    const leftover = judge(forensics, { family: "cni-agent-not-running", cni: "multus" });
    expect(leftover.rootCause).toBe("shadowing-cni-config");
    expect(leftover.confidence).toBe("high");
    const facts = leftover.facts.join("\n");
    expect(facts).toMatch(
      /No multus agent is deployed \(no kube-multus-ds or .* DaemonSet\); the cluster runs calico/,
    );
    expect(facts).toContain(`${CONF}/multus.d (where multus keeps its kubeconfig) is gone.`);
    expect(facts).toMatch(/10-calico.conflist \(calico\) sorts after it and is never used/);
    // Multus deployed: its config comes first on purpose.
    const deployed = judge(forensics, {
      family: "cni-agent-not-running",
      cni: "multus",
      deployedCnis: ["calico", "multus"],
    });
    expect(deployed.rootCause).not.toBe("shadowing-cni-config");
    // Pods failing with the delegate's own error: a Multus that works relays it, whatever its DaemonSet is called.
    expect(judge(forensics, { family: "cni-agent-not-running", cni: "calico" }).rootCause).not.toBe(
      "shadowing-cni-config",
    );
  });

  it("agent not running: no calico-kubeconfig and no calico-node pod on the node", async () => {
    const { forensics } = await inspect(
      { "10-calico.conflist": { content: CALICO_CONFLIST, mtime: ago(HOUR) } },
      { ca: cluster },
    );
    expect(forensics.kubeconfig?.status).toBe("missing");
    const verdict = judge(forensics, { agent: null });
    expect(verdict.rootCause).toBe("cni-agent-not-running");
    expect(verdict.confidence).toBe("high");
  });

  it("credentials that work now rule out the cluster-side credential guess (never a plan to move good files), and say so", async () => {
    const token = await signBoundToken({
      issuedAt: ago(HOUR),
      expiresAt: new Date(NOW.getTime() + 23 * HOUR),
    });
    const { forensics } = await inspect(
      calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      {
        ca: cluster,
      },
    );
    const verdict = judge(forensics);
    expect(verdict.rootCause).toBe("unknown");
    expect(verdict.confidence).toBe("low");
    expect(verdict.facts.join("\n")).toMatch(/current credentials work/);
    expect(verdict.facts.join("\n")).not.toMatch(/Cluster-side guess/);
  });

  it("a conf dir that does not exist is reported, not an error", async () => {
    const shell = new FakeNodeWriter({ "k8s-worker1": { confDir: "/somewhere/else", files: {} } });
    const forensics = await inspectNode(
      shell,
      fakeReader({ ca: cluster }),
      { node: "k8s-worker1", internalIP: "10.0.0.11", cniConfDir: CONF },
      { caFingerprint: cluster.fingerprint },
    );
    expect(forensics.confDir.status).toBe("missing");
    expect(forensics.kubeconfig).toBeNull();
    expect(shell.commands.every((c) => /: (date|find) /.test(c))).toBe(true);
  });

  it("reads only the listing, the config files, calico-kubeconfig and the clock", async () => {
    const token = await signBoundToken({ issuedAt: ago(HOUR), expiresAt: new Date(NOW.getTime() + HOUR) });
    const files = {
      ...calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
      "private-notes.txt": { content: "not for cni-doctor", mtime: ago(HOUR) },
    };
    const { shell } = await inspect(files, { ca: cluster });
    expect(shell.commands.map((c) => c.split(" ")[1])).toEqual(["date", "find", "head", "head"]);
    expect(shell.commands.join("\n")).not.toContain("private-notes.txt");
  });

  describe("files the node will not let cni-doctor read", () => {
    /** Both Calico files as install-cni leaves them: root-owned, 0600 (projectcalico/calico install.go). */
    const rootOnly = (kubeconfig: string, mtime: Date): Record<string, FakeFile> => ({
      "10-calico.conflist": { content: CALICO_CONFLIST, mtime, mode: 0o600 },
      "calico-kubeconfig": { content: kubeconfig, mtime, mode: 0o600 },
    });

    async function inspectAs(sudo: boolean, files: Record<string, FakeFile>, state: ReaderState) {
      const shell = new FakeNodeWriter({ "k8s-worker1": { confDir: CONF, files, sudo } });
      const reviewed: string[] = [];
      const forensics = await inspectNode(
        shell,
        fakeReader(state, reviewed),
        { node: "k8s-worker1", internalIP: "10.0.0.11" },
        { caFingerprint: state.ca.fingerprint },
      );
      return { forensics, reviewed };
    }

    it("sudo: false and root-only 0600 files: says which, why and what to change, and guesses no verdict", async () => {
      // The files are in fact another cluster's: had they been read, this would be stale-cni-config, high.
      const token = await signBoundToken({ issuedAt: ago(40 * 24 * HOUR), expiresAt: ago(39 * 24 * HOUR) });
      const { forensics, reviewed } = await inspectAs(
        false,
        rootOnly(calicoKubeconfig({ caPem: previousCluster.pem, token }), ago(40 * 24 * HOUR)),
        { ca: cluster, review: { authenticated: false, error: "invalid bearer token" } },
      );
      // Nothing was read, so nothing was sent for review.
      expect(reviewed).toEqual([]);
      expect(forensics.configFiles[0]).toMatchObject({
        name: "10-calico.conflist",
        cni: "unknown",
        unreadable: { reason: "permission-denied", mode: "0600", owner: "root", sudo: false },
      });
      expect(forensics.kubeconfig).toMatchObject({
        status: "unreadable",
        token: null,
        caFingerprint: null,
        unreadable: { path: `${CONF}/calico-kubeconfig`, reason: "permission-denied", mode: "0600" },
      });
      expect(forensics.problems).toEqual([
        `cannot read ${CONF}/10-calico.conflist on k8s-worker1: permission denied (mode 0600, owner root); set \`sudo: true\` for this node in the nodes file (with NOPASSWD for find, head, date, sha256sum, mkdir, mv), or give the SSH user read access.`,
        `cannot read ${CONF}/calico-kubeconfig on k8s-worker1: permission denied (mode 0600, owner root); set \`sudo: true\` for this node in the nodes file (with NOPASSWD for find, head, date, sha256sum, mkdir, mv), or give the SSH user read access.`,
      ]);

      const verdict = judge(forensics);
      expect(verdict.rootCause).toBe(clusterGuess.rootCause);
      expect(verdict.confidence).toBe("low");
      expect(verdict.facts[0]).toMatch(
        /^cannot read \/etc\/cni\/net.d\/10-calico.conflist on k8s-worker1: permission denied/,
      );
      const text = verdict.facts.join("\n");
      expect(text).toMatch(/Cluster-side guess only: .*listed but not read/);
      expect(text).not.toMatch(/is missing|trusts CA|before the node joined|TokenReview/);

      // With no calico-node pod either, the unread kubeconfig is not taken for a missing one.
      const noAgent = judge(forensics, { agent: null });
      expect(noAgent.rootCause).toBe(clusterGuess.rootCause);
      expect(noAgent.confidence).toBe("low");
      expect(noAgent.facts.join("\n")).not.toMatch(/is missing/);
    });

    it("sudo: true and still refused: points at what sudo cannot get past", async () => {
      const shell = new FakeNodeWriter({ "k8s-worker1": { confDir: CONF, files: {} } });
      const { describeUnreadable } = await import("../../../src/diagnosis/forensics/inspect-node.ts");
      const line = describeUnreadable(
        {
          input: { node: "k8s-worker1", internalIP: undefined },
          sudo: true,
          confDir: CONF,
          entries: [
            {
              name: "calico-kubeconfig",
              sizeBytes: 1,
              modifiedAt: NOW.toISOString(),
              owner: "root",
              group: "root",
              mode: "0600",
              type: "file",
            },
          ],
        },
        `${CONF}/calico-kubeconfig`,
        "`sudo -n -- head -c 65537 -- /etc/cni/net.d/calico-kubeconfig` exited 1: head: cannot open '/etc/cni/net.d/calico-kubeconfig' for reading: Permission denied.",
      );
      expect(shell.commands).toEqual([]);
      expect(line.message).toBe(
        `cannot read ${CONF}/calico-kubeconfig on k8s-worker1: permission denied even with sudo (mode 0600, owner root); check SELinux/AppArmor labels, immutable attributes and read-only or root-squashed mounts on the node.`,
      );
    });

    it("sudo: false with a world-readable file reads it: the refusal is the mode, not the sudo setting", async () => {
      const token = await signBoundToken({
        issuedAt: ago(HOUR),
        expiresAt: new Date(NOW.getTime() + 23 * HOUR),
      });
      const files = rootOnly(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR));
      (files["10-calico.conflist"] as FakeFile).mode = 0o644;
      const { forensics } = await inspectAs(false, files, { ca: cluster });
      expect(forensics.configFiles[0]).toMatchObject({ cni: "calico", problem: null });
      expect(forensics.configFiles[0]?.unreadable).toBeUndefined();
      expect(forensics.kubeconfig?.status).toBe("unreadable");
    });

    it("a shadowing config still shows, but an unread Calico config is not called absent", async () => {
      const token = await signBoundToken({
        issuedAt: ago(HOUR),
        expiresAt: new Date(NOW.getTime() + 23 * HOUR),
      });
      const { forensics } = await inspectAs(
        false,
        {
          ...rootOnly(calicoKubeconfig({ caPem: cluster.pem, token }), ago(HOUR)),
          "05-cilium.conflist": { content: CILIUM_CONFLIST, mtime: ago(400 * HOUR), mode: 0o644 },
        },
        { ca: cluster },
      );
      const verdict = judge(forensics, { family: "cni-agent-not-running", cni: "cilium" });
      expect(verdict.rootCause).toBe("shadowing-cni-config");
      expect(verdict.confidence).toBe("medium");
      const text = verdict.facts.join("\n");
      expect(text).toMatch(/10-calico.conflist sorts after it but could not be read/);
      expect(text).not.toMatch(/No config of calico is present/);
      expect(text).toMatch(
        /cannot read \/etc\/cni\/net.d\/10-calico.conflist on k8s-worker1: permission denied/,
      );
    });
  });

  describe("a file older than the Node object", () => {
    it("with this cluster's CA and a token that works is said, and said to prove nothing", async () => {
      const token = await signBoundToken({
        serviceAccountUid: LIVE_SA_UID,
        issuedAt: ago(2 * HOUR),
        expiresAt: new Date(NOW.getTime() + 22 * HOUR),
      });
      const { forensics } = await inspect(
        calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(3 * 24 * HOUR)),
        { ca: cluster },
      );
      const verdict = judge(forensics, { nodeCreatedAt: ago(20 * 60_000).toISOString() });
      expect(verdict.rootCause).not.toBe("stale-cni-config");
      expect(verdict.confidence).toBe("low");
      expect(verdict.facts.join("\n")).toMatch(
        /before this Node object was created .*not staleness: its CA is this cluster's and the API server accepts its token/,
      );
    });

    it("with an expired token is an expired token, not a stale config", async () => {
      const token = await signBoundToken({ issuedAt: ago(30 * HOUR), expiresAt: ago(6 * HOUR) });
      const { forensics } = await inspect(
        calicoFiles(calicoKubeconfig({ caPem: cluster.pem, token }), ago(30 * HOUR)),
        { ca: cluster, review: { authenticated: false, error: "service account token has expired" } },
      );
      const verdict = judge(forensics, { nodeCreatedAt: ago(HOUR).toISOString() });
      expect(verdict.rootCause).toBe("cni-token-expired");
    });
  });
});
