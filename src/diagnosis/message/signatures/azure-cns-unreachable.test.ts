import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("azure-cns-unreachable", () => {
  it("CNS down: containerd, quotes as the issue printed them", () => {
    // Azure/AKS#4342
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '3e16c561e9d521f52cd10e2a61965d2e063c27ac336f465aeee50eb77c055935': plugin type='azure-vnet' failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: http request failed: Post 'http://localhost:10090/network/requestipconfig': dial tcp 127.0.0.1:10090: connect: connection refused`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "azure",
      phase: "add",
      runtime: "containerd",
      signature: "azure-cns-unreachable",
    });
  });
});
