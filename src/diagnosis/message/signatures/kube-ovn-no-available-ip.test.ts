import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("kube-ovn-no-available-ip", () => {
  it("no free address in the subnet", () => {
    // kubeovn/kube-ovn#218
    const message = `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "52ffb35b343b88eb33ddb8a7641e662906eaf0c22df9d3994f4b349a121233b2" network for pod "sample-0": networkPlugin cni failed to set up pod "sample-0_dxp" network: request ip return 500 no available ip for pod dxp/sample-0`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "kube-ovn",
      phase: "add",
      runtime: "dockershim",
      signature: "kube-ovn-no-available-ip",
    });
  });
});
