import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("aws-ip-not-assigned", () => {
  it("containerd", () => {
    // aws/amazon-vpc-cni-k8s#2814
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5499422a7c0dd169f1600782ef8b49976c15fa11caad0577706595922ab685e1": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "aws-vpc-cni",
      phase: "add",
      runtime: "containerd",
      signature: "aws-ip-not-assigned",
      pluginError: "add cmd: failed to assign an IP address to container",
    });
  });

  it("dockershim", () => {
    // aws/amazon-vpc-cni-k8s#59 (kubelet log line)
    const message = `E0418 19:09:56.012799    3852 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "fluentd-pxks9_kube-system" network: add cmd: failed to assign an IP address to container`;
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "aws-vpc-cni",
      runtime: "dockershim",
      details: { pod: "fluentd-pxks9", namespace: "kube-system" },
    });
  });
});
