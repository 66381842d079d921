/**
 * OVN-Kubernetes: the ovn-k8s-cni-overlay shim posts to ovnkube-node over
 * /var/run/ovn-kubernetes/cni/ovn-cni-server.sock; ovnkube-node runs in ovn-kubernetes (upstream) or
 * openshift-ovn-kubernetes (OpenShift).
 */
import type { CniGuide } from "../guide.ts";

export const OVN_KUBERNETES_GUIDE: CniGuide = {
  cni: "ovn-kubernetes",
  checks: {
    "cni-agent-not-running": [
      "kubectl get pods -A -l app=ovnkube-node -o wide --field-selector spec.nodeName=<node>",
      "kubectl logs -n <agent-namespace> <agent-pod> --all-containers --tail=100",
      "ssh <node> ls -la /var/run/ovn-kubernetes/cni/ovn-cni-server.sock",
      // "failed to get pod annotation": the controller that writes k8s.ovn.org/pod-networks never did.
      "kubectl get pod -n <namespace> <pod> -o jsonpath='{.metadata.annotations.k8s\\.ovn\\.org/pod-networks}'",
    ],
  },
};
