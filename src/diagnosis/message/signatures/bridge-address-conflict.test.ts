import { describe, expect, it } from "vitest";
import { classifyMessage } from "../classify-message.ts";

describe("bridge-address-conflict", () => {
  it("dockershim", () => {
    // kubernetes/kubernetes#76070
    const message = `Failed create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "3603dc72589a415f2946505141e8712d31242c5b0cfe5f25299c8e611897f583" network for pod "nginx-deployment-shiva2-779f798fbd-h4vlk": NetworkPlugin cni failed to set up pod "nginx-deployment-shiva2-779f798fbd-h4vlk_default" network: failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24`;
    expect(classifyMessage(message)).toMatchObject({
      family: "bridge-address-conflict",
      cni: "bridge",
      phase: "add",
      runtime: "dockershim",
      signature: "bridge-address-conflict",
      pluginError: 'failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24',
    });
  });

  it("containerd, flannel delegating to bridge: the plugin type wins", () => {
    // Constructed: the flannel-io/flannel#2253 containerd wrapper around the k8s#76070 plugin error, as flannel
    // reports delegate failures.
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3c05350cf5717b9bcf92a63ffafb7a3d27bd5ad1880de39272e72aa1661e637e": plugin type="flannel" failed (add): failed to delegate add: failed to set bridge addr: "cni0" already has an IP address different from 10.244.1.1/24`;
    expect(classifyMessage(message)).toMatchObject({
      family: "bridge-address-conflict",
      cni: "flannel",
      runtime: "containerd",
    });
  });

  it("a bridge permission error is not a conflict (CRI-O)", () => {
    // kubernetes/kubernetes#121102
    const message = `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to create pod network sandbox k8s_nginx_kube-system_eb625b1e-135f-4e0c-a74d-2e11d62df07c_0(c362db60e67a4e3dab204aee5ca8128f6fb6ddcbfbb5f7d3584e6fb6f3fc9595): error adding pod kube-system_nginx to CNI network "crio": plugin type="bridge" failed (add): failed to set bridge addr: could not add IP address to "cni0": permission denied`;
    expect(classifyMessage(message)).toMatchObject({
      family: "unknown",
      cni: "bridge",
      phase: "add",
      runtime: "cri-o",
      signature: null,
      details: { pod: "nginx", namespace: "kube-system" },
    });
  });
});
