import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("multus-daemon-unreachable", () => {
  it("thick Multus, containerd", () => {
    // k8snetworkplumbingwg/multus-cni#1165
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "6c4a6506c729250579fb62102b7044b98d809835fcf0c3fd7b78eb0c952f73f3": plugin type="multus-shim" name="multus-cni-network" failed (add): CmdAdd (shim): failed to send CNI request: Post "http://dummy/cni": dial unix /run/multus/multus.sock: connect: connection refused`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "multus",
      phase: "add",
      runtime: "containerd",
      signature: "multus-daemon-unreachable",
      details: { pluginName: "multus-shim" },
    });
  });
});
