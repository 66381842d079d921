import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("apiserver-untrusted", () => {
  it("CRI-O", () => {
    // projectcalico/calico#6425 (pod and sandbox names redacted by the reporter)
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8sxxx): error adding pod dxxxx to CNI network "k8s-pod-network": error getting ClusterInformation: Get "https://[172.244.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default": x509: certificate signed by unknown authority`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-untrusted",
      cni: "calico",
      phase: "add",
      runtime: "cri-o",
      signature: "apiserver-untrusted",
      details: { apiServer: "https://[172.244.0.1]:443" },
    });
  });

  it("containerd, error before the plugin wrapper (k3s)", () => {
    // projectcalico/calico#4308
    const message = `CreatePodSandbox for pod "coredns-854c77959c-58hnv_kube-system(45d3b9c8-868c-4061-830d-de7c0342ac55)" failed: rpc error: code = Unknown desc = failed to setup network for sandbox "63e8acd8dddf168089d0646a2b449670784a7f6c02b58c85cadd1d9e1c99e5ea": error getting ClusterInformation: Get "https://10.43.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": x509: certificate signed by unknown authority`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-untrusted",
      cni: "calico",
      runtime: "containerd",
      details: {
        apiServer: "https://10.43.0.1:443",
        sandboxId: "63e8acd8dddf168089d0646a2b449670784a7f6c02b58c85cadd1d9e1c99e5ea",
      },
    });
  });
});
