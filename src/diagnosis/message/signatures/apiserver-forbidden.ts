import { rbacDenialDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

/** Any CNI plugin (Multus, Calico delegates …) whose API call is denied by RBAC. */
export const apiserverForbidden: Signature = {
  id: "apiserver-forbidden",
  family: "cni-credentials-forbidden",
  requiresNetworkContext: true,
  description:
    "A CNI plugin authenticated to the API server but RBAC does not allow the call it made (HTTP 403).",
  matches: ({ scope }) => scope.includes(' is forbidden: user "') || scope.includes('": forbidden'),
  details: rbacDenialDetails,
};
