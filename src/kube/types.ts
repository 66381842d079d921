/**
 * The Kubernetes object types the rest of cni-doctor reads. src/kube is the only folder that imports
 * @kubernetes/client-node; everything else takes these names from here.
 */
export type {
  CoreV1Event,
  V1ConfigMap,
  V1ContainerStatus,
  V1DaemonSet,
  V1EndpointSlice,
  V1Endpoints,
  V1Lease,
  V1Node,
  V1NodeCondition,
  V1ObjectMeta,
  V1OwnerReference,
  V1Pod,
  V1Service,
  V1ServiceAccount,
  V1TokenReview,
} from "@kubernetes/client-node";

/** Which cluster a report is about: shown in every report so nobody acts on the wrong cluster. */
export interface ClusterIdentity {
  /** kubeconfig context name, or "in-cluster". */
  context: string;
  /** API server URL. */
  server: string;
  /** SHA-256 of the cluster CA certificate (DER), lower-case hex; null when the kubeconfig carries no CA. */
  caFingerprint: string | null;
}

/** The short CA fingerprint people compare by eye, e.g. "2c3b01c1e466". */
export function shortFingerprint(fingerprint: string | null): string {
  return fingerprint ? fingerprint.slice(0, 12) : "no-ca";
}
