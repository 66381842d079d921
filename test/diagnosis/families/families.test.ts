/**
 * The failure-family registry: a guide for every family (read-only checks, placeholders filled only with shell-inert
 * values) and the cluster-side verdict each family gives from what the cluster shows about the node's agent.
 */
import { describe, expect, it } from "vitest";
import {
  clusterSideRootCause,
  FAILURE_FAMILIES,
  familyGuide,
} from "../../../src/diagnosis/families/index.ts";
import { FAMILIES } from "../../../src/diagnosis/message/classification.ts";
import type { AgentStatus } from "../../../src/diagnosis/model.ts";

describe("family guides", () => {
  it("exist for every family, with read-only checks", () => {
    for (const family of FAMILIES) {
      const guide = familyGuide(family, "calico");
      expect(guide.title.length).toBeGreaterThan(0);
      expect(guide.likelyCauses.length).toBeGreaterThan(0);
      expect(guide.checks.length).toBeGreaterThan(0);
      for (const command of guide.checks)
        expect(command).not.toMatch(/\b(delete|rm|apply|patch|edit|restart)\b/);
    }
  });

  it("say which families cni-doctor repairs itself on a Calico node", () => {
    const automatic = FAMILIES.filter((family) => familyGuide(family, "calico").fix.automatic);
    expect(automatic.sort()).toEqual([
      "cni-agent-not-running",
      "cni-config-missing",
      "cni-credentials-rejected",
    ]);
  });

  it("say yes for another CNI's agent only where its restart is the repair, and no, with what to check, elsewhere", () => {
    // The agent restart remediator (src/cni/agent-restart/) restarts Weave's, Multus's, Cilium's ... agents; their
    // credentials and everything else stay a person's job.
    const restartable = ["cni-agent-not-running", "cni-config-missing"];
    for (const cni of ["weave", "multus", "cilium", "flannel", "aws-vpc-cni", "antrea"] as const) {
      for (const family of FAMILIES) {
        const guide = familyGuide(family, cni);
        const yes = restartable.includes(family);
        expect(guide.fix.automatic, `${family} on ${cni}`).toBe(yes);
        expect(guide.fix.summary, `${family} on ${cni}`).toMatch(
          yes ? /^(Yes|Partly), after approval/ : /^No\b/,
        );
      }
    }
    for (const family of FAMILIES) {
      const guide = familyGuide(family, "unknown");
      expect(guide.fix.automatic, `${family} on an unknown CNI`).toBe(false);
      expect(guide.fix.summary).toMatch(/^No\b/);
    }
  });

  it("say yes for an unknown CNI when the node's agent is one a remediator restarts", () => {
    expect(familyGuide("cni-config-missing", "unknown", {}, "calico-node").fix.automatic).toBe(true);
    expect(familyGuide("cni-config-missing", "unknown", {}, "weave-net").fix.automatic).toBe(true);
    expect(familyGuide("cni-config-missing", "unknown", {}, "my-own-agent").fix.automatic).toBe(false);
    expect(familyGuide("cni-credentials-rejected", "unknown", {}, "weave-net").fix.automatic).toBe(false);
  });

  it("fill in what the message told, and only shell-inert values", () => {
    const guide = familyGuide("cni-credentials-forbidden", "calico", {
      serviceAccount: "kube-system/calico-cni-plugin",
      forbiddenResource: "clusterinformations.crd.projectcalico.org",
    });
    expect(guide.checks[0]).toBe(
      "kubectl auth can-i get clusterinformations.crd.projectcalico.org --as=system:serviceaccount:kube-system:calico-cni-plugin",
    );
    const hostile = familyGuide("unknown", "unknown", { pod: "x;reboot", namespace: "default" });
    expect(hostile.checks[0]).toBe("kubectl describe pod -n default <pod>");
  });
});

describe("the registry", () => {
  it("holds one entry per family, under its own name", () => {
    expect(Object.keys(FAILURE_FAMILIES).sort()).toEqual([...FAMILIES].sort());
    for (const [name, family] of Object.entries(FAILURE_FAMILIES)) expect(family.family).toBe(name);
  });
});

describe("clusterSideRootCause", () => {
  const crashLooping: AgentStatus = {
    namespace: "kube-system",
    pod: "calico-node-abcde",
    phase: "Running",
    ready: false,
    restarts: 4,
    startedAt: null,
    containers: [
      {
        name: "calico-node",
        ready: false,
        restartCount: 4,
        state: "waiting: CrashLoopBackOff",
        lastTermination: null,
      },
    ],
  };
  const base = { cni: "calico" as const, agentName: "calico-node", deployedCnis: ["calico" as const] };

  it("reads a 401 with the agent down as an expired token, and with it up as a guess that needs the node's files", () => {
    const down = clusterSideRootCause({ ...base, family: "cni-credentials-rejected", agent: crashLooping });
    expect(down.rootCause).toBe("cni-token-expired");
    expect(down.facts[1]).toBe(
      "calico-node pod calico-node-abcde is not Ready (waiting: CrashLoopBackOff), 4 restarts; it refreshes the token only while it runs, so the token has most likely expired.",
    );
    const up = clusterSideRootCause({
      ...base,
      family: "cni-credentials-rejected",
      agent: { ...crashLooping, ready: true, restarts: 1 },
    });
    expect(up).toMatchObject({ rootCause: "stale-cni-config", confidence: "low" });
  });

  it("names the agent as the cause of a missing config only when the agent is down", () => {
    expect(clusterSideRootCause({ ...base, family: "cni-config-missing", agent: null }).rootCause).toBe(
      "cni-agent-not-running",
    );
    expect(
      clusterSideRootCause({ ...base, family: "cni-config-missing", agent: { ...crashLooping, ready: true } })
        .rootCause,
    ).toBe("cni-config-missing");
  });

  it("calls another CNI's error on a cluster that does not run it a shadowing config, before any family's verdict", () => {
    const verdict = clusterSideRootCause({
      family: "cni-agent-not-running",
      cni: "flannel",
      agent: null,
      agentName: "calico-node",
      deployedCnis: ["calico"],
    });
    expect(verdict).toMatchObject({ rootCause: "shadowing-cni-config", confidence: "medium" });
  });
});
