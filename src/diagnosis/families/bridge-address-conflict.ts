/**
 * The bridge still holds an address from an earlier pod CIDR. A human deletes it in a maintenance window.
 */
import type { FailureFamily } from "./family.ts";

export const bridgeAddressConflict: FailureFamily = {
  family: "bridge-address-conflict",
  guide: () => ({
    title: "A stale bridge from an earlier pod CIDR",
    whatFailed:
      "The bridge plugin wanted to give the bridge (usually cni0) the gateway address of the node's current pod CIDR, " +
      "but the bridge already holds an address from another CIDR.",
    likelyCauses: [
      "The node rejoined the cluster (or flannel leased a new subnet) and got a different pod CIDR.",
      "A bridge from an earlier CNI installation was never removed.",
    ],
    checks: [
      "ssh <node> ip -4 addr show cni0",
      "kubectl get node <node> -o jsonpath='{.spec.podCIDR}'",
      "ssh <node> cat /run/flannel/subnet.env",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must delete the stale bridge (ip link delete cni0) in a maintenance window: it cuts every pod on that node.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "bridge-address-conflict",
    confidence: "high",
    facts: ["The node's bridge still carries an address from an earlier pod CIDR."],
  }),
};
