/**
 * Antrea: the antrea CNI binary forwards every call to antrea-agent over /var/run/antrea/cni.sock (antrea-io/antrea
 * pkg/cni); `antctl get agentinfo` inside the agent shows its state (antrea docs/antctl.md).
 */
import type { CniGuide } from "../guide.ts";

export const ANTREA_GUIDE: CniGuide = {
  cni: "antrea",
  checks: {
    "cni-agent-not-running": [
      "kubectl -n kube-system get pods -l component=antrea-agent -o wide --field-selector spec.nodeName=<node>",
      "kubectl -n kube-system logs <agent-pod> -c antrea-agent --tail=100",
      "kubectl -n kube-system exec <agent-pod> -c antrea-agent -- antctl get agentinfo",
      "ssh <node> ls -la /var/run/antrea/cni.sock",
    ],
  },
  causes: {
    "cni-agent-not-running": [
      "antrea-agent on the node is crash-looping or still starting, so nothing listens on /var/run/antrea/cni.sock.",
      "antrea-ovs (Open vSwitch) on the node is down, and the agent cannot finish its set-up.",
    ],
  },
};
