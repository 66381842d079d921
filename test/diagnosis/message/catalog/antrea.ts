import type { CatalogMessage } from "./catalog-message.ts";

export const antrea: CatalogMessage[] = [
  {
    source: "kubernetes/kubernetes#107127",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox "3d86404cbfedf687310a59c6ff4f6607263be0add828e0cb6da456512845c67b": rpc error: code = Unavailable desc = connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory"`,
    family: "cni-agent-not-running",
    cni: "antrea",
    phase: "add",
    runtime: "containerd",
    signature: "antrea-agent-unreachable",
  },
  {
    source: "antrea-io/antrea#832",
    message: `NetworkPlugin cni failed to set up pod "pod_name" network: rpc error: code = Unavailable desc = all SubConns are in TransientFailure, latest connection error: connection error: desc = "transport: Error while dialing dial unix /var/run/antrea/cni.sock: connect: no such file or directory`,
    family: "cni-agent-not-running",
    cni: "antrea",
    phase: "add",
    runtime: "dockershim",
    signature: "antrea-agent-unreachable",
  },
  {
    source: "Azure/aks-engine#3027 (dockershim; cut after the set-up error, before the clean-up part)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = [failed to set up sandbox container "867fc2f5602058f65bcea07bf38a99953859a064c3fb452d9d4f22e84f798b41" network for pod "coredns-autoscaler-7d65c98977-gbd8g": NetworkPlugin cni failed to set up pod "coredns-autoscaler-7d65c98977-gbd8g_kube-system" network: failed to find plugin "antrea" in path [/opt/cni/bin]`,
    family: "cni-plugin-missing",
    cni: "antrea",
    phase: "add",
    runtime: "dockershim",
    signature: "cni-plugin-not-found",
  },
];
