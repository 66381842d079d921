/**
 * Flannel: the flannel plugin reads /run/flannel/subnet.env, which flanneld (kube-flannel DaemonSet, in kube-flannel
 * or kube-system) writes from the node's podCIDR (flannel-io/flannel Documentation/troubleshooting.md).
 */
import type { CniGuide } from "../guide.ts";

export const FLANNEL_GUIDE: CniGuide = {
  cni: "flannel",
  checks: {
    "cni-agent-not-running": [
      "kubectl get pods -A -l app=flannel -o wide --field-selector spec.nodeName=<node>",
      "kubectl logs -n <agent-namespace> <agent-pod> -c kube-flannel --tail=100",
      "ssh <node> cat /run/flannel/subnet.env",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
    ],
  },
};
