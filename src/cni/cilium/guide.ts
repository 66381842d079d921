/**
 * Cilium: the cilium-cni plugin asks the cilium-agent on the node over /var/run/cilium/cilium.sock; `cilium-dbg status`
 * (named `cilium status` inside the agent before v1.15) reports the agent's health and IPAM (cilium/cilium
 * Documentation/operations/troubleshooting.rst).
 */
import type { CniGuide } from "../guide.ts";

const AGENT_POD =
  "kubectl -n kube-system get pods -l k8s-app=cilium -o wide --field-selector spec.nodeName=<node>";

export const CILIUM_GUIDE: CniGuide = {
  cni: "cilium",
  checks: {
    "cni-agent-not-running": [
      AGENT_POD,
      "kubectl -n kube-system exec <agent-pod> -c cilium-agent -- cilium-dbg status --verbose",
      "kubectl -n kube-system logs <agent-pod> -c cilium-agent --tail=100",
    ],
    "ip-exhausted": [
      "kubectl get ciliumnode <node> -o jsonpath='{.spec.ipam}'",
      "kubectl -n kube-system exec <agent-pod> -c cilium-agent -- cilium-dbg status --verbose",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
    ],
  },
  causes: {
    "cni-agent-not-running": [
      "cilium-agent on the node is crash-looping, still starting (it answers the plugin only once its API is up), or not scheduled there.",
      "The agent cannot reach the API server or its kvstore, so it never becomes ready.",
    ],
  },
};
