import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("apiserver-unreachable", () => {
  it("dockershim, i/o timeout to the Service VIP", () => {
    // projectcalico/calico#6716
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "5d8c43f3b8179b87e01a6740a92bf485fe95cb16ca310e0c853ef731197f302b" network for pod "restic-2jsjf": networkPlugin cni failed to set up pod "restic-2jsjf_psc-velero" network: error getting ClusterInformation: Get "https://[10.43.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.43.0.1:443: i/o timeout`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-unreachable",
      cni: "calico",
      phase: "add",
      runtime: "dockershim",
      signature: "apiserver-unreachable",
      details: { apiServer: "https://[10.43.0.1]:443", pod: "restic-2jsjf", namespace: "psc-velero" },
    });
  });

  it("containerd, Service Unavailable", () => {
    // projectcalico/calico#10352
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "265b1cc1621af991c09f5e372e0e5bdcfb47c9b53523178c8d0288ce489dad5f": plugin type="calico" failed (add): error getting ClusterInformation: Get "https://172.20.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": Service Unavailable`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-unreachable",
      cni: "calico",
      runtime: "containerd",
      details: { apiServer: "https://172.20.0.1:443" },
    });
  });

  it("FailedKillPod from dockershim with escaped quotes (DEL)", () => {
    // cisco-open/martian-bank-demo#50
    const message = String.raw`Warning FailedKillPod 2m21s (x1968 over 17h) kubelet error killing pod: failed to "KillPodSandbox" for "a33e88fb-a2a9-4dbb-9996-466ca7ca5bd9" with KillPodSandboxError: "rpc error: code = Unknown desc = networkPlugin cni failed to teardown pod \" nginx-5f47c5c8f4-hvctg_default\" network: error getting ClusterInformation: Get \"https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default\": dial tcp 10.96.0.1:443: i/o timeout"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-unreachable",
      cni: "calico",
      phase: "delete",
      runtime: "dockershim",
      pluginError:
        'error getting ClusterInformation: Get "https://10.96.0.1:443/apis/crd.projectcalico.org/v1/clusterinformations/default": dial tcp 10.96.0.1:443: i/o timeout',
      details: { pod: "nginx-5f47c5c8f4-hvctg", namespace: "default", apiServer: "https://10.96.0.1:443" },
    });
  });

  it("containerd DEL killed at its deadline", () => {
    // projectcalico/calico#7647 (title, as containerd logged it)
    const message = String.raw`Containerd prompt error: failed to destroy network for sandbox \"***\": plugin type=\"calico\" failed (delete): netplugin failed with no error message: signal: killed"`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-unreachable",
      cni: "calico",
      phase: "delete",
      runtime: "containerd",
      pluginError: "netplugin failed with no error message: signal: killed",
    });
  });

  it("CRI-O, unexpected EOF", () => {
    // projectcalico/calico#4095
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_calico-kube-controllers-c9784d67d-dr6tx_kube-system_37151347-8808-4b21-b20f-6a1edf71899e_0(0a75fd5749c304700094369a49b568ec7971124c56187dbaff6823ddb087233e): error getting ClusterInformation: Get "https://[10.96.0.1]:443/apis/crd.projectcalico.org/v1/clusterinformations/default": unexpected EOF`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-apiserver-unreachable",
      cni: "calico",
      runtime: "cri-o",
      details: { pod: "calico-kube-controllers-c9784d67d-dr6tx", namespace: "kube-system" },
    });
  });

  it("an image pull that cannot reach its registry is not a CNI failure", () => {
    // kubernetes/kube-state-metrics#1588
    const message = `Failed to pull image "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": rpc error: code = Unknown desc = failed to pull and unpack image "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": failed to resolve reference "k8s.gcr.io/kube-state-metrics/kube-state-metrics:v2.2.0": failed to do request: Head https://k8s.gcr.io/v2/kube-state-metrics/kube-state-metrics/manifests/v2.2.0: dial tcp 172.217.192.82:443: connect: no route to host`;
    expect(classifyMessage(message)).toMatchObject({ family: "unknown", runtime: "unknown", phase: "none" });
  });
});
