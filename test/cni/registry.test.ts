/** Which remediator repairs a node: picked by the node's root cause and the agent running there. */
import { describe, expect, it } from "vitest";
import { calicoRemediator } from "../../src/cni/calico/index.ts";
import { CNI_AGENTS } from "../../src/cni/identity.ts";
import { AUTOMATIC_ROOT_CAUSES, RESTARTABLE_AGENTS, remediatorFor } from "../../src/cni/registry.ts";
import { familyGuide } from "../../src/diagnosis/families/index.ts";

describe("CNI_REMEDIATORS", () => {
  it("gives calico-node's credential, config and agent causes to Calico", () => {
    for (const rootCause of [
      "stale-cni-config",
      "cni-token-expired",
      "cni-token-revoked",
      "cni-agent-not-running",
      "shadowing-cni-config",
    ] as const) {
      expect(remediatorFor({ rootCause, agentName: "calico-node" })).toBe(calicoRemediator);
    }
  });

  it("restarts every other known agent, and moves a shadowing config aside as that agent's CNI's remediator", () => {
    for (const agent of CNI_AGENTS.filter((a) => a.name !== "calico-node")) {
      const restart = remediatorFor({ rootCause: "cni-agent-not-running", agentName: agent.name });
      expect(restart, agent.name).toBeDefined();
      expect(restart?.cni).toBe(agent.cni);
      expect(restart).not.toBe(calicoRemediator);
      expect(remediatorFor({ rootCause: "shadowing-cni-config", agentName: agent.name })?.cni).toBe(
        agent.cni,
      );
    }
    expect(remediatorFor({ rootCause: "cni-agent-not-running", agentName: "kube-flannel" })?.cni).toBe(
      "flannel",
    );
    expect(remediatorFor({ rootCause: "cni-agent-not-running", agentName: "canal" })?.cni).toBe("calico");
  });

  it("restarts no agent for what only its own CNI's remediator knows, nor an unknown agent", () => {
    expect(remediatorFor({ rootCause: "cni-token-expired", agentName: "cilium" })).toBeUndefined();
    expect(remediatorFor({ rootCause: "stale-cni-config", agentName: "kube-flannel" })).toBeUndefined();
    expect(remediatorFor({ rootCause: "cni-token-expired", agentName: null })).toBeUndefined();
    expect(remediatorFor({ rootCause: "cni-agent-not-running", agentName: null })).toBeUndefined();
    expect(remediatorFor({ rootCause: "shadowing-cni-config", agentName: null })).toBeUndefined();
    expect(remediatorFor({ rootCause: "cni-agent-not-running", agentName: "my-own-agent" })).toBeUndefined();
  });

  it("fixes nothing a human must decide", () => {
    for (const rootCause of ["rbac-forbidden", "ip-exhausted", "clock-skew", "unknown"] as const) {
      expect(AUTOMATIC_ROOT_CAUSES.has(rootCause)).toBe(false);
      expect(remediatorFor({ rootCause, agentName: "calico-node" })).toBeUndefined();
      expect(remediatorFor({ rootCause, agentName: "cilium" })).toBeUndefined();
    }
  });

  it("names each restartable agent once, Calico's first", () => {
    expect(RESTARTABLE_AGENTS[0]).toBe("calico-node");
    expect(new Set(RESTARTABLE_AGENTS).size).toBe(RESTARTABLE_AGENTS.length);
    expect([...RESTARTABLE_AGENTS].sort()).toEqual(CNI_AGENTS.map((a) => a.name).sort());
  });

  it("makes 'can cni-doctor fix it' say yes for a restartable agent, and that a crash-looping one is not restarted", () => {
    for (const cni of ["cilium", "flannel", "aws-vpc-cni", "antrea", "weave"] as const) {
      const fix = familyGuide("cni-agent-not-running", cni).fix;
      expect(fix.automatic, cni).toBe(true);
      expect(fix.summary).toMatch(/^Yes, after approval/);
      expect(fix.summary).toMatch(/Not when the agent is crash-looping or cannot pull its image/);
    }
    // Credentials are Calico's own repair: no other CNI's guide says yes for them.
    expect(familyGuide("cni-credentials-rejected", "cilium").fix.automatic).toBe(false);
    expect(familyGuide("cni-agent-not-running", "bridge").fix.automatic).toBe(false);
  });
});
