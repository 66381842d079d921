/** Calico's steps on one node and the files it moves aside, from a case built here. Pure. */
import { describe, expect, it } from "vitest";
import { planCalicoSteps } from "../../../src/cni/calico/plan-steps.ts";
import { calicoFilesToQuarantine } from "../../../src/cni/calico/quarantine.ts";
import type { RemediationCase } from "../../../src/cni/remediator.ts";
import type { ConfDirEntry, Finding, RootCause } from "../../../src/diagnosis/model.ts";

const entry = (name: string, type: ConfDirEntry["type"] = "file"): ConfDirEntry => ({
  name,
  sizeBytes: 100,
  modifiedAt: "2026-10-07T05:01:27.094Z",
  owner: "root",
  group: "root",
  mode: "0644",
  type,
});

function nodeCase(
  rootCause: RootCause,
  configs: Array<[string, string]>,
  extra: ConfDirEntry[] = [],
): RemediationCase {
  return {
    node: "w1",
    rootCause,
    cni: "calico",
    finding: { suggestedChecks: [] } as unknown as Finding,
    pods: [],
    evidence: {
      name: "w1",
      ready: null,
      networkUnavailable: null,
      agentName: "calico-node",
      agent: {
        namespace: "calico-system",
        pod: "calico-node-w1",
        phase: "Running",
        ready: false,
        restarts: 3,
        startedAt: null,
        containers: [
          {
            name: "calico-node",
            ready: false,
            restartCount: 3,
            state: "waiting: CrashLoopBackOff",
            lastTermination: { reason: "Error", exitCode: 1, finishedAt: null },
          },
        ],
      },
      notInspectedReason: null,
      inspection: {
        node: "w1",
        cniConfDir: "/etc/cni/net.d",
        inspectedAt: "2026-12-05T10:00:00.000Z",
        confDir: {
          status: "ok",
          entries: [...configs.map(([n]) => entry(n)), entry("calico-kubeconfig"), ...extra],
        },
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

describe("calicoFilesToQuarantine", () => {
  it("moves Calico's files and a config shadowing it for a stale config; Multus and later configs stay", () => {
    const c = nodeCase(
      "stale-cni-config",
      [
        ["00-multus.conf", "multus"],
        ["05-cilium.conflist", "cilium"],
        ["10-calico.conflist", "calico"],
        ["20-weave.conflist", "weave"],
      ],
      [entry("multus.d", "directory"), entry("calico-tls", "directory")],
    );
    const q = calicoFilesToQuarantine(c, options.backupRoot, options.backupDir);
    expect(q.files).toEqual(["05-cilium.conflist", "10-calico.conflist", "calico-kubeconfig", "calico-tls"]);
    expect(q.regularFiles).toEqual(["05-cilium.conflist", "10-calico.conflist", "calico-kubeconfig"]);
    expect(q.reasons).toMatchObject({
      "05-cilium.conflist": "cilium config sorting before 10-calico.conflist, which it shadows",
      "calico-kubeconfig": "Calico CNI kubeconfig from an earlier cluster",
      "calico-tls": "Calico file install-cni rewrites",
    });
  });

  it("moves only the shadowing config for shadowing-cni-config", () => {
    const c = nodeCase("shadowing-cni-config", [
      ["05-cilium.conflist", "cilium"],
      ["10-calico.conflist", "calico"],
    ]);
    expect(calicoFilesToQuarantine(c, options.backupRoot, options.backupDir).files).toEqual([
      "05-cilium.conflist",
    ]);
  });
});

describe("planCalicoSteps", () => {
  it("quarantines, then restarts calico-node, for a stale config; commands are rendered in the runner's order", () => {
    const steps = planCalicoSteps(nodeCase("stale-cni-config", [["10-calico.conflist", "calico"]]), options);
    expect(steps.map((s) => s.kind)).toEqual(["quarantine-cni-config", "restart-cni-agent"]);
    const [quarantine, restart] = steps;
    expect(quarantine?.commands?.[0]).toContain("mkdir");
    expect(quarantine?.commands?.some((c) => /\brm\b/.test(c))).toBe(false);
    expect(restart).toMatchObject({
      node: "w1",
      pods: ["calico-system/calico-node-w1"],
      agent: { namespace: "calico-system", pod: "calico-node-w1", name: "calico-node", whyDown: [] },
    });
  });

  it("only restarts for a token cause, and says why the agent was down when it was", () => {
    expect(
      planCalicoSteps(nodeCase("cni-token-expired", [["10-calico.conflist", "calico"]]), options).map(
        (s) => s.kind,
      ),
    ).toEqual(["restart-cni-agent"]);
    const [down] = planCalicoSteps(
      nodeCase("cni-agent-not-running", [["10-calico.conflist", "calico"]]),
      options,
    );
    expect(down?.agent?.whyDown).toEqual([
      "pod calico-system/calico-node-w1: phase Running, ready false, 3 restarts",
      "container calico-node: waiting: CrashLoopBackOff, 3 restarts; last terminated: Error, exit code 1",
    ]);
  });

  it("restarts nothing when only a shadowing config is in the way", () => {
    const steps = planCalicoSteps(
      nodeCase("shadowing-cni-config", [
        ["05-cilium.conflist", "cilium"],
        ["10-calico.conflist", "calico"],
      ]),
      options,
    );
    expect(steps.map((s) => s.kind)).toEqual(["quarantine-cni-config"]);
  });
});
