import type { CatalogMessage } from "./catalog-message.ts";

export const azure: CatalogMessage[] = [
  {
    source: "MicrosoftDocs/architecture-center#4402 (AKS network troubleshooting guide, line breaks joined)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox 'ac1b1354613465324654c1588ac64f1a756aa32f14732246ac4132133ba21364': plugin type='azure-vnet' failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: AllocateIPConfig failed: not enough IPs available for 9c6a7f37-dd43-4f7c-a01f-1ff41653609c, waiting on Azure CNS to allocate more with NC Status: , IP config request is [IPConfigRequest: DesiredIPAddress , PodInterfaceID a1876957-eth0, InfraContainerID a1231464635654a123646565456cc146841c1313546a515432161a45a5316541, OrchestratorContext {'PodName':'a_podname','PodNamespace':'my_namespace'}]`,
    family: "ip-exhausted",
    cni: "azure",
    phase: "add",
    runtime: "containerd",
    signature: "azure-cns-ip-exhausted",
  },
  {
    source: "Azure/AKS#4342",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to setup network for sandbox '3e16c561e9d521f52cd10e2a61965d2e063c27ac336f465aeee50eb77c055935': plugin type='azure-vnet' failed (add): IPAM Invoker Add failed with error: Failed to get IP address from CNS with error: %w: http request failed: Post 'http://localhost:10090/network/requestipconfig': dial tcp 127.0.0.1:10090: connect: connection refused`,
    family: "cni-agent-not-running",
    cni: "azure",
    phase: "add",
    runtime: "containerd",
    signature: "azure-cns-unreachable",
  },
  {
    source: "Azure/aks-engine#4263 (dockershim, dual stack)",
    message: `Failed to create pod sandbox: rpc error: code = Unknown desc = failed to set up sandbox container "cfaf5e13cb6ef35b93dcfb8e70978fe3c57e302da6cc90f287ba374772c0816e" network for pod "nginx-deployment-5f8bd9f69b-zbvfj": networkPlugin cni failed to set up pod "nginx-deployment-5f8bd9f69b-zbvfj_clusterip" network: Failed to allocate pool: Failed to delegate: Failed to allocate pool: No available address pools`,
    family: "ip-exhausted",
    cni: "azure",
    phase: "add",
    runtime: "dockershim",
    signature: "azure-ipam-exhausted",
  },
  {
    source: "Azure/AKS#2532 (quoted over several lines in the issue; the quote markers left off)",
    message: `Failed to create pod sandbox: rpc error: code
  = Unknown desc = failed to setup network for sandbox
  "ce54c8f820d18e4ea9eca3b7da6482d110f162a4b0bc03a905a33fb2712b1e4d": Failed to
  allocate pool: Failed to delegate: Failed to allocate address: No available
  addresses`,
    family: "ip-exhausted",
    cni: "azure",
    phase: "add",
    runtime: "containerd",
    signature: "azure-ipam-exhausted",
  },
  {
    source: "Azure/azure-container-networking#333 (azure-vnet.log line)",
    message: `2019/04/13 05:11:10 [azure-vnet] Failed to allocate pool: Failed to delegate: Failed to allocate address: No available addresses.`,
    family: "ip-exhausted",
    cni: "azure",
    phase: "none",
    runtime: "unknown",
    signature: "azure-ipam-exhausted",
  },
  {
    source:
      "https://github.com/MicrosoftDocs/architecture-center/blob/9c85b4c381f69d991c152e52e5c54740d3c089a7/docs/operator-guides/aks/troubleshoot-network-aks.md (event message from 'Failed create pod sandbox' on, line breaks joined)",
    message: `Failed create pod sandbox: rpc error: code = Unknown desc = NetworkPlugin cni failed to set up pod "deployment-azuredisk6-874857994-487td_default" network: Failed to allocate address: Failed to delegate: Failed to allocate address: No available addresses`,
    family: "ip-exhausted",
    cni: "azure",
    phase: "add",
    runtime: "dockershim",
    signature: "azure-ipam-exhausted",
  },
];
