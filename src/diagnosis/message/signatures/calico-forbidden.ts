import { rbacDenialDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

/** Calico reports both 401 and 403 as "connection is unauthorized"; a 403 carries "is forbidden" or ends in Forbidden. */
export const calicoForbidden: Signature = {
  id: "calico-forbidden",
  family: "cni-credentials-forbidden",
  proves: "calico",
  requiresNetworkContext: false,
  description:
    "Calico's CNI plugin authenticated to the API server but RBAC does not allow what it asked for (HTTP 403).",
  matches: ({ scope }) =>
    (scope.includes("connection is unauthorized") || scope.includes("clusterinformation")) &&
    (scope.includes(" is forbidden") || scope.includes('": forbidden')),
  details: rbacDenialDetails,
};
