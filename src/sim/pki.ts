// @peculiar/x509 resolves its ASN.1 codecs through tsyringe, which needs the Reflect metadata polyfill loaded first.
import "reflect-metadata";
import { createHash, webcrypto } from "node:crypto";
import * as x509 from "@peculiar/x509";

x509.cryptoProvider.set(webcrypto as unknown as Crypto);

/** The key pair WebCrypto returns; spelled out because this project builds without the DOM lib. */
type KeyPair = { publicKey: CryptoKey; privateKey: CryptoKey };

const EC_P256 = { name: "ECDSA", namedCurve: "P-256", hash: "SHA-256" } as const;
const DAY_MS = 24 * 60 * 60 * 1000;

export interface CertificateAuthority {
  /** PEM of the CA certificate: what kube-root-ca.crt and certificate-authority-data carry. */
  certPem: string;
  /** SHA-256 of the CA certificate's DER, hex; the fingerprint reports show. */
  fingerprint: string;
  cert: x509.X509Certificate;
  keys: KeyPair;
}

export interface ServingCertificate {
  certPem: string;
  keyPem: string;
}

/** A fresh cluster CA, as kubeadm init makes one (`CN=kubernetes`), valid ten years from `notBefore`. */
export async function createClusterCA(
  notBefore = new Date(),
  commonName = "kubernetes",
): Promise<CertificateAuthority> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as KeyPair;
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: randomSerial(),
    name: `CN=${commonName}`,
    notBefore: new Date(notBefore.getTime() - 60_000),
    notAfter: new Date(notBefore.getTime() + 3650 * DAY_MS),
    signingAlgorithm: EC_P256,
    keys,
    extensions: [
      new x509.BasicConstraintsExtension(true, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign | x509.KeyUsageFlags.digitalSignature,
        true,
      ),
      await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
    ],
  });
  return { cert, keys, certPem: cert.toString("pem"), fingerprint: derFingerprint(cert) };
}

/** The API server's serving certificate for 127.0.0.1 and localhost, signed by the cluster CA. */
export async function createServingCertificate(ca: CertificateAuthority): Promise<ServingCertificate> {
  const keys = (await webcrypto.subtle.generateKey(EC_P256, true, ["sign", "verify"])) as KeyPair;
  const now = Date.now();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: randomSerial(),
    subject: "CN=kube-apiserver",
    issuer: ca.cert.subject,
    notBefore: new Date(now - 60_000),
    notAfter: new Date(now + 365 * DAY_MS),
    signingAlgorithm: EC_P256,
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(
        x509.KeyUsageFlags.digitalSignature | x509.KeyUsageFlags.keyEncipherment,
        true,
      ),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([
        { type: "ip", value: "127.0.0.1" },
        { type: "dns", value: "localhost" },
        { type: "dns", value: "kubernetes.default.svc" },
      ]),
      await x509.AuthorityKeyIdentifierExtension.create(ca.cert),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey("pkcs8", keys.privateKey);
  return { certPem: cert.toString("pem"), keyPem: toPem(new Uint8Array(pkcs8), "PRIVATE KEY") };
}

function derFingerprint(cert: x509.X509Certificate): string {
  return createHash("sha256").update(new Uint8Array(cert.rawData)).digest("hex");
}

function randomSerial(): string {
  // Positive, 16 bytes, as real CAs use.
  const bytes = webcrypto.getRandomValues(new Uint8Array(16));
  bytes[0] = (bytes[0] as number) & 0x7f;
  return Buffer.from(bytes).toString("hex");
}

function toPem(der: Uint8Array, label: string): string {
  const b64 = Buffer.from(der).toString("base64");
  const lines = b64.match(/.{1,64}/g) ?? [];
  return `-----BEGIN ${label}-----\n${lines.join("\n")}\n-----END ${label}-----\n`;
}
