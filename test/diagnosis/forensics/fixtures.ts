/**
 * Realistic node-forensics fixtures: cluster CAs (real X.509 certificates), Calico's calico-kubeconfig in the exact
 * template install-cni and calico-node's refresher write, and service-account JWTs signed here with jose.
 */
import "reflect-metadata";
import { webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";
import { generateKeyPair, SignJWT } from "jose";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;

export interface TestCa {
  pem: string;
  /** SHA-256 of the DER, lower-case hex. */
  fingerprint: string;
}

export async function makeCa(commonName = "kubernetes"): Promise<TestCa> {
  const keys = await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"]);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: "01",
    name: `CN=${commonName}`,
    notBefore: new Date(Date.UTC(2026, 0, 1)),
    notAfter: new Date(Date.UTC(2036, 0, 1)),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [new x509.BasicConstraintsExtension(true, undefined, true)],
  });
  const fingerprint = Buffer.from(await cert.getThumbprint("SHA-256")).toString("hex");
  return { pem: cert.toString("pem"), fingerprint };
}

export const INSTALL_CNI_LINE = "# Kubeconfig file for Calico CNI plugin.";
export const REFRESHER_LINE = "# Kubeconfig file for Calico CNI plugin. Installed by calico/node.";

/** calico-kubeconfig exactly as Calico's template writes it. */
export function calicoKubeconfig(options: {
  header?: string;
  server?: string;
  caPem: string;
  token: string;
}): string {
  return `${options.header ?? REFRESHER_LINE}
apiVersion: v1
kind: Config
clusters:
- name: local
  cluster:
    server: ${options.server ?? "https://10.96.0.1:443"}
    certificate-authority-data: "${Buffer.from(options.caPem).toString("base64")}"
users:
- name: calico
  user:
    token: ${options.token}
contexts:
- name: calico-context
  context:
    cluster: local
    user: calico
current-context: calico-context`;
}

export const CALICO_CONFLIST = JSON.stringify(
  {
    name: "k8s-pod-network",
    cniVersion: "0.3.1",
    plugins: [
      {
        type: "calico",
        log_level: "info",
        datastore_type: "kubernetes",
        nodename: "k8s-worker1",
        mtu: 0,
        ipam: { type: "calico-ipam" },
        policy: { type: "k8s" },
        kubernetes: { kubeconfig: "/etc/cni/net.d/calico-kubeconfig" },
      },
      { type: "portmap", snat: true, capabilities: { portMappings: true } },
      { type: "bandwidth", capabilities: { bandwidth: true } },
    ],
  },
  null,
  2,
);

/** What a Cilium agent leaves behind in the conf dir. */
export const CILIUM_CONFLIST = JSON.stringify({
  cniVersion: "0.3.1",
  name: "cilium",
  plugins: [{ type: "cilium-cni", "enable-debug": false, "log-file": "/var/run/cilium/cilium-cni.log" }],
});

export const ISSUER = "https://kubernetes.default.svc.cluster.local";
const signingKey = generateKeyPair("RS256");

export interface TokenSpec {
  issuer?: string;
  namespace?: string;
  serviceAccount?: string;
  serviceAccountUid?: string;
  pod?: { name: string; uid: string };
  issuedAt: Date;
  expiresAt: Date;
}

/** A bound service-account token as the TokenRequest API issues it. */
export async function signBoundToken(spec: TokenSpec): Promise<string> {
  const { privateKey } = await signingKey;
  const namespace = spec.namespace ?? "calico-system";
  const name = spec.serviceAccount ?? "calico-cni-plugin";
  const iat = Math.floor(spec.issuedAt.getTime() / 1000);
  return new SignJWT({
    "kubernetes.io": {
      namespace,
      serviceaccount: { name, uid: spec.serviceAccountUid ?? "6f1c9a52-3b7e-4c1d-9a0e-1f2b3c4d5e6f" },
      ...(spec.pod ? { pod: spec.pod } : {}),
    },
  })
    .setProtectedHeader({ alg: "RS256", kid: "kid-test-1" })
    .setIssuer(spec.issuer ?? ISSUER)
    .setSubject(`system:serviceaccount:${namespace}:${name}`)
    .setAudience([ISSUER])
    .setIssuedAt(iat)
    .setNotBefore(iat)
    .setExpirationTime(Math.floor(spec.expiresAt.getTime() / 1000))
    .setJti("a1b2c3d4-0000-4000-8000-000000000000")
    .sign(privateKey);
}

/** A legacy secret-based token (Kubernetes < 1.24 style): no expiry, `kubernetes.io/serviceaccount/...` claims. */
export async function signLegacyToken(uid: string): Promise<string> {
  const { privateKey } = await signingKey;
  return new SignJWT({
    "kubernetes.io/serviceaccount/namespace": "kube-system",
    "kubernetes.io/serviceaccount/secret.name": "calico-node-token-x7kq2",
    "kubernetes.io/serviceaccount/service-account.name": "calico-node",
    "kubernetes.io/serviceaccount/service-account.uid": uid,
  })
    .setProtectedHeader({ alg: "RS256", kid: "kid-test-1" })
    .setIssuer("kubernetes/serviceaccount")
    .setSubject("system:serviceaccount:kube-system:calico-node")
    .sign(privateKey);
}
