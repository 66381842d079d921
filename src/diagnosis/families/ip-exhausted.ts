/**
 * IPAM has no address to give. A human adds address space or clears leaked reservations.
 */
import type { FailureFamily } from "./family.ts";

export const ipExhausted: FailureFamily = {
  family: "ip-exhausted",
  guide: () => ({
    title: "IPAM has no address to give",
    whatFailed: "The CNI's IP address management could not allocate an address for the pod.",
    likelyCauses: [
      "Leaked reservations: host-local keeps one file per address under /var/lib/cni/networks/<network>, and a runtime crash can leave them behind.",
      "The node's pod CIDR (or the Calico pool / block size, the subnet of an AWS ENI) is too small for the pods scheduled there.",
      "Cilium refuses addresses in a pod CIDR that overlaps a route already on the node.",
    ],
    checks: [
      "kubectl get pods -A -o wide --field-selector spec.nodeName=<node>",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
      "ssh <node> sudo sh -c 'ls /var/lib/cni/networks/*/ | wc -l'",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must add address space (pool, subnet, pod CIDR) or clear leaked reservations after checking they are unused.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "ip-exhausted",
    confidence: "high",
    facts: ["IPAM has no free address for new pods."],
  }),
};
