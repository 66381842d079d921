/**
 * The CNI plugin cannot reach the API server. A human restores the path; pods recover by themselves.
 */
import { agentPodCheck, type FailureFamily } from "./family.ts";

export const cniApiserverUnreachable: FailureFamily = {
  family: "cni-apiserver-unreachable",
  guide: (_cni, agent) => ({
    title: "The CNI plugin cannot reach the API server",
    whatFailed:
      "The CNI plugin's call to the API server (normally the kubernetes Service VIP, e.g. 10.96.0.1:443) timed out, " +
      "was refused, or was answered with 'unavailable', so the pod network could not be set up or torn down.",
    likelyCauses: [
      "kube-proxy is not running on the node, so the Service VIP is not programmed.",
      "An HTTP proxy configured for the container runtime does not exclude the service and pod CIDRs.",
      "The API server is overloaded or restarting, or a firewall drops node-to-control-plane traffic.",
    ],
    checks: [
      "kubectl get pods -n kube-system -l k8s-app=kube-proxy -o wide --field-selector spec.nodeName=<node>",
      "ssh <node> curl -sS --max-time 5 -o /dev/null -w '%{http_code}\\n' -k <api-server>/readyz",
      "ssh <node> systemctl show containerd --property=Environment",
      agentPodCheck(agent),
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must restore the path from the node to the API server (kube-proxy, runtime proxy settings, " +
        "firewall, API server health); the stuck pods recover on their own once it works.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "apiserver-unreachable",
    confidence: "medium",
    facts: [
      "The CNI plugin cannot reach the API server, usually the kubernetes Service VIP through kube-proxy.",
    ],
  }),
};
