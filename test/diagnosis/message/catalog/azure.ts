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
];
