import { apiServerDetails } from "./details.ts";
import type { Signature } from "./signature.ts";

const TLS_TRUST_FAILURES = [
  "x509:",
  "tls: failed to verify certificate",
  "certificate signed by unknown authority",
];

export const apiserverUntrusted: Signature = {
  id: "apiserver-untrusted",
  family: "cni-apiserver-untrusted",
  requiresNetworkContext: true,
  description:
    "A CNI plugin does not trust the API server's certificate (wrong or stale CA in its kubeconfig).",
  matches: ({ scope }) => TLS_TRUST_FAILURES.some((marker) => scope.includes(marker)),
  details: apiServerDetails,
};
