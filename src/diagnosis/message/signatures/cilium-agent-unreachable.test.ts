import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("cilium-agent-unreachable", () => {
  it("containerd", () => {
    // cilium/cilium#40312
    const message = `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "0b2f8521e66ae74da6ed86fdb778d9558b0114967e52d73ff3285466b0846e1e": plugin type="cilium-cni" failed (add): unable to connect to Cilium agent: failed to create cilium agent client after 30.000000 seconds timeout: Get "http://localhost/v1/config": dial unix /var/run/cilium/cilium.sock: connect: no such file or directory Is the agent running?`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      phase: "add",
      runtime: "containerd",
      signature: "cilium-agent-unreachable",
    });
  });

  it("dockershim", () => {
    // cilium/cilium#6556
    const message = `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "ed0135d1743810e0c0f57cc3fd9abf986544185a62cf5543a29cd70b56703ee7" network for pod "etcd-operator-5cf67779fd-gzt59": NetworkPlugin cni failed to set up pod "etcd-operator-5cf67779fd-gzt59_kube-system" network: unable to retrieve configuration from cilium-agent: Get http:///var/run/cilium/cilium.sock/v1/config: dial unix /var/run/cilium/cilium.sock: connect: no such file or directory`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      runtime: "dockershim",
      details: { pod: "etcd-operator-5cf67779fd-gzt59", namespace: "kube-system" },
    });
  });
});
