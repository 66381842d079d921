/** The pure parts: planning, the digest, the policy limits and the approval decision. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import type { ConfDirEntry, Diagnosis, Finding, NodeEvidence, RootCause } from "../../src/diagnosis/index.ts";
import {
  decideApproval,
  planRemediation,
  policyViolations,
  type RunRecord,
} from "../../src/remediation/index.ts";

const entry = (name: string, type: ConfDirEntry["type"] = "file"): ConfDirEntry => ({
  name,
  sizeBytes: 100,
  modifiedAt: "2026-10-07T05:01:27.094Z",
  owner: "root",
  group: "root",
  mode: "0644",
  type,
});

function nodeEvidence(
  name: string,
  cause: RootCause,
  files: Array<[string, string]>,
  extra: ConfDirEntry[] = [],
): NodeEvidence {
  return {
    name,
    ready: { status: "True", reason: "KubeletReady", message: null },
    networkUnavailable: null,
    agentName: "calico-node",
    agent: {
      namespace: "calico-system",
      pod: `calico-node-${name}`,
      phase: "Running",
      ready: true,
      restarts: 0,
      startedAt: null,
      containers: [],
    },
    notInspectedReason: null,
    inspection: {
      node: name,
      cniConfDir: "/etc/cni/net.d",
      inspectedAt: new Date().toISOString(),
      confDir: {
        status: "ok",
        entries: [...files.map(([n]) => entry(n)), entry("calico-kubeconfig"), ...extra],
      },
      configFiles: files.map(([n, cni]) => ({
        name: n,
        network: "net",
        pluginTypes: [cni],
        cni: cni as never,
        problem: null,
      })),
      activeConfig: files[0]?.[0] ?? null,
      kubeconfig: null,
      clock: null,
      problems: [],
      verdict: { rootCause: cause, confidence: "high", facts: [`checked ${Date.now()}`] },
    },
  };
}

function diagnosis(
  nodes: NodeEvidence[],
  cause: RootCause,
  opts: { eventCount?: number; bare?: boolean } = {},
): Diagnosis {
  const finding: Finding = {
    family: "cni-credentials-rejected",
    cni: "calico",
    rootCause: cause,
    confidence: "high",
    summary: "pods stuck",
    nodes: nodes.map((n) => n.name),
    pods: nodes.flatMap((n) => [
      {
        namespace: "default",
        name: `redis-${n.name}`,
        node: n.name,
        phase: "Pending",
        reason: "ContainerCreating" as const,
        owner: { kind: "ReplicaSet", name: "redis-abc" },
      },
      ...(opts.bare
        ? [
            {
              namespace: "default",
              name: `bare-${n.name}`,
              node: n.name,
              phase: "Pending",
              reason: "ContainerCreating" as const,
              owner: null,
            },
          ]
        : []),
    ]),
    evidence: {
      event: null,
      eventCount: opts.eventCount ?? 10,
      firstSeen: null,
      lastSeen: new Date().toISOString(),
      nodes,
      facts: [`seen ${Date.now()}`],
    },
    suggestedChecks: ["kubectl get pods -A"],
  };
  return {
    cluster: { context: "prod", server: "https://10.0.0.1:6443", caFingerprint: "ab".repeat(32) },
    healthy: false,
    checkedAt: new Date().toISOString(),
    scope: { namespace: null, node: null },
    checked: {
      pendingPods: 2,
      sandboxEvents: opts.eventCount ?? 10,
      nodes: 3,
      cniAgents: ["calico-system/calico-node"],
    },
    findings: [finding],
    errors: [],
  };
}

describe("planRemediation", () => {
  const multus = nodeEvidence(
    "w1",
    "stale-cni-config",
    [
      ["00-multus.conf", "multus"],
      ["05-cilium.conflist", "cilium"],
      ["10-calico.conflist", "calico"],
      ["20-weave.conflist", "weave"],
    ],
    [entry("multus.d", "directory")],
  );

  it("moves Calico's files and what shadows them, keeps Multus and other CNIs' later files", () => {
    const plan = planRemediation(diagnosis([multus], "stale-cni-config"));
    const q = plan.steps.find((s) => s.kind === "quarantine-cni-config")?.quarantine;
    expect(q?.files).toEqual(["05-cilium.conflist", "10-calico.conflist", "calico-kubeconfig"]);
    expect(plan.steps.map((s) => s.kind)).toEqual([
      "quarantine-cni-config",
      "restart-cni-agent",
      "recycle-pods",
      "verify",
    ]);
    expect(plan.steps[0]?.commands).toContain(
      `mv -n -t /var/lib/cni-doctor/backup/${plan.evidenceId} -- /etc/cni/net.d/05-cilium.conflist /etc/cni/net.d/10-calico.conflist /etc/cni/net.d/calico-kubeconfig`,
    );
    expect(plan.steps.flatMap((s) => s.commands ?? []).some((c) => /\brm\b/.test(c))).toBe(false);
  });

  it("moves only the shadowing file for shadowing-cni-config, and restarts nothing", () => {
    const n = nodeEvidence("w1", "shadowing-cni-config", [
      ["05-cilium.conflist", "cilium"],
      ["10-calico.conflist", "calico"],
    ]);
    const plan = planRemediation(diagnosis([n], "shadowing-cni-config"));
    expect(plan.steps.map((s) => s.kind)).toEqual(["quarantine-cni-config", "recycle-pods", "verify"]);
    expect(plan.steps[0]?.quarantine?.files).toEqual(["05-cilium.conflist"]);
  });

  it("restarts the agent for an expired token and says why an agent was down", () => {
    const expired = planRemediation(
      diagnosis(
        [nodeEvidence("w2", "cni-token-expired", [["10-calico.conflist", "calico"]])],
        "cni-token-expired",
      ),
    );
    expect(expired.steps.map((s) => s.kind)).toEqual(["restart-cni-agent", "recycle-pods", "verify"]);
    const down = nodeEvidence("w1", "cni-agent-not-running", [["10-calico.conflist", "calico"]]);
    if (down.agent)
      down.agent.containers = [
        {
          name: "calico-node",
          ready: false,
          restartCount: 38,
          state: "waiting: CrashLoopBackOff",
          lastTermination: { reason: "Error", exitCode: 1, finishedAt: null },
        },
      ];
    const plan = planRemediation(diagnosis([down], "cni-agent-not-running"));
    expect(plan.steps[0]?.agent?.whyDown.join("\n")).toMatch(
      /CrashLoopBackOff.*last terminated: Error, exit code 1/,
    );
  });

  const ciliumNode = (containerState: string): NodeEvidence => {
    const n = nodeEvidence("w1", "cni-agent-not-running", [["05-cilium.conflist", "cilium"]]);
    n.agentName = "cilium";
    n.agent = {
      namespace: "kube-system",
      pod: "cilium-x7k2p",
      phase: "Running",
      ready: false,
      restarts: 12,
      startedAt: null,
      containers: [
        {
          name: "cilium-agent",
          ready: false,
          restartCount: 12,
          state: containerState,
          lastTermination: {
            reason: "Error",
            exitCode: 1,
            finishedAt: null,
            message: "level=fatal msg=boom",
          },
        },
      ],
    };
    return n;
  };

  it("restarts another CNI's agent that is down but not crash-looping, and verifies", () => {
    const plan = planRemediation(diagnosis([ciliumNode("running")], "cni-agent-not-running"));
    expect(plan.manualActions).toEqual([]);
    expect(plan.steps.map((s) => s.kind)).toEqual(["restart-cni-agent", "recycle-pods", "verify"]);
    expect(plan.steps[0]).toMatchObject({
      node: "w1",
      pods: ["kube-system/cilium-x7k2p"],
      agent: { name: "cilium", namespace: "kube-system", pod: "cilium-x7k2p" },
    });
    expect(plan.blastRadius.pods).toEqual(["default/redis-w1", "kube-system/cilium-x7k2p"]);
  });

  it("restarts no crash-looping agent of any CNI: a manual action with its last words and logs --previous", () => {
    const plan = planRemediation(
      diagnosis([ciliumNode("waiting: CrashLoopBackOff")], "cni-agent-not-running"),
    );
    expect(plan.nothingToDo).toBe(true);
    expect(plan.steps).toEqual([]);
    expect(plan.manualActions[0]?.summary).toMatch(
      /cilium pod kube-system\/cilium-x7k2p on w1 is in CrashLoopBackOff/,
    );
    expect(plan.manualActions[0]?.summary).toContain('message "level=fatal msg=boom"');
    expect(plan.manualActions[0]?.checks[0]).toBe(
      "kubectl logs -n kube-system cilium-x7k2p -c cilium-agent --previous",
    );
  });

  it("moves a leftover Multus config aside on a Calico node, restarts nothing, and verifies", () => {
    const n = nodeEvidence("w1", "shadowing-cni-config", [
      ["00-multus.conf", "multus"],
      ["10-calico.conflist", "calico"],
    ]);
    const plan = planRemediation(diagnosis([n], "shadowing-cni-config"));
    expect(plan.steps.map((s) => s.kind)).toEqual(["quarantine-cni-config", "recycle-pods", "verify"]);
    expect(plan.steps[0]?.quarantine?.files).toEqual(["00-multus.conf"]);
    expect(plan.steps[0]?.commands).toContain(
      `mv -n -t /var/lib/cni-doctor/backup/${plan.evidenceId} -- /etc/cni/net.d/00-multus.conf`,
    );
  });

  it("leaves bare pods out unless included, and makes manual actions of what it cannot fix", () => {
    const d = diagnosis(
      [nodeEvidence("w1", "stale-cni-config", [["10-calico.conflist", "calico"]])],
      "stale-cni-config",
      { bare: true },
    );
    const plan = planRemediation(d);
    expect(plan.excludedPods.map((p) => p.pod)).toEqual(["default/bare-w1"]);
    expect(plan.blastRadius.pods).toEqual(["calico-system/calico-node-w1", "default/redis-w1"]);
    expect(planRemediation(d, { includeBarePods: true }).blastRadius.pods).toContain("default/bare-w1");

    const rbac = planRemediation(
      diagnosis([nodeEvidence("w1", "rbac-forbidden", [["10-calico.conflist", "calico"]])], "rbac-forbidden"),
    );
    expect(rbac.nothingToDo).toBe(true);
    expect(rbac.manualActions[0]?.summary).toMatch(/No automatic fix for rbac-forbidden/);
    const uninspected = nodeEvidence("w1", "stale-cni-config", []);
    uninspected.inspection = null;
    expect(planRemediation(diagnosis([uninspected], "stale-cni-config")).manualActions[0]?.summary).toMatch(
      /not inspected/,
    );
  });

  it("makes no plan from files the node would not let cni-doctor read", () => {
    const n = nodeEvidence("w1", "stale-cni-config", [["10-calico.conflist", "calico"]]);
    if (n.inspection) {
      n.inspection.kubeconfig = {
        path: "/etc/cni/net.d/calico-kubeconfig",
        status: "unreadable",
        unreadable: {
          path: "/etc/cni/net.d/calico-kubeconfig",
          reason: "permission-denied",
          mode: "0600",
          owner: "root",
          sudo: false,
          message:
            "cannot read /etc/cni/net.d/calico-kubeconfig on w1: permission denied (mode 0600, owner root).",
        },
      } as never;
    }
    const plan = planRemediation(diagnosis([n], "stale-cni-config"));
    expect(plan.steps.filter((s) => s.kind === "quarantine-cni-config")).toEqual([]);
    expect(plan.manualActions[0]?.summary).toMatch(
      /stale-cni-config on w1 is a cluster-side guess: cannot read \/etc\/cni\/net.d\/calico-kubeconfig on w1: permission denied/,
    );
  });

  it("gives the same digest for a re-diagnosis of an unchanged cluster, and another when the evidence changes", () => {
    const a = planRemediation(diagnosis([multus], "stale-cni-config", { eventCount: 10 }));
    const b = planRemediation(diagnosis([structuredClone(multus)], "stale-cni-config", { eventCount: 352 }));
    expect(b.digest).toBe(a.digest);
    expect(b.evidenceId).toBe(a.evidenceId);
    const touched = structuredClone(multus);
    if (touched.inspection?.confDir.entries[2])
      touched.inspection.confDir.entries[2].modifiedAt = "2026-11-21T00:00:00.000Z";
    expect(planRemediation(diagnosis([touched], "stale-cni-config")).digest).not.toBe(a.digest);
    expect(
      planRemediation(diagnosis([multus], "stale-cni-config"), { includeBarePods: true }).digest,
    ).not.toBe(a.digest);
  });
});

describe("policy and approval", () => {
  const policy = loadConfig({
    CNI_DOCTOR_APPROVERS: "U1, S-ONCALL cli:ops",
    CNI_DOCTOR_APPROVAL_QUORUM: "2",
  }).remediation;
  const plan = planRemediation(
    diagnosis(
      [nodeEvidence("k8s-master", "cni-token-expired", [["10-calico.conflist", "calico"]])],
      "cni-token-expired",
    ),
  );
  const run = (over: Partial<RunRecord> = {}): RunRecord => ({
    id: "r1",
    cluster: plan.cluster,
    state: "pending",
    plan,
    requestedBy: { id: "U9", via: "slack" },
    requestedAt: "2026-01-01T00:00:00Z",
    expiresAt: "2026-01-01T00:15:00Z",
    includeBarePods: false,
    policyViolations: [],
    approvals: [],
    quorum: 2,
    rejectedBy: null,
    stopRequested: null,
    execution: null,
    steps: [],
    rollbacks: [],
    verification: null,
    outcome: null,
    supersededBy: null,
    ...over,
  });
  const at = new Date("2026-01-01T00:05:00Z");

  it("parses the policy from the environment with safe defaults", () => {
    expect(policy).toMatchObject({
      approvers: ["U1", "S-ONCALL", "cli:ops"],
      selfApproval: "none",
      quorum: 2,
      approvalTtlMs: 900_000,
      allowControlPlane: false,
      namespace: "cni-doctor",
      batchSize: 1,
    });
    expect(() => loadConfig({ CNI_DOCTOR_SELF_APPROVAL: "always" })).toThrow(/CNI_DOCTOR_SELF_APPROVAL/);
    expect(() => loadConfig({ CNI_DOCTOR_NAMESPACE: "Bad_NS" })).toThrow(/CNI_DOCTOR_NAMESPACE/);
  });

  it("refuses control-plane nodes unless allowed, and plans over the node limit", () => {
    expect(policyViolations(plan, policy, new Set(["k8s-master"])).join(" ")).toMatch(
      /control-plane node k8s-master/,
    );
    expect(policyViolations(plan, { ...policy, allowControlPlane: true }, new Set(["k8s-master"]))).toEqual(
      [],
    );
    expect(policyViolations(plan, { ...policy, maxNodesPerRun: 0 }, new Set()).join(" ")).toMatch(
      /at most 0/,
    );
  });

  it("names people in refusals by display name, with the key the policy uses", () => {
    const refusal = decideApproval(
      run({ requestedBy: { id: "U1", displayName: "alice", via: "slack" } }),
      { id: "U1", displayName: "alice", via: "slack" },
      policy,
      at,
    );
    expect(refusal).toMatchObject({ reason: "self-approval" });
    expect((refusal as { message: string }).message).toMatch(/^alice \(U1\) asked for this fix/);
  });

  it("decides approvals at click time", () => {
    expect(decideApproval(run(), { id: "U2", via: "slack" }, policy, at)).toMatchObject({
      kind: "refuse",
      reason: "not-an-approver",
    });
    expect(decideApproval(run(), { id: "U7", groups: ["S-ONCALL"], via: "slack" }, policy, at)).toMatchObject(
      { kind: "record", quorumReached: false },
    );
    expect(
      decideApproval(
        run({ requestedBy: { id: "U1", via: "slack" } }),
        { id: "U1", via: "slack" },
        policy,
        at,
      ),
    ).toMatchObject({ reason: "self-approval" });
    expect(
      decideApproval(
        run({ requestedBy: { id: "ops", via: "cli" } }),
        { id: "ops", via: "cli" },
        { ...policy, selfApproval: "cli" },
        at,
      ),
    ).toMatchObject({ kind: "record" });
    expect(
      decideApproval(
        run({ requestedBy: { id: "U1", via: "slack" } }),
        { id: "U1", via: "slack" },
        { ...policy, selfApproval: "cli" },
        at,
      ),
    ).toMatchObject({ reason: "self-approval" });
    expect(
      decideApproval(run(), { id: "U1", via: "slack" }, policy, new Date("2026-01-01T00:15:00Z")),
    ).toMatchObject({ reason: "expired" });
    expect(
      decideApproval(run({ policyViolations: ["too many"] }), { id: "U1", via: "slack" }, policy, at),
    ).toMatchObject({ reason: "policy-violation" });
    const once = run({ approvals: [{ actor: { id: "U1", via: "slack" }, at: at.toISOString() }] });
    expect(decideApproval(once, { id: "U1", via: "slack" }, policy, at)).toMatchObject({
      kind: "already-approved",
    });
    expect(decideApproval(once, { id: "ops", via: "cli" }, policy, at)).toMatchObject({
      kind: "record",
      quorumReached: true,
    });
    // A further approval of a running (or approved) run changes nothing and says so.
    expect(decideApproval(run({ state: "running" }), { id: "U1", via: "slack" }, policy, at)).toMatchObject({
      kind: "already-approved",
      message: expect.stringMatching(/is already running/),
    });
    expect(decideApproval(run({ state: "succeeded" }), { id: "U1", via: "slack" }, policy, at)).toMatchObject(
      {
        reason: "not-pending",
      },
    );
  });
});
