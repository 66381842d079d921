/**
 * Azure CNI: the azure-vnet plugin asks the node-local Azure CNS (the azure-cns DaemonSet, on localhost:10090) for an
 * address in dynamic and overlay modes; CNS takes IPs from the NodeNetworkConfig (NNC) the delegated controller fills
 * from the subnet (Azure/azure-container-networking docs; Azure/AKS#4342 for the CNS-down wording).
 */
import type { CniGuide } from "../guide.ts";

const CNS_POD =
  "kubectl -n kube-system get pods -l k8s-app=azure-cns -o wide --field-selector spec.nodeName=<node>";

export const AZURE_GUIDE: CniGuide = {
  cni: "azure",
  checks: {
    "cni-agent-not-running": [
      CNS_POD,
      "kubectl -n kube-system logs <agent-pod> --tail=100",
      "ssh <node> sudo tail -n 100 /var/log/azure-vnet.log",
    ],
    "ip-exhausted": [
      "kubectl -n kube-system get nodenetworkconfigs <node> -o yaml",
      "kubectl -n kube-system logs <agent-pod> --tail=200",
      "az network vnet subnet list-available-ips --resource-group <resource-group> --vnet-name <vnet> --name <subnet>",
    ],
  },
  causes: {
    "cni-agent-not-running": [
      "azure-cns on the node is down, restarting or not yet serving on localhost:10090.",
      "CNS has not received the node's NodeNetworkConfig yet (new node, delegated controller behind).",
    ],
    "ip-exhausted": [
      "CNS has no free IP in the node's NodeNetworkConfig and is waiting for more ('not enough IPs available … waiting on Azure CNS to allocate more').",
      "The pod subnet has no free addresses for the delegated controller to hand out.",
    ],
  },
  manualFix: {
    "ip-exhausted":
      "No. A human must add address space to the pod subnet or lower the pods per node; cni-doctor does not change Azure resources.",
  },
};
