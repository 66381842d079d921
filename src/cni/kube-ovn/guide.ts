/**
 * Kube-OVN: the kube-ovn plugin posts to the kube-ovn-cni daemon on /run/openvswitch/kube-ovn-daemon.sock
 * (kubeovn/kube-ovn#5836); addresses come from its Subnet objects, whose status counts the free ones.
 */
import type { CniGuide } from "../guide.ts";

export const KUBE_OVN_GUIDE: CniGuide = {
  cni: "kube-ovn",
  checks: {
    "cni-agent-not-running": [
      "kubectl -n kube-system get pods -l app=kube-ovn-cni -o wide --field-selector spec.nodeName=<node>",
      "kubectl -n kube-system logs <agent-pod> --tail=100",
      "ssh <node> ls -la /run/openvswitch/kube-ovn-daemon.sock",
      "kubectl -n kube-system get pods -l app=ovs -o wide --field-selector spec.nodeName=<node>",
    ],
    "ip-exhausted": [
      "kubectl get subnets",
      "kubectl -n kube-system logs deploy/kube-ovn-controller --tail=100",
    ],
  },
};
