import { apiServerDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

/** The seed incident: the token in calico-kubeconfig is stale, expired or revoked (HTTP 401). */
export const calicoUnauthorized: Signature = {
  id: "calico-unauthorized",
  family: "cni-credentials-rejected",
  proves: "calico",
  requiresNetworkContext: false,
  description: "The API server rejected the credentials in Calico's CNI kubeconfig (HTTP 401).",
  matches: ({ scope }) =>
    scope.includes("connection is unauthorized") ||
    (scope.includes("clusterinformation") && scope.includes("unauthorized")),
  details: apiServerDetails,
};
