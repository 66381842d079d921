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

  it.each([
    [
      "coredns/deployment#275 (containerd, the CA's key no longer verifies)",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "759c9c6ae9cdf41391db6cc01b1819df8d0295067610b6376baa524e92a61c0c": error getting ClusterInformation: Get "https://[10.96.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default": x509: certificate signed by unknown authority (possibly because of "crypto/rsa: verification error" while trying to verify candidate authority certificate "kubernetes")`,
      "containerd",
    ],
    [
      "sighupio/permission-manager#93 (dockershim, the serving certificate lacks the Service IP)",
      `Failed to create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "e3bad963c494ae17bcb007fa366cd47ca6a03026fec11cedc7a2bb17311f334d" network for pod "permission-manager-7cd5f4f6b8-5rzx4": networkPlugin cni failed to set up pod "permission-manager-7cd5f4f6b8-5rzx4_permission-manager" network: error getting ClusterInformation: Get https://[10.255.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default: x509: cannot validate certificate for 10.255.0.1 because it doesn't contain any IP SANs, failed to clean up sandbox container "e3bad963c494ae17bcb007fa366cd47ca6a03026fec11cedc7a2bb17311f334d" network for pod "permission-manager-7cd5f4f6b8-5rzx4": networkPlugin cni failed to teardown pod "permission-manager-7cd5f4f6b8-5rzx4_permission-manager" network: error getting ClusterInformation: Get https://[10.255.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default: x509: cannot validate certificate for 10.255.0.1 because it doesn't contain any IP SANs]`,
      "dockershim",
    ],
    [
      "opsnull/follow-me-install-kubernetes-cluster#584 (containerd, the certificate names other addresses)",
      `Failed create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "055459046efa0c06c384b3e8f90575d340fe00a41c74511d11dbe55532f9e0e4": error getting ClusterInformation: Get https://[10.254.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default: x509: certificate is valid for 127.0.0.1, 9.112.234.53, 9.112.234.54, 9.112.234.56, not 10.254.0.1`,
      "containerd",
    ],
  ])("Calico: %s", (_source, message, runtime) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-untrusted",
      cni: "calico",
      phase: "add",
      runtime,
      signature: "apiserver-untrusted",
    });
  });
});
