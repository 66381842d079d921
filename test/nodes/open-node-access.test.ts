/** Choosing the node-access transport, and its settings: pure, no cluster. */
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../src/config.ts";
import { chooseNodeTransport } from "../../src/nodes/index.ts";

describe("chooseNodeTransport", () => {
  it("auto is ssh with a nodes file and kubernetes without; explicit choices are kept", () => {
    expect(chooseNodeTransport("auto", "/etc/cni-doctor/nodes.yaml")).toBe("ssh");
    expect(chooseNodeTransport("auto", undefined)).toBe("kubernetes");
    expect(chooseNodeTransport("kubernetes", "/etc/cni-doctor/nodes.yaml")).toBe("kubernetes");
    expect(chooseNodeTransport("none", "/etc/cni-doctor/nodes.yaml")).toBe("none");
    expect(chooseNodeTransport("ssh", "/etc/cni-doctor/nodes.yaml")).toBe("ssh");
  });

  it("refuses ssh without a nodes file and an unknown choice, saying what to do", () => {
    expect(() => chooseNodeTransport("ssh", undefined)).toThrow(/--node-access ssh needs a nodes file/);
    expect(() => chooseNodeTransport("agent", undefined)).toThrow(
      /is not one of auto, kubernetes, ssh, none/,
    );
  });
});

describe("node access settings", () => {
  it("defaults to auto, the bot's own image and the cni-doctor-nodes namespace", () => {
    const c = loadConfig({});
    expect(c.nodeAccess).toBe("auto");
    expect(c.nodeAgent).toEqual({
      image: "cni-doctor",
      namespace: "cni-doctor-nodes",
      priorityClassName: undefined,
      startTimeoutMs: 60_000,
      deadlineSeconds: 900,
      commandTimeoutMs: 30_000,
      cniConfDir: undefined,
    });
  });

  it("refuses a bad CNI_DOCTOR_NODE_ACCESS or agent namespace, naming the variable", () => {
    expect(() => loadConfig({ CNI_DOCTOR_NODE_ACCESS: "agent" })).toThrow(
      /CNI_DOCTOR_NODE_ACCESS: must be one of auto, kubernetes, ssh, none/,
    );
    expect(() => loadConfig({ CNI_DOCTOR_NODE_AGENT_NAMESPACE: "Bad_NS" })).toThrow(
      /CNI_DOCTOR_NODE_AGENT_NAMESPACE/,
    );
  });
});
