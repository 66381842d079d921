import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("cilium-ipam-range-full", () => {
  it("dockershim, combined", () => {
    // cilium/cilium#9793
    const message = `(combined from similar events): Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "49a1e22aa6f14f5da53b6ab0fe253a20303246c3e31299bbd489b09a814cab12" network for pod "coredns-5c98db65d4-h5vwr": NetworkPlugin cni failed to set up pod "coredns-5c98db65d4-h5vwr_kube-system" network: unable to allocate IP via local cilium agent: [POST /ipam][502] postIpamFailure  range is full`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "cilium",
      phase: "add",
      runtime: "dockershim",
      signature: "cilium-ipam-range-full",
      details: { pod: "coredns-5c98db65d4-h5vwr", namespace: "kube-system" },
    });
  });

  it("dockershim, agent's IPAM answer", () => {
    // cilium/cilium#10627
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "3948297ee605c722e867e3cda372cd2708c16f40e2cb0c036ac543890fee98e6" network for pod "pod-to-a-allowed-cnp-5899c44899-lmsr8": networkPlugin cni failed to set up pod "pod-to-a-allowed-cnp-5899c44899-lmsr8_default" network: unable to allocate IP via local cilium agent: [POST /ipam][502] postIpamFailure  range is full`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "cilium",
      phase: "add",
      runtime: "dockershim",
      signature: "cilium-ipam-range-full",
    });
  });
});
