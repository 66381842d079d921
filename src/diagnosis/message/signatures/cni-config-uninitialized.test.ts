import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("cni-config-uninitialized", () => {
  it("node condition from containerd: phase none", () => {
    // kind-ci/examples#33
    const message =
      "KubeletNotReady runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized";
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-config-missing",
      phase: "none",
      runtime: "containerd",
      signature: "cni-config-uninitialized",
      pluginError: "Network plugin returns error: cni plugin not initialized",
    });
  });

  it("NetworkNotReady event from dockershim", () => {
    // kubernetes/kubernetes#107428
    const message =
      "network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized";
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-config-missing",
      phase: "none",
      runtime: "dockershim",
    });
  });

  it("CRI-O sandbox creation (ADD)", () => {
    // cri-o/cri-o#1523 (kubelet log line)
    const message = `Apr 12 15:36:09 kata kubelet[29066]: E0412 15:36:09.501733   29066 remote_runtime.go:92] RunPodSandbox from runtime service failed: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_kube-controller-manager-kata_kube-system_94ed0fa540fbf10c0225d82de5e61561_0(35e354e982ccd726a45da51ac613ff9c27e90e75cb97edc04d843788aa614d82): cni config uninitialized`;
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-config-missing",
      phase: "add",
      runtime: "cri-o",
      pluginError: "cni config uninitialized",
      details: {
        sandboxId: "35e354e982ccd726a45da51ac613ff9c27e90e75cb97edc04d843788aa614d82",
        pod: "kube-controller-manager-kata",
        namespace: "kube-system",
      },
    });
  });

  it.each([
    [
      "rancher/rke2#4476 (title)",
      "container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    ],
    [
      "kubernetes/kubeadm#1031 (title)",
      "runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:docker: network plugin is not ready: cni config uninitialized",
    ],
    [
      "alibaba/hybridnet#425 (kubelet log)",
      `"Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"`,
    ],
    [
      "fujitatomoya/ros_k8s#22 (journalctl)",
      `Apr 16 22:26:30 tomoyafujita-HP-Compaq-Elite-8300-SFF kubelet[10125]: E0416 22:26:30.150357   10125 kubelet.go:2373] "Container runtime network not ready" networkReady="NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized"`,
    ],
  ])("node condition or kubelet log: %s", (_source, message) => {
    expect(classifyMessage(message)).toMatchObject({
      family: "cni-config-missing",
      phase: "none",
      signature: "cni-config-uninitialized",
    });
  });
});
