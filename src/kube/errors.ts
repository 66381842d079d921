/**
 * One error type for every way a Kubernetes call can fail, so callers report "denied", "timed out" and "unreachable"
 * in plain words instead of leaking client internals, and never mistake a failed read for an empty answer.
 */
export type KubeFailure =
  | "unauthorized"
  | "forbidden"
  | "not-found"
  | "conflict"
  | "gone"
  | "invalid"
  | "timeout"
  | "unreachable"
  | "server-error";

export class KubeAccessError extends Error {
  override name = "KubeAccessError";
  readonly failure: KubeFailure;
  readonly status: number | undefined;
  /** What was being done, e.g. "list pods in all namespaces". */
  readonly operation: string;
  constructor(failure: KubeFailure, operation: string, detail: string, status?: number) {
    super(`${operation}: ${detail}`);
    this.failure = failure;
    this.operation = operation;
    this.status = status;
  }
}

const BY_STATUS: Record<number, KubeFailure> = {
  401: "unauthorized",
  403: "forbidden",
  404: "not-found",
  409: "conflict",
  410: "gone",
  422: "invalid",
};

/** Turns whatever client-node threw into a KubeAccessError naming the operation. */
export function toKubeAccessError(err: unknown, operation: string): KubeAccessError {
  if (err instanceof KubeAccessError) return err;
  const e = err as {
    code?: unknown;
    body?: unknown;
    name?: string;
    message?: string;
    cause?: { code?: string };
  };
  if (typeof e?.code === "number" && e.code >= 100) {
    const failure = BY_STATUS[e.code] ?? (e.code >= 500 ? "server-error" : "invalid");
    // Never client-node's own message: its ApiException text carries the response headers (and says "Body:
    // undefined"); the Status body's message, or the status's name, is what the API server said.
    return new KubeAccessError(
      failure,
      operation,
      `${statusMessage(e.body) ?? STATUS_TEXT[e.code] ?? "request failed"} (HTTP ${e.code})`,
      e.code,
    );
  }
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new KubeAccessError("timeout", operation, "the API server did not answer in time");
  }
  const code = connectionErrorCode(err);
  if (code)
    return new KubeAccessError(
      "unreachable",
      operation,
      `cannot reach the API server: ${describeConnectionCode(code)}`,
    );
  return new KubeAccessError(
    "unreachable",
    operation,
    `cannot reach the API server: ${e?.message ?? String(err)}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  409: "Conflict",
  410: "Gone",
  422: "Unprocessable Entity",
  429: "Too Many Requests",
  500: "Internal Server Error",
  502: "Bad Gateway",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/**
 * The errno-style code of a failed connection. Node's fetch (undici) throws `TypeError: fetch failed` with the
 * socket's error as `cause` (an AggregateError when several addresses were tried); see undici lib/web/fetch/index.js.
 */
function connectionErrorCode(err: unknown): string | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 4 && current !== null && typeof current === "object"; depth++) {
    const c = current as { code?: unknown; cause?: unknown; errors?: unknown };
    if (typeof c.code === "string") return c.code;
    current = c.cause ?? (Array.isArray(c.errors) ? c.errors[0] : undefined);
  }
  return undefined;
}

const CONNECTION_CODES: Record<string, string> = {
  ECONNREFUSED: "connection refused",
  ECONNRESET: "connection reset",
  ETIMEDOUT: "connection timed out",
  UND_ERR_CONNECT_TIMEOUT: "connection timed out",
  UND_ERR_SOCKET: "connection closed",
  EHOSTUNREACH: "host unreachable",
  ENETUNREACH: "network unreachable",
  ENOTFOUND: "host name not found",
  EAI_AGAIN: "host name lookup failed",
};

/** "connection refused (ECONNREFUSED)", "TLS verification failed (UNABLE_TO_VERIFY_LEAF_SIGNATURE)", … */
function describeConnectionCode(code: string): string {
  const known = CONNECTION_CODES[code];
  if (known) return `${known} (${code})`;
  // OpenSSL's verify errors (node: tls.TLSSocket authorizationError codes) and node's ERR_TLS_*/ERR_SSL_*.
  if (/CERT|SELF_SIGNED|UNABLE_TO_VERIFY|^ERR_TLS_|^ERR_SSL_/.test(code))
    return `TLS verification failed (${code})`;
  return code;
}

/** A diagnosis error as the Diagnosis records it (plain data). */
export interface RecordedKubeError {
  operation: string;
  failure: string;
  message: string;
}

/** Why the API server could not be used at all: what happened (naming the server) and what to check. */
export interface ApiServerFailure {
  what: string;
  check: string;
  /** Both, as the one line the terminal prints. */
  line: string;
}

/**
 * The one report for a diagnosis that read nothing because the API server could not be used: every check failed the
 * same way (unreachable, TLS, timed out, 401, or 403 on everything). Null when anything was read or the failures
 * differ: then the per-check list is the right report.
 */
export function apiServerFailure(
  errors: readonly RecordedKubeError[],
  readAnything: boolean,
  cluster: { server: string; context: string },
): ApiServerFailure | null {
  const first = errors[0];
  if (readAnything || first === undefined || !errors.every((e) => e.failure === first.failure)) return null;
  const parts = describeFailure(
    first,
    errors.length,
    `the API server ${cluster.server} (context ${cluster.context})`,
    cluster.context,
  );
  return parts === null ? null : { ...parts, line: `${parts.what}. ${parts.check}` };
}

function describeFailure(
  first: RecordedKubeError,
  count: number,
  where: string,
  context: string,
): { what: string; check: string } | null {
  const detail = detailOf(first).replace(/^cannot reach the API server: /, "");
  const more = count > 1 ? ` (and ${count - 1} more check${count === 2 ? "" : "s"})` : "";
  switch (first.failure) {
    case "unreachable":
      return detail.startsWith("TLS verification failed")
        ? {
            what: `${where}: ${detail}`,
            check:
              "Check that the kubeconfig's certificate-authority(-data) is this server's CA and that the address is the API server's, not a proxy's.",
          }
        : {
            what: `${where} cannot be reached: ${detail}`,
            check:
              "Check the kubeconfig's server address, the network path (VPN, firewall) and that the API server is up.",
          };
    case "timeout":
      return {
        what: `${where} did not answer in time`,
        check:
          "Check the network path (VPN, proxy, firewall) and the API server's load; CNI_DOCTOR_KUBE_TIMEOUT_MS sets the wait.",
      };
    case "unauthorized":
      return {
        what: `${where} rejected the credentials (HTTP 401 Unauthorized)`,
        check: `Check the kubeconfig user's token or client certificate: expired, revoked, or another cluster's (kubectl --context ${context} auth whoami).`,
      };
    case "forbidden":
      return {
        what: `${where} refused every check (HTTP 403): cannot ${first.operation}${more}`,
        check:
          "Check the RBAC of the kubeconfig's user (kubectl auth can-i --list; the bot's rights are in manifests/rbac.yaml).",
      };
    default:
      return null;
  }
}

function detailOf(e: RecordedKubeError): string {
  return e.message.startsWith(`${e.operation}: `) ? e.message.slice(e.operation.length + 2) : e.message;
}

/** The `message` of a Kubernetes Status body, whether client-node parsed it or left it a string. */
function statusMessage(body: unknown): string | undefined {
  if (typeof body === "string") {
    try {
      return statusMessage(JSON.parse(body));
    } catch {
      return body.length > 0 ? body.slice(0, 500) : undefined;
    }
  }
  if (body && typeof body === "object" && "message" in body && typeof body.message === "string")
    return body.message;
  return undefined;
}
