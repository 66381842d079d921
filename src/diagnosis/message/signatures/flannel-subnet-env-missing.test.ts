import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("flannel-subnet-env-missing", () => {
  it("containerd", () => {
    // flannel-io/flannel#2253
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3c05350cf5717b9bcf92a63ffafb7a3d27bd5ad1880de39272e72aa1661e637e": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "flannel",
      phase: "add",
      runtime: "containerd",
      signature: "flannel-subnet-env-missing",
      pluginError: "loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory",
    });
  });

  it("a kubelet log line with escaped quotes", () => {
    // kubernetes/kubelet#46
    const message = String.raw`E1026 14:08:18.459322 1067481 remote_runtime.go:193] "RunPodSandbox from runtime service failed" err="rpc error: code = Unknown desc = failed to setup network for sandbox \"5db402ddcda98eb797e884575883860a0211c9bf5b6b9d08562793290fd5de78\": plugin type=\"flannel\" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "flannel",
      runtime: "containerd",
      pluginError: "loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory",
      details: { sandboxId: "5db402ddcda98eb797e884575883860a0211c9bf5b6b9d08562793290fd5de78" },
    });
  });

  it("dockershim", () => {
    // kubernetes/website#10377
    const message = `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "99e30671c80ab8fe5cedd54fb4edd2ce99ebc45ed120e912d2c7e51f2cab350a" network for pod "node1-6777d4468-d6tvq": NetworkPlugin cni failed to set up pod "node1-6777d4468-d6tvq_default" network: open /run/flannel/subnet.env: no such file or directory`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "flannel",
      runtime: "dockershim",
      details: { pod: "node1-6777d4468-d6tvq", namespace: "default" },
    });
  });

  it.each([
    [
      "k3d-io/k3d#1258 (title; the runtime printed an empty sandbox id)",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "": plugin type="flannel" failed (add): open /run/flannel/subnet.env: no such file or directory`,
      "containerd",
    ],
    [
      "flannel-io/flannel#2232",
      `(combined from similar events): Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "c981dd6fab7e72250f444f4e41aaa1d9761c0be4f5e493b6a3dccc326c952ff3": plugin type="flannel" failed (add): loadFlannelSubnetEnv failed: open /run/flannel/subnet.env: no such file or directory`,
      "containerd",
    ],
    [
      "kubernetes/kubernetes#65526 (title)",
      `Failed create pod sandbox: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "podtest_default" network: open /run/flannel/subnet.env: no such file or directory`,
      "dockershim",
    ],
  ])("%s", (_source, message, runtime) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "flannel",
      phase: "add",
      runtime,
      signature: "flannel-subnet-env-missing",
    });
  });
});
