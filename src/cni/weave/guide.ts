/**
 * Weave Net: the weave-net plugin asks the weave router on 127.0.0.1:6784; `weave --local status` inside the weave
 * container reports the router and its IPAM (weaveworks/weave site/troubleshooting.md).
 */
import type { CniGuide } from "../guide.ts";

const STATUS = "kubectl -n kube-system exec <agent-pod> -c weave -- /home/weave/weave --local status";

export const WEAVE_GUIDE: CniGuide = {
  cni: "weave",
  checks: {
    "cni-agent-not-running": [
      "kubectl -n kube-system get pods -l name=weave-net -o wide --field-selector spec.nodeName=<node>",
      STATUS,
      "kubectl -n kube-system logs <agent-pod> -c weave --tail=100",
    ],
    "ip-exhausted": [`${STATUS} ipam`],
  },
};
