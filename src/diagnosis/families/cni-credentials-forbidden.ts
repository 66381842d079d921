/**
 * The CNI plugin is authenticated but RBAC denies the call it made (HTTP 403). A human fixes RBAC.
 */
import { agentPodCheck, type FailureFamily } from "./family.ts";

export const cniCredentialsForbidden: FailureFamily = {
  family: "cni-credentials-forbidden",
  guide: (_cni, agent) => ({
    title: "The CNI plugin is authenticated but not allowed (HTTP 403, RBAC)",
    whatFailed:
      "The API server accepted the CNI plugin's identity but RBAC does not grant the call it made, so the plugin " +
      "cannot read what it needs to set up or tear down pod networking.",
    likelyCauses: [
      "RBAC out of step with the CNI version: e.g. Calico v3.26+ runs its plugin as the calico-cni-plugin service account, which needs its own ClusterRole and binding.",
      "A ClusterRole or ClusterRoleBinding was edited, deleted, or rebound to another namespace's service account by another installer.",
    ],
    checks: [
      "kubectl auth can-i get <forbidden-resource> --as=system:serviceaccount:<service-account-namespace>:<service-account-name>",
      "kubectl get clusterrolebindings -o wide | grep <service-account-name>",
      agentPodCheck(agent),
    ],
    fix: {
      automatic: false,
      summary:
        "No. A human must apply the RBAC that matches the installed CNI version (re-apply the CNI's manifest, or let " +
        "its operator reconcile). cni-doctor never changes RBAC.",
    },
  }),
  clusterVerdict: () => ({
    rootCause: "rbac-forbidden",
    confidence: "high",
    facts: [
      "The CNI plugin authenticated but RBAC denies it (HTTP 403): its ClusterRole does not match the CNI version.",
    ],
  }),
};
