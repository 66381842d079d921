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
  it("agent API timeout, containerd", () => {
    // cilium/cilium#39091
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "f225b469bb840512e3fd2c78e4e2dcef06cedf8e4b0caf09a62db002ccd54a17": plugin type="cilium-cni" failed (add): unable to create endpoint: Cilium API client timeout exceeded`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      phase: "add",
      runtime: "containerd",
      signature: "cilium-agent-unreachable",
    });
  });

  it("agent API timeout, combined events", () => {
    // cilium/cilium#32399
    const message = `kubelet  (combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "f40f8a986e4c53a727336b51fb698fee152f06b3357da0079a5ed204ed7d22a0": plugin type="cilium-cni" failed (add): unable to create endpoint: Cilium API client timeout exceeded`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      phase: "add",
    });
  });

  it("agent API timeout, dockershim (EKS)", () => {
    // cilium/cilium#16038 (pod name masked in the issue)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "e8ab8ca00aaa917c95cf15d0a596f94ee408575a261e76bb1e16b8b1a57d8ee3" network for pod "****-service-1620308400-2kf2z": networkPlugin cni failed to set up pod "****-service-1620308400-2kf2z_production-services" network: Unable to create endpoint: Cilium API client timeout exceeded`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      phase: "add",
      runtime: "dockershim",
    });
  });

  it.each([
    [
      "cilium/cilium#6801 (dockershim, set-up and tear-down both fail)",
      `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "7cf45c4df81512373b370ffe526ce61fad423a1c801f6d0136f389314a4fac1c" network for pod "cilium-etcd-zj5wtgvx9d": NetworkPlugin cni failed to set up pod "cilium-etcd-zj5wtgvx9d_kube-system" network: unable to connect to Cilium daemon: Failed to create cilium agent client after 30.000000 seconds timeout: %!!(MISSING)s(<nil>), failed to clean up sandbox container "7cf45c4df81512373b370ffe526ce61fad423a1c801f6d0136f389314a4fac1c" network for pod "cilium-etcd-zj5wtgvx9d": NetworkPlugin cni failed to teardown pod "cilium-etcd-zj5wtgvx9d_kube-system" network: unable to connect to Cilium daemon: Failed to create cilium agent client after 30.000000 seconds timeout: %!!(MISSING)s(<nil>)]`,
      "dockershim",
    ],
    [
      "kubernetes/minikube#8386 (kubelet log line)",
      `E0605 13:43:26.756811     509 remote_runtime.go:105] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to set up sandbox container "6d40d8c99402ce9b98b55081855cb489bde0177821468218e54fd0fb87d50de8" network for pod "coredns-6955765f44-qhncl": networkPlugin cni failed to set up pod "coredns-6955765f44-qhncl_kube-system" network: unable to connect to Cilium daemon: failed to create cilium agent client after 30.000000 seconds timeout: Get http:///var/run/cilium/cilium.sock/v1/config: dial unix /var/run/cilium/cilium.sock: connect: no such file or directory`,
      "dockershim",
    ],
    [
      'cilium/cilium#25778 (containerd, with name="cilium")',
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "03bc9190fdef1b1244f241fc20f994854eec658cc9eb75aa99ec605098e7b33b": plugin type="cilium-cni" name="cilium" failed (add): Unable to create endpoint: Cilium API client timeout exceeded`,
      "containerd",
    ],
  ])("%s", (_source, message, runtime) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "cilium",
      phase: "add",
      runtime,
      signature: "cilium-agent-unreachable",
    });
  });
});
