/**
 * Why a tool call could not be answered, in words an agent can act on. Every failure of a tool reaches the client as
 * a tool result with `isError: true` and this text (never as a crash of the server): the kind first, so a client can
 * branch on it, then what happened and what to do.
 */
export type RefusalKind =
  | "unknown-cluster"
  | "unknown-namespace"
  | "unknown-node"
  | "forbidden"
  | "unreachable"
  | "timeout"
  | "no-node-access"
  | "journal-unavailable"
  | "failed";

export class ToolRefusal extends Error {
  override name = "ToolRefusal";
  readonly kind: RefusalKind;

  constructor(kind: RefusalKind, message: string) {
    super(message);
    this.kind = kind;
  }
}

/** Ends `work` with a "timeout" refusal after `ms`; the work itself is left to finish (each of its calls is bounded). */
export async function withinDeadline<T>(ms: number, what: string, work: () => Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const deadline = new Promise<never>((_, reject) => {
    timer = setTimeout(
      () =>
        reject(
          new ToolRefusal(
            "timeout",
            `${what} did not finish within ${Math.round(ms / 1000)} s (CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS). No tool changes nodes or pods; list_runs shows any run a proposal journaled. Try a narrower scope (node, namespace) or ask again.`,
          ),
        ),
      ms,
    );
  });
  try {
    return await Promise.race([work(), deadline]);
  } finally {
    clearTimeout(timer);
  }
}
