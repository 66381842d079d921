import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("aws-ipamd-unreachable", () => {
  it("dockershim, bracketed set-up + clean-up", () => {
    // aws/amazon-vpc-cni-k8s#1322
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "9742b380336c57443151508a577ace541c2b6c44b278f73f9afc7a2c23053220" network for pod "cluster-autoscaler-7f8f7cdb4d-64lt4": networkPlugin cni failed to set up pod "cluster-autoscaler-7f8f7cdb4d-64lt4_kube-system" network: add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:50051: connect: connection refused", failed to clean up sandbox container "9742b380336c57443151508a577ace541c2b6c44b278f73f9afc7a2c23053220" network for pod "cluster-autoscaler-7f8f7cdb4d-64lt4": networkPlugin cni failed to teardown pod "cluster-autoscaler-7f8f7cdb4d-64lt4_kube-system" network: del cmd: error received from DelNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:50051: connect: connection refused"]`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "aws-vpc-cni",
      phase: "add",
      runtime: "dockershim",
      signature: "aws-ipamd-unreachable",
      details: { pod: "cluster-autoscaler-7f8f7cdb4d-64lt4", namespace: "kube-system" },
    });
  });

  it("containerd form", () => {
    // Constructed: the aws/amazon-vpc-cni-k8s#2814 containerd wrapper around the #1322 plugin error.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "5499422a7c0dd169f1600782ef8b49976c15fa11caad0577706595922ab685e1": plugin type="aws-cni" name="aws-cni" failed (add): add cmd: Error received from AddNetwork gRPC call: rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial tcp 127.0.0.1:50051: connect: connection refused"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-agent-not-running",
      cni: "aws-vpc-cni",
      runtime: "containerd",
    });
  });
});
