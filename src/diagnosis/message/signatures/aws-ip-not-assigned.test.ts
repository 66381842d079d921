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

  it.each([
    [
      "aws/karpenter-provider-aws#3989",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "2585244756197a04982514cc97947f5b7f702492df9776871fa3d7d3b3cba718": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
      "containerd",
    ],
    [
      "kubernetes/kubernetes#131071",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "40d7bc158517c6954d0e8f1ba2bbc04e376e3123ab38227d6a601b7b1bb48ccf": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: failed to assign an IP address to container`,
      "containerd",
    ],
    [
      "aws/amazon-vpc-cni-k8s#1791",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "ebb530230479f5cbbb6c2cbebadd117a09f954112064bb2ea7e7db3a7ae0a6ce" network for pod "cityfarm-development-7997fb8976-gtgxp": networkPlugin cni failed to set up pod "cityfarm-development-7997fb8976-gtgxp_default" network: add cmd: failed to assign an IP address to container`,
      "dockershim",
    ],
    [
      "aws/amazon-vpc-cni-k8s#668",
      `(combined from similar events): Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "9234234234de67e8234cdc5c23423dce7e20842b8334208a6bff3a8" network for pod "custom-test-endpoint-5659dd6f47-92rj7": NetworkPlugin cni failed to set up pod "custom-test-endpoint-523422f47-92rj7_default" network: add cmd: failed to assign an IP address to container`,
      "dockershim",
    ],
    [
      "kubernetes-sigs/aws-load-balancer-controller#803",
      `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "9e592f5d69b3b4128f846d5975a0b34b01eb59d81bed622900d7067fb045dd79" network for pod "xxxx-74768c849b-vqv8p": NetworkPlugin cni failed to set up pod "xxxx-74768c849b-vqv8p_default" network: add cmd: failed to assign an IP address to container`,
      "dockershim",
    ],
  ])("%s", (_source, message, runtime) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "ip-exhausted",
      cni: "aws-vpc-cni",
      phase: "add",
      runtime,
      signature: "aws-ip-not-assigned",
    });
  });
});
