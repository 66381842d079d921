/** The agent restart remediator's steps on one node, from a case built here. Pure. */
import { describe, expect, it } from "vitest";
import { agentRestartRemediator } from "../../../src/cni/agent-restart/index.ts";
import { CNI_IDENTITIES } from "../../../src/cni/identity.ts";
import type { CniRemediator, RemediationCase } from "../../../src/cni/remediator.ts";
import type { AgentStatus, ConfDirEntry, Finding, RootCause } from "../../../src/diagnosis/model.ts";

const entry = (name: string, type: ConfDirEntry["type"] = "file"): ConfDirEntry => ({
  name,
  sizeBytes: 100,
  modifiedAt: "2026-10-07T05:01:27.094Z",
  owner: "root",
  group: "root",
  mode: "0644",
  type,
});

const wedged: AgentStatus = {
  namespace: "kube-system",
  pod: "cilium-x7k2p",
  phase: "Running",
  ready: false,
  restarts: 0,
  startedAt: null,
  containers: [
    { name: "cilium-agent", ready: false, restartCount: 0, state: "running", lastTermination: null },
  ],
};

function nodeCase(
  rootCause: RootCause,
  configs: Array<[string, string]>,
  agentName = "cilium",
): RemediationCase {
  return {
    node: "w1",
    rootCause,
    cni: "cilium",
    finding: { suggestedChecks: [] } as unknown as Finding,
    pods: [],
    evidence: {
      name: "w1",
      ready: null,
      networkUnavailable: null,
      agentName,
      agent: wedged,
      notInspectedReason: null,
      inspection: {
        node: "w1",
        cniConfDir: "/etc/cni/net.d",
        inspectedAt: "2026-12-05T10:00:00.000Z",
        confDir: { status: "ok", entries: configs.map(([n]) => entry(n)) },
        configFiles: configs.map(([name, cni]) => ({
          name,
          network: "net",
          pluginTypes: [cni],
          cni: cni as never,
          problem: null,
        })),
        activeConfig: configs[0]?.[0] ?? null,
        kubeconfig: null,
        clock: null,
        problems: [],
        verdict: { rootCause, confidence: "high", facts: [] },
      },
    },
  };
}

const options = {
  backupRoot: "/var/lib/cni-doctor/backup",
  backupDir: "/var/lib/cni-doctor/backup/0123456789abcdef",
  render: (t: { argv: readonly string[] }) => t.argv.join(" "),
};

function remediator(cni: string): CniRemediator {
  const identity = CNI_IDENTITIES.find((i) => i.cni === cni);
  const r = identity && agentRestartRemediator(identity, new Set(["calico-node"]));
  if (!r) throw new Error(`no remediator for ${cni}`);
  return r;
}

describe("agent restart remediator", () => {
  const cilium = remediator("cilium");

  it("restarts a down agent by deleting its pod, and says why it was down", () => {
    const steps = cilium.planSteps(
      nodeCase("cni-agent-not-running", [["05-cilium.conflist", "cilium"]]),
      options,
    );
    expect(steps).toHaveLength(1);
    expect(steps[0]).toMatchObject({
      kind: "restart-cni-agent",
      node: "w1",
      pods: ["kube-system/cilium-x7k2p"],
      agent: { namespace: "kube-system", pod: "cilium-x7k2p", name: "cilium" },
      rootCause: "cni-agent-not-running",
    });
    expect(steps[0]?.description).toMatch(/only if a DaemonSet controls it/);
    expect(steps[0]?.agent?.whyDown.join("\n")).toContain(
      "pod kube-system/cilium-x7k2p: phase Running, ready false",
    );
  });

  it("moves only another CNI's config that sorts before its own, and restarts nothing when its own is there", () => {
    const steps = cilium.planSteps(
      nodeCase("shadowing-cni-config", [
        ["01-flannel.conflist", "flannel"],
        ["02-unknown.conf", "unknown"],
        ["05-cilium.conflist", "cilium"],
        ["10-calico.conflist", "calico"],
      ]),
      options,
    );
    expect(steps.map((s) => s.kind)).toEqual(["quarantine-cni-config"]);
    expect(steps[0]?.quarantine?.files).toEqual(["01-flannel.conflist"]);
    expect(steps[0]?.quarantine?.reasons["01-flannel.conflist"]).toBe(
      "flannel config sorting before 05-cilium.conflist, which it shadows",
    );
    expect(steps[0]?.commands).toContain(
      "mv -n -t /var/lib/cni-doctor/backup/0123456789abcdef -- /etc/cni/net.d/01-flannel.conflist",
    );
  });

  it("moves a leftover Multus config the diagnosis judged shadowing", () => {
    const steps = cilium.planSteps(
      nodeCase("shadowing-cni-config", [
        ["00-multus.conf", "multus"],
        ["05-cilium.conflist", "cilium"],
      ]),
      options,
    );
    expect(steps[0]?.quarantine?.files).toEqual(["00-multus.conf"]);
    expect(steps[0]?.quarantine?.reasons["00-multus.conf"]).toMatch(
      /left behind with no multus agent deployed/,
    );
  });

  it("restarts the agent after the move when the node holds no config of its own (the agent writes it)", () => {
    const steps = cilium.planSteps(
      nodeCase("shadowing-cni-config", [["10-flannel.conflist", "flannel"]]),
      options,
    );
    expect(steps.map((s) => s.kind)).toEqual(["quarantine-cni-config", "restart-cni-agent"]);
    expect(steps[1]?.agent?.whyDown).toEqual([]);
  });

  it("plans nothing for what is not its to fix", () => {
    expect(cilium.canFix({ rootCause: "stale-cni-config", agentName: "cilium" })).toBe(false);
    expect(cilium.canFix({ rootCause: "cni-agent-not-running", agentName: "kube-flannel" })).toBe(false);
    expect(
      remediator("flannel").canFix({ rootCause: "cni-agent-not-running", agentName: "kube-flannel" }),
    ).toBe(true);
  });

  it("leaves the agents a CNI's own remediator claims to it", () => {
    const calico = CNI_IDENTITIES.find((i) => i.cni === "calico");
    if (!calico) throw new Error("no calico identity");
    expect(agentRestartRemediator(calico, new Set(["calico-node"]))?.agentNames).toEqual(["canal"]);
    expect(agentRestartRemediator(calico, new Set(["calico-node", "canal"]))).toBeUndefined();
  });
});
