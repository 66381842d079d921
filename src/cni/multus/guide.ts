/**
 * Multus: a meta-plugin that calls the cluster's default network (its delegate) and any extra networks; its errors wrap
 * the delegate's (`multus: [ns/pod/uid]: error adding container to network "x": <delegate's error>`), so the delegate
 * is usually what failed (k8snetworkplumbingwg/multus-cni docs/troubleshooting).
 */
import type { CniGuide } from "../guide.ts";

export const MULTUS_GUIDE: CniGuide = {
  cni: "multus",
  checks: {
    "cni-agent-not-running": [
      "kubectl get pods -A -l app=multus -o wide --field-selector spec.nodeName=<node>",
      "kubectl logs -n <agent-namespace> <agent-pod> --tail=100",
      "ssh <node> sudo ls -la /etc/cni/net.d /etc/cni/net.d/multus.d",
      "kubectl get network-attachment-definitions -A",
    ],
  },
};
