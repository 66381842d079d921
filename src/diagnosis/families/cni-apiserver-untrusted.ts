/**
 * The CNI plugin's CA does not match the API server's certificate. A human decides which CA is right.
 */
import { agentPodCheck, type FailureFamily, LIST_CNI_CONFIG } from "./family.ts";

export const cniApiserverUntrusted: FailureFamily = {
  family: "cni-apiserver-untrusted",
  guide: (_cni, agent) => ({
    title: "The CNI plugin does not trust the API server's certificate",
    whatFailed:
      "The TLS handshake between the CNI plugin and the API server failed: the CA in the plugin's kubeconfig does not " +
      "match the certificate the API server (or whatever answered on its address) presented.",
    likelyCauses: [
      "The CNI kubeconfig carries the CA of an earlier cluster (node reused without cleaning /etc/cni/net.d).",
      "The cluster CA was rotated and the CNI agent has not rewritten its kubeconfig.",
      "A proxy or load balancer in the path terminates TLS with its own certificate.",
    ],
    checks: [
      "kubectl get configmap kube-root-ca.crt -n kube-system -o jsonpath='{.data.ca\\.crt}' | openssl x509 -noout -fingerprint -sha256",
      LIST_CNI_CONFIG,
      agentPodCheck(agent),
      "ssh <node> curl -sS --max-time 5 -o /dev/null -w '%{http_code}\\n' <api-server>/readyz",
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must decide which CA is right: remove a config left by an earlier cluster, or restart the CNI " +
        "agent after a CA rotation. cni-doctor shows the fingerprints but does not change trust.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "apiserver-untrusted",
    confidence: "medium",
    facts: ["The CNI plugin does not trust the API server's certificate: its CA is not the cluster's."],
  }),
};
