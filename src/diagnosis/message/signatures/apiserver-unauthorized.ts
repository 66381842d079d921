import { apiServerDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

/** Multus ("error getting pod: Unauthorized"), other API-reading plugins, and Calico's bare "Unauthorized". */
export const apiserverUnauthorized: Signature = {
  id: "apiserver-unauthorized",
  family: "cni-credentials-rejected",
  requiresNetworkContext: true,
  description: "The API server rejected a CNI plugin's credentials (HTTP 401).",
  matches: ({ scope }) => scope.includes("unauthorized"),
  details: apiServerDetails,
};
