import type { CatalogMessage } from "./catalog-message.ts";

/** OVN-Kubernetes (ovnkube-node, the ovn-k8s-cni-overlay shim), alone and relayed by Multus. */
export const ovnKubernetes: CatalogMessage[] = [
  {
    source: "ovn-kubernetes/ovn-kubernetes#2590 (kubelet journal, the terminal's wrapped lines as printed)",
    message: `Oct 19 04:55:07 ovn-worker2 kubelet[480]: E1019 04:55:07.065350     480 kuberuntime_sandbox.go:70] CreatePodSandbox for pod "fedora-deployment-7575f87ff9-zsxn4_default(303b7b8f-b06e-4665-8222-7c6d03
5f8657)" failed: rpc error: code = Unknown desc = failed to setup network for sandbox "ad79dd3cae2322a8f0d50bbfba9a3ea0cd0f3d9f3d42eac4b575768e1cc15292": CNI request failed with status 400: '[defaul
t/fedora-deployment-7575f87ff9-zsxn4 ad79dd3cae2322a8f0d50bbfba9a3ea0cd0f3d9f3d42eac4b575768e1cc15292] [default/fedora-deployment-7575f87ff9-zsxn4 ad79dd3cae2322a8f0d50bbfba9a3ea0cd0f3d9f3d42eac4b57
5768e1cc15292] failed to get pod annotation: timed out waiting for annotations: context deadline exceeded`,
    family: "cni-agent-not-running",
    cni: "ovn-kubernetes",
    phase: "add",
    runtime: "containerd",
    signature: "ovn-kubernetes-annotation-timeout",
  },
  {
    source:
      "ovn-kubernetes/ovn-kubernetes#1523 (dockershim; Multus relaying ovn-kubernetes, no plugin type printed; line breaks as quoted)",
    message: `(combined from similar events): Failed to create pod sandbox: rpc error:
code = Unknown desc = failed to set up sandbox container
"725605bae050f124c29cbccd603207bcbdf26e097185186a7d4ab0b4b48a8fdc"
network for pod "web": networkPlugin cni failed to set up pod "web"
network: [default/web:ovn-kubernetes]: error adding container to network
"ovn-kubernetes": CNI request failed with status 400: [default/web]
failed to get pod annotation: timed out waiting for the condition`,
    family: "cni-agent-not-running",
    cni: "ovn-kubernetes",
    phase: "add",
    runtime: "dockershim",
    signature: "ovn-kubernetes-annotation-timeout",
    wrappedBy: "multus",
  },
  {
    source:
      "ovn-kubernetes/ovn-kubernetes#3859 (Multus relaying an OVN-Kubernetes secondary network; line breaks as printed)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup 
network for sandbox "c9a97fe6dcc3e0418177fe6e489a74078618ede4c28ec017dee0db1a586ac72d": plugin type="multus" 
name="multus-cni-network" failed (add): [steve/virt-launcher-vm-client-d6zgg/4ff77701-99f9-4fab-b2e1-2680610f353b:l2- 
network]: error adding container to network "l2-network": CNI request failed with status 400: '[steve/virt-launcher-vm-client- 
d6zgg c9a97fe6dcc3e0418177fe6e489a74078618ede4c28ec017dee0db1a586ac72d network l2-network NAD steve/l2- 
network] [steve/virt-launcher-vm-client-d6zgg c9a97fe6dcc3e0418177fe6e489a74078618ede4c28ec017dee0db1a586ac72d 
network l2-network NAD steve/l2-network] failed to get pod annotation: timed out waiting for annotations: context deadline 
exceeded`,
    family: "cni-agent-not-running",
    cni: "ovn-kubernetes",
    phase: "add",
    runtime: "containerd",
    signature: "ovn-kubernetes-annotation-timeout",
    wrappedBy: "multus",
  },
];
