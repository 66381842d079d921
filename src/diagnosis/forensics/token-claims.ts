/**
 * Reads a Kubernetes service-account token's claims by decoding only (no signature check: the API server's
 * TokenReview is the verdict that counts). Pure. Handles both bound tokens (`kubernetes.io` claim, TokenRequest) and
 * legacy secret-based ones (`kubernetes.io/serviceaccount/...` claims, no expiry).
 */
import { createHash } from "node:crypto";
import { decodeJwt, decodeProtectedHeader, type JWTPayload } from "jose";
import type { TokenClaims } from "./inspection.ts";

/** `sha256:` + 16 hex digits: identifies a token across nodes and runs without revealing it. */
export function tokenFingerprint(token: string): string {
  return `sha256:${createHash("sha256").update(token, "utf8").digest("hex").slice(0, 16)}`;
}

export type ClaimsDecode = { ok: true; claims: TokenClaims } | { ok: false; problem: string };

export function decodeTokenClaims(token: string): ClaimsDecode {
  let payload: JWTPayload;
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    header = decodeProtectedHeader(token);
    payload = decodeJwt(token);
  } catch {
    // jose's messages do not echo the token, but a fixed text keeps that guaranteed.
    return { ok: false, problem: "not a decodable JWT" };
  }
  const k8s = objectOrNull(payload["kubernetes.io"]);
  const legacy = (key: string) => stringOrNull(payload[`kubernetes.io/serviceaccount/${key}`]);
  const sa = objectOrNull(k8s?.serviceaccount);
  const subject = stringOrNull(payload.sub);
  const fromSubject = parseServiceAccountSubject(subject);
  const serviceAccount =
    sa || legacy("service-account.name") || fromSubject
      ? {
          namespace: stringOrNull(k8s?.namespace) ?? legacy("namespace") ?? fromSubject?.namespace ?? null,
          name: stringOrNull(sa?.name) ?? legacy("service-account.name") ?? fromSubject?.name ?? null,
          uid: stringOrNull(sa?.uid) ?? legacy("service-account.uid"),
        }
      : null;
  return {
    ok: true,
    claims: {
      issuer: stringOrNull(payload.iss),
      subject,
      audiences:
        typeof payload.aud === "string" ? [payload.aud] : Array.isArray(payload.aud) ? payload.aud : [],
      serviceAccount,
      pod: boundObject(k8s?.pod),
      node: boundObject(k8s?.node),
      issuedAt: epochToIso(payload.iat),
      notBefore: epochToIso(payload.nbf),
      expiresAt: epochToIso(payload.exp),
      keyId: stringOrNull(header.kid),
      algorithm: stringOrNull(header.alg),
    },
  };
}

function parseServiceAccountSubject(subject: string | null): { namespace: string; name: string } | null {
  const m = subject ? /^system:serviceaccount:([^:]+):([^:]+)$/.exec(subject) : null;
  return m ? { namespace: m[1] as string, name: m[2] as string } : null;
}

function boundObject(value: unknown): { name: string; uid: string | null } | null {
  const o = objectOrNull(value);
  const name = stringOrNull(o?.name);
  return name ? { name, uid: stringOrNull(o?.uid) } : null;
}

function objectOrNull(value: unknown): Record<string, unknown> | null {
  return value !== null && typeof value === "object" && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" && value !== "" ? value : null;
}

function epochToIso(value: unknown): string | null {
  if (typeof value !== "number" || !Number.isFinite(value)) return null;
  const d = new Date(value * 1000);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}
