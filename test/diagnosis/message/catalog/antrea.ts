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
];
