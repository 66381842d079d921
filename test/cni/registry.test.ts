/** Which remediator repairs a node: picked by the node's root cause and the agent running there. */
import { describe, expect, it } from "vitest";
import { calicoRemediator } from "../../src/cni/calico/index.ts";
import { AUTOMATIC_ROOT_CAUSES, RESTARTABLE_AGENTS, remediatorFor } from "../../src/cni/registry.ts";

describe("CNI_REMEDIATORS", () => {
  it("gives calico-node's credential, config and agent causes to Calico", () => {
    for (const rootCause of [
      "stale-cni-config",
      "cni-token-expired",
      "cni-token-revoked",
      "cni-agent-not-running",
    ] as const) {
      expect(remediatorFor({ rootCause, agentName: "calico-node" })).toBe(calicoRemediator);
    }
  });

  it("moves a shadowing config aside whichever agent runs, and restarts no other CNI's agent", () => {
    expect(remediatorFor({ rootCause: "shadowing-cni-config", agentName: "cilium" })).toBe(calicoRemediator);
    expect(remediatorFor({ rootCause: "shadowing-cni-config", agentName: null })).toBe(calicoRemediator);
    expect(remediatorFor({ rootCause: "cni-token-expired", agentName: "cilium" })).toBeUndefined();
    expect(remediatorFor({ rootCause: "cni-token-expired", agentName: null })).toBeUndefined();
  });

  it("fixes nothing a human must decide", () => {
    for (const rootCause of ["rbac-forbidden", "ip-exhausted", "clock-skew", "unknown"] as const) {
      expect(AUTOMATIC_ROOT_CAUSES.has(rootCause)).toBe(false);
      expect(remediatorFor({ rootCause, agentName: "calico-node" })).toBeUndefined();
    }
    expect(RESTARTABLE_AGENTS).toEqual(["calico-node"]);
  });
});
