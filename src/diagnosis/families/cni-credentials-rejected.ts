/**
 * The CNI plugin's token is refused (HTTP 401). Cluster-side, a down agent points at an expired token; otherwise a
 * stale config, an expired and a revoked token look the same until the node's files are read (forensics).
 */
import { agentPodCheck, type FailureFamily, LIST_CNI_CONFIG } from "./family.ts";

export const cniCredentialsRejected: FailureFamily = {
  family: "cni-credentials-rejected",
  repairs: "stale-cni-config",
  guide: (cni, agent) => ({
    title: "The CNI plugin's API credentials were rejected (HTTP 401)",
    whatFailed:
      "The CNI plugin on the node called the Kubernetes API with the token in its kubeconfig and the API server " +
      "refused it. Pod set-up and tear-down both fail on that node until the credentials are replaced.",
    likelyCauses: [
      "Stale CNI config from an earlier cluster: the node was reused after `kubeadm reset` (which leaves /etc/cni/net.d) and the kubeconfig belongs to the old cluster.",
      `The token expired and was not refreshed: ${agent.name} on the node is down, crash-looping or cannot write the file.`,
      "The token was revoked before expiry: service-account signing key rotated, or the service account deleted and recreated (e.g. a manifest-to-operator migration).",
      "The node's clock is far from the API server's.",
      ...(cni === "calico"
        ? [
            "Calico older than v3.23.2 used a pod-bound token that died with the calico-node pod that minted it.",
          ]
        : []),
    ],
    checks: [
      agentPodCheck(agent),
      LIST_CNI_CONFIG,
      ...(cni === "calico"
        ? [
            // The first two lines are the header install-cni writes; the token further down must never be printed.
            "ssh <node> sudo head -n 2 /etc/cni/net.d/calico-kubeconfig",
          ]
        : []),
      "kubectl get configmap kube-root-ca.crt -n kube-system -o jsonpath='{.data.ca\\.crt}' | openssl x509 -noout -fingerprint -sha256",
      "ssh <node> date -u",
    ],
    fix: {
      automatic: true,
      summary:
        `Yes, after approval: cni-doctor moves the stale CNI config aside (keeping a backup), restarts ${agent.name} ` +
        "on the affected node so it writes fresh credentials, and recreates the stuck pods, one node at a time.",
    },
  }),
  clusterVerdict: ({ agent, agentName, agentDown, agentFact }) => {
    if (agentName && agentDown) {
      return {
        rootCause: "cni-token-expired",
        confidence: "medium",
        facts: [
          "The API server rejects the CNI plugin's token (HTTP 401).",
          `${agentFact}; it refreshes the token only while it runs, so the token has most likely expired.`,
        ],
      };
    }
    return {
      rootCause: "stale-cni-config",
      confidence: "low",
      facts: [
        "The API server rejects the CNI plugin's token (HTTP 401).",
        ...(agent ? [`${agentFact}.`] : []),
        "Cluster-side guess: the node's CNI files were not inspected, so a stale kubeconfig from an earlier cluster, an expired token and a revoked token cannot be told apart yet. Inspecting the node (--nodes-file) settles it.",
      ],
    };
  },
};
