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
    return new KubeAccessError(
      failure,
      operation,
      `${statusMessage(e.body) ?? e.message ?? "request failed"} (HTTP ${e.code})`,
      e.code,
    );
  }
  if (e?.name === "TimeoutError" || e?.name === "AbortError") {
    return new KubeAccessError("timeout", operation, "the API server did not answer in time");
  }
  const cause = e?.cause?.code ?? (typeof e?.code === "string" ? e.code : undefined);
  if (cause) {
    return new KubeAccessError("unreachable", operation, `cannot reach the API server (${cause})`);
  }
  return new KubeAccessError("unreachable", operation, e?.message ?? String(err));
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
