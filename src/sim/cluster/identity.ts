import { createHash } from "node:crypto";
import { exportSPKI, generateKeyPair } from "jose";
import { type CertificateAuthority, createClusterCA } from "../pki.ts";

/** What kube-apiserver's --service-account-issuer is on a kubeadm cluster. */
export const SERVICE_ACCOUNT_ISSUER = "https://kubernetes.default.svc.cluster.local";

/**
 * Everything `kubeadm init` creates that outlives a pod: the cluster CA (/etc/kubernetes/pki/ca.crt) and the
 * service-account signing key (sa.key). A re-initialised control plane gets a new one of each; nodes that were not
 * cleaned keep files made under the old one.
 */
export interface ClusterIdentity {
  /** "current" or "previous": only for messages and tests. */
  label: string;
  createdAt: Date;
  ca: CertificateAuthority;
  issuer: string;
  signingKey: {
    privateKey: CryptoKey;
    publicKey: CryptoKey;
    /** kube-apiserver's key id: unpadded base64url of SHA-256 over the public key's DER (keyIDFromPublicKey). */
    kid: string;
  };
}

export async function createClusterIdentity(label: string, createdAt: Date): Promise<ClusterIdentity> {
  // kubeadm generates an RSA sa.key, so service-account tokens are RS256.
  const [ca, keys] = await Promise.all([
    createClusterCA(createdAt),
    generateKeyPair("RS256", { modulusLength: 2048, extractable: true }),
  ]);
  const spkiPem = await exportSPKI(keys.publicKey);
  const der = Buffer.from(spkiPem.replace(/-----[^-]+-----|\s/g, ""), "base64");
  const kid = createHash("sha256").update(der).digest("base64url");
  return {
    label,
    createdAt,
    ca,
    issuer: SERVICE_ACCOUNT_ISSUER,
    signingKey: { privateKey: keys.privateKey, publicKey: keys.publicKey, kid },
  };
}
