import { randomUUID } from "node:crypto";
import { compactVerify, SignJWT } from "jose";
import type { KubeObject } from "../objects.ts";
import { type ObjectStore, StoreError } from "../store.ts";
import type { ClusterIdentity } from "./identity.ts";
import { isoSeconds } from "./time.ts";

export interface UserInfo {
  username: string;
  uid?: string;
  groups: string[];
  extra?: Record<string, string[]>;
}

/** The API server's default token audience on a kubeadm cluster (it equals the issuer). */
export const DEFAULT_AUDIENCES = ["https://kubernetes.default.svc.cluster.local"];
/** Lifetime when a TokenRequest names none (kube-apiserver's default). */
export const DEFAULT_TOKEN_SECONDS = 3600;
/** go-jose's jwt.DefaultLeeway, which kube-apiserver applies to exp and nbf. */
const LEEWAY_MS = 60_000;
/** kube-apiserver refuses TokenRequests shorter than ten minutes. */
const MIN_TOKEN_SECONDS = 600;

interface Ref {
  name: string;
  uid: string;
}

export interface MintRequest {
  namespace: string;
  serviceAccount: Ref;
  pod?: Ref;
  node?: Ref;
  audiences?: string[];
  expirationSeconds?: number;
  /** When the token was issued; scenarios mint tokens in the past. Defaults to now. */
  issuedAt?: Date;
}

export interface MintedToken {
  token: string;
  expirationTimestamp: string;
  /** The token's jti: what kube-apiserver puts in the credential-id user extra. */
  jti: string;
}

/** Private claims under "kubernetes.io", as pkg/serviceaccount/claims.go writes them. */
interface KubernetesClaims {
  namespace?: string;
  serviceaccount?: Partial<Ref>;
  pod?: Partial<Ref>;
  node?: Partial<Ref>;
  secret?: Partial<Ref>;
}

export type TokenVerdict =
  | { authenticated: true; user: UserInfo; audiences: string[] }
  | { authenticated: false; error?: string };

/**
 * Signs a service-account token with `identity`'s key exactly as kube-apiserver does: RS256, the key id in the header,
 * claims aud/exp/iat/iss/jti/kubernetes.io/nbf/sub (Go marshals them in that order).
 */
export async function signServiceAccountToken(
  identity: ClusterIdentity,
  request: MintRequest,
): Promise<MintedToken> {
  const issuedAt = request.issuedAt ?? new Date();
  const iat = Math.floor(issuedAt.getTime() / 1000);
  const exp = iat + (request.expirationSeconds ?? DEFAULT_TOKEN_SECONDS);
  const jti = randomUUID();
  const kubernetes: KubernetesClaims = {
    namespace: request.namespace,
    ...(request.node ? { node: { name: request.node.name, uid: request.node.uid } } : {}),
    ...(request.pod ? { pod: { name: request.pod.name, uid: request.pod.uid } } : {}),
    serviceaccount: { name: request.serviceAccount.name, uid: request.serviceAccount.uid },
  };
  const payload = {
    aud: request.audiences ?? DEFAULT_AUDIENCES,
    exp,
    iat,
    iss: identity.issuer,
    jti,
    "kubernetes.io": kubernetes,
    nbf: iat,
    sub: `system:serviceaccount:${request.namespace}:${request.serviceAccount.name}`,
  };
  const token = await new SignJWT(payload)
    .setProtectedHeader({ alg: "RS256", kid: identity.signingKey.kid })
    .sign(identity.signingKey.privateKey);
  return { token, expirationTimestamp: isoSeconds(new Date(exp * 1000)), jti };
}

/**
 * The cluster's service-account token issuer and authenticator: TokenRequest, TokenReview and bearer-token
 * authentication for the API server. Verdicts and error texts follow kube-apiserver's JWT authenticator
 * (pkg/serviceaccount/jwt.go) and validator (pkg/serviceaccount/claims.go).
 */
export class TokenAuthority {
  private readonly store: ObjectStore;
  private readonly identity: ClusterIdentity;
  private readonly adminToken: string;

  constructor(store: ObjectStore, identity: ClusterIdentity, adminToken: string) {
    this.store = store;
    this.identity = identity;
    this.adminToken = adminToken;
  }

  get issuer(): string {
    return this.identity.issuer;
  }

  mint(request: MintRequest): Promise<MintedToken> {
    return signServiceAccountToken(this.identity, request);
  }

  /** Mints a token for an existing service account, as a client of TokenRequest would get it. */
  async mintFor(
    namespace: string,
    serviceAccountName: string,
    options: { expirationSeconds?: number; audiences?: string[]; pod?: KubeObject } = {},
  ): Promise<MintedToken> {
    const sa = this.store.mustGet("serviceaccounts", namespace, serviceAccountName);
    const pod = options.pod;
    const nodeName: string | undefined = pod?.spec?.nodeName;
    const node = nodeName ? this.store.get("nodes", undefined, nodeName) : undefined;
    return this.mint({
      namespace,
      serviceAccount: { name: sa.metadata.name, uid: sa.metadata.uid },
      ...(pod ? { pod: { name: pod.metadata.name, uid: pod.metadata.uid } } : {}),
      ...(node ? { node: { name: node.metadata.name, uid: node.metadata.uid } } : {}),
      ...(options.audiences ? { audiences: options.audiences } : {}),
      ...(options.expirationSeconds !== undefined ? { expirationSeconds: options.expirationSeconds } : {}),
    });
  }

  /** Judges a bearer token as kube-apiserver's token authenticators would. Never throws for a bad token. */
  async review(token: string, requestedAudiences?: string[]): Promise<TokenVerdict> {
    const parts = token.trim().split(".");
    if (token.trim().startsWith("{") || parts.length !== 3) return { authenticated: false };
    const header = decodeSegment(parts[0] as string);
    const claims = decodeSegment(parts[1] as string);
    // A token from another issuer is not ours to judge: the authenticator passes without an error.
    if (!claims || !header || claims.iss !== this.identity.issuer) return { authenticated: false };

    const kid = typeof header.kid === "string" ? header.kid : "";
    if (kid !== "" && kid !== this.identity.signingKey.kid) {
      return { authenticated: false, error: "invalid signature, no keys found" };
    }
    try {
      await compactVerify(token.trim(), this.identity.signingKey.publicKey);
    } catch {
      return { authenticated: false, error: "go-jose/go-jose: error in cryptographic primitive" };
    }

    const tokenAudiences = audiencesOf(claims.aud);
    const wanted =
      requestedAudiences && requestedAudiences.length > 0 ? requestedAudiences : DEFAULT_AUDIENCES;
    const audiences = (tokenAudiences.length > 0 ? tokenAudiences : DEFAULT_AUDIENCES).filter((a) =>
      wanted.includes(a),
    );
    if (audiences.length === 0) {
      return {
        authenticated: false,
        error: `token audiences ${goQuoteList(tokenAudiences)} is invalid for the target audiences ${goQuoteList(wanted)}`,
      };
    }

    const now = this.store.now().getTime();
    if (typeof claims.nbf === "number" && now + LEEWAY_MS < claims.nbf * 1000) {
      return { authenticated: false, error: "service account token is not valid yet" };
    }
    if (typeof claims.exp === "number" && now - LEEWAY_MS > claims.exp * 1000) {
      return { authenticated: false, error: "service account token has expired" };
    }
    if (typeof claims.iat === "number" && now + LEEWAY_MS < claims.iat * 1000) {
      return {
        authenticated: false,
        error: "service account token claims could not be validated due to unexpected validation error",
      };
    }

    const k8s = (claims["kubernetes.io"] ?? {}) as KubernetesClaims;
    const namespace = k8s.namespace ?? "";
    const saName = k8s.serviceaccount?.name ?? "";
    const sa = this.store.get("serviceaccounts", namespace, saName);
    if (!sa) return { authenticated: false, error: `serviceaccounts "${saName}" not found` };
    if (sa.metadata.deletionTimestamp && Date.parse(sa.metadata.deletionTimestamp) < now - LEEWAY_MS) {
      return { authenticated: false, error: `service account ${namespace}/${saName} has been deleted` };
    }
    if (sa.metadata.uid !== k8s.serviceaccount?.uid) {
      return {
        authenticated: false,
        error: `service account UID (${sa.metadata.uid}) does not match claim (${k8s.serviceaccount?.uid ?? ""})`,
      };
    }
    const extra: Record<string, string[]> = {};
    if (k8s.pod) {
      const pod = this.store.get("pods", namespace, k8s.pod.name ?? "");
      if (
        !pod ||
        (pod.metadata.deletionTimestamp && Date.parse(pod.metadata.deletionTimestamp) < now - LEEWAY_MS)
      ) {
        return { authenticated: false, error: "service account token has been invalidated" };
      }
      if (pod.metadata.uid !== k8s.pod.uid) {
        return {
          authenticated: false,
          error: `pod UID (${pod.metadata.uid}) does not match service account pod ref claim (${k8s.pod.uid ?? ""})`,
        };
      }
      extra["authentication.kubernetes.io/pod-name"] = [pod.metadata.name];
      extra["authentication.kubernetes.io/pod-uid"] = [pod.metadata.uid];
    }
    if (k8s.node) {
      const node = this.store.get("nodes", undefined, k8s.node.name ?? "");
      // A pod-bound token only names its node for information; a token bound to the node itself dies with it.
      if (!k8s.pod && !node)
        return { authenticated: false, error: "service account token has been invalidated" };
      if (!k8s.pod && node && node.metadata.uid !== k8s.node.uid) {
        return {
          authenticated: false,
          error: `node UID (${node.metadata.uid}) does not match service account node ref claim (${k8s.node.uid ?? ""})`,
        };
      }
      extra["authentication.kubernetes.io/node-name"] = [k8s.node.name ?? ""];
      extra["authentication.kubernetes.io/node-uid"] = [k8s.node.uid ?? ""];
    }
    if (typeof claims.jti === "string")
      extra["authentication.kubernetes.io/credential-id"] = [`JTI=${claims.jti}`];
    return {
      authenticated: true,
      audiences,
      user: {
        username: `system:serviceaccount:${namespace}:${saName}`,
        uid: sa.metadata.uid,
        groups: ["system:serviceaccounts", `system:serviceaccounts:${namespace}`, "system:authenticated"],
        extra,
      },
    };
  }

  /** The API server's bearer-token authenticator: the static admin token, then service-account tokens. */
  async authenticate(token: string): Promise<UserInfo | null> {
    if (token === this.adminToken) {
      return { username: "kubernetes-admin", groups: ["system:masters", "system:authenticated"] };
    }
    const verdict = await this.review(token);
    return verdict.authenticated ? verdict.user : null;
  }

  /** POST /api/v1/namespaces/{ns}/serviceaccounts/{name}/token. Throws StoreError for what the real server refuses. */
  // biome-ignore lint/suspicious/noExplicitAny: a TokenRequest body as the client sent it
  async tokenRequest(namespace: string, saName: string, body: any, _user?: UserInfo): Promise<KubeObject> {
    const sa = this.store.get("serviceaccounts", namespace, saName);
    if (!sa)
      throw new StoreError(404, "NotFound", `serviceaccounts "${saName}" not found`, {
        name: saName,
        kind: "serviceaccounts",
      });
    const spec = body?.spec ?? {};
    const expirationSeconds: number = spec.expirationSeconds ?? DEFAULT_TOKEN_SECONDS;
    if (!Number.isInteger(expirationSeconds) || expirationSeconds < MIN_TOKEN_SECONDS) {
      throw new StoreError(
        422,
        "Invalid",
        `TokenRequest.authentication.k8s.io "${saName}" is invalid: spec.expirationSeconds: Invalid value: ${expirationSeconds}: may not specify a duration less than 10 minutes`,
        { name: saName, kind: "TokenRequest", group: "authentication.k8s.io" },
      );
    }
    const audiences: string[] =
      Array.isArray(spec.audiences) && spec.audiences.length > 0 ? spec.audiences : DEFAULT_AUDIENCES;
    const ref = spec.boundObjectRef;
    let pod: KubeObject | undefined;
    let node: KubeObject | undefined;
    if (ref) {
      if (ref.kind === "Pod") {
        pod = this.store.get("pods", namespace, ref.name);
        if (!pod)
          throw new StoreError(404, "NotFound", `pods "${ref.name}" not found`, {
            name: ref.name,
            kind: "pods",
          });
        checkBoundUid(ref.uid, pod);
        const nodeName: string | undefined = pod.spec?.nodeName;
        node = nodeName ? this.store.get("nodes", undefined, nodeName) : undefined;
      } else if (ref.kind === "Node") {
        node = this.store.get("nodes", undefined, ref.name);
        if (!node)
          throw new StoreError(404, "NotFound", `nodes "${ref.name}" not found`, {
            name: ref.name,
            kind: "nodes",
          });
        checkBoundUid(ref.uid, node);
      } else {
        throw new StoreError(
          400,
          "BadRequest",
          `cannot bind token for serviceaccount "${saName}" to object of type ${ref.apiVersion ?? ""}, Kind=${ref.kind}`,
        );
      }
    }
    const minted = await this.mint({
      namespace,
      serviceAccount: { name: sa.metadata.name, uid: sa.metadata.uid },
      ...(pod ? { pod: { name: pod.metadata.name, uid: pod.metadata.uid } } : {}),
      ...(node ? { node: { name: node.metadata.name, uid: node.metadata.uid } } : {}),
      audiences,
      expirationSeconds,
    });
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenRequest",
      metadata: { name: saName, namespace, creationTimestamp: null } as unknown as KubeObject["metadata"],
      spec: {
        audiences,
        expirationSeconds,
        boundObjectRef: ref
          ? {
              kind: ref.kind,
              apiVersion: ref.apiVersion ?? "v1",
              name: ref.name,
              uid: (pod ?? node)?.metadata.uid,
            }
          : null,
      },
      status: { token: minted.token, expirationTimestamp: minted.expirationTimestamp },
    };
  }

  /** POST /apis/authentication.k8s.io/v1/tokenreviews. */
  // biome-ignore lint/suspicious/noExplicitAny: a TokenReview body as the client sent it
  async tokenReview(body: any, _user?: UserInfo): Promise<KubeObject> {
    const token: string = body?.spec?.token ?? "";
    const requested: string[] | undefined = Array.isArray(body?.spec?.audiences)
      ? body.spec.audiences
      : undefined;
    const verdict = token === "" ? { authenticated: false as const } : await this.review(token, requested);
    // biome-ignore lint/suspicious/noExplicitAny: status is plain JSON
    const status: any = verdict.authenticated
      ? { authenticated: true, user: verdict.user, audiences: verdict.audiences }
      : { user: {}, ...(verdict.error ? { error: verdict.error } : {}) };
    return {
      apiVersion: "authentication.k8s.io/v1",
      kind: "TokenReview",
      metadata: { creationTimestamp: null } as unknown as KubeObject["metadata"],
      spec: body?.spec ?? {},
      status,
    };
  }
}

function checkBoundUid(uid: string | undefined, obj: KubeObject): void {
  if (uid && uid !== obj.metadata.uid) {
    throw new StoreError(
      409,
      "Conflict",
      `the UID in the bound object reference (${uid}) does not match the UID in record. The object might have been deleted and then recreated`,
    );
  }
}

// biome-ignore lint/suspicious/noExplicitAny: JWT segments are arbitrary JSON
function decodeSegment(segment: string): Record<string, any> | undefined {
  try {
    const value = JSON.parse(Buffer.from(segment, "base64url").toString("utf8"));
    return value && typeof value === "object" ? value : undefined;
  } catch {
    return undefined;
  }
}

function audiencesOf(aud: unknown): string[] {
  if (typeof aud === "string") return [aud];
  return Array.isArray(aud) ? aud.filter((a): a is string => typeof a === "string") : [];
}

/** Go's %q of a []string: ["a" "b"]. */
function goQuoteList(values: string[]): string {
  return `[${values.map((v) => JSON.stringify(v)).join(" ")}]`;
}
