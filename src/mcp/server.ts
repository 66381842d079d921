/**
 * The MCP server: four tools over the backend. Each has input and output schemas and says, in its annotations, that
 * it changes nothing in the cluster (`destructiveHint: false`; the three that only read are `readOnlyHint: true`;
 * propose_fix writes one journal entry, so it is not read-only, and is not idempotent). Every call is bounded in
 * time, and every failure is a tool result with `isError: true` and the reason, never a crash of the server.
 */
import { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import type { McpBackend } from "./backend.ts";
import { ToolRefusal, withinDeadline } from "./refusal.ts";
import {
  diagnoseInput,
  diagnoseOutput,
  explainInput,
  explainOutput,
  listRunsInput,
  listRunsOutput,
  proposeFixInput,
  proposeFixOutput,
} from "./schemas.ts";

export interface McpServerOptions {
  version: string;
  toolTimeoutMs: number;
  /** Names the client in the journal when it gave no name in initialize (every HTTP request is its own session). */
  transportName: string;
  /** Told of every failed call (one line, for stderr); never given a secret. */
  onToolError?: (tool: string, message: string) => void;
}

const READS = { readOnlyHint: true, destructiveHint: false, idempotentHint: true, openWorldHint: false };

export function createMcpServer(backend: McpBackend, options: McpServerOptions): McpServer {
  const server = new McpServer(
    { name: "cni-doctor", version: options.version },
    {
      capabilities: { tools: {} },
      instructions:
        "cni-doctor diagnoses Kubernetes pod networking (CNI) failures and proposes repairs. It never changes the cluster from here: propose_fix journals a pending run that a person approves with `cni-doctor approve RUN` at a terminal.",
    },
  );
  const call = <T extends object>(tool: string, work: () => Promise<T>) =>
    answer(tool, options, () => withinDeadline(options.toolTimeoutMs, tool, work));
  const clusters = backend.clusterNames().join(", ");

  server.registerTool(
    "diagnose",
    {
      title: "Diagnose pod networking",
      description: `Read-only diagnosis of a cluster (${clusters}): pods stuck on CNI sandbox failures, each affected node's CNI agent and CNI files, the root cause with its evidence, and runs that left files moved aside. Output: the \`cni-doctor diagnose --json\` contract. Unknown namespace or node is an error naming the real ones.`,
      inputSchema: diagnoseInput,
      outputSchema: diagnoseOutput,
      annotations: READS,
    },
    (input) => call("diagnose", () => backend.diagnose(input)),
  );
  server.registerTool(
    "explain",
    {
      title: "Explain CNI error messages",
      description:
        "Classify kubelet event or node-condition messages into a failure family, CNI, phase and runtime form (the `cni-doctor explain --json` lines, as `results`). Reads nothing from any cluster.",
      inputSchema: explainInput,
      outputSchema: explainOutput,
      annotations: READS,
    },
    (input) => call("explain", async () => ({ results: backend.explain(input.messages) })),
  );
  server.registerTool(
    "propose_fix",
    {
      title: "Propose a fix (a person approves it)",
      description:
        "Diagnose the cluster with node access and journal a pending remediation run: returns its plan (every step and command), digest, expiry and how a person approves it (`cni-doctor approve RUN`). Changes no node or pod; the only write is the run's journal entry. proposed=false when there is nothing to fix.",
      inputSchema: proposeFixInput,
      outputSchema: proposeFixOutput,
      annotations: {
        readOnlyHint: false,
        destructiveHint: false,
        idempotentHint: false,
        openWorldHint: false,
      },
    },
    (input) => call("propose_fix", () => backend.proposeFix(input, requesterOf(server, options))),
  );
  server.registerTool(
    "list_runs",
    {
      title: "List remediation runs",
      description:
        "The cluster's run journal, newest first, as `cni-doctor runs --json` prints it ({paused, runs}); a run whose runner died is shown as interrupted, one past its approval window as expired. Read-only.",
      inputSchema: listRunsInput,
      outputSchema: listRunsOutput,
      annotations: READS,
    },
    (input) => call("list_runs", () => backend.listRuns(input)),
  );
  return server;
}

/** The client's own name from initialize, cut to a safe length and alphabet; the transport's name without one. */
function requesterOf(server: McpServer, options: McpServerOptions): string {
  const name = server.server
    .getClientVersion()
    ?.name?.replace(/[^A-Za-z0-9._-]/g, "")
    .slice(0, 60);
  return name ? name : options.transportName;
}

async function answer<T extends object>(
  tool: string,
  options: McpServerOptions,
  work: () => Promise<T>,
): Promise<CallToolResult> {
  try {
    // Through JSON once: what the client gets is plain data (no undefined, no class instances).
    const structured = JSON.parse(JSON.stringify(await work())) as Record<string, unknown>;
    return {
      structuredContent: structured,
      content: [{ type: "text", text: JSON.stringify(structured, null, 2) }],
    };
  } catch (err) {
    const message =
      err instanceof ToolRefusal
        ? `${err.kind}: ${err.message}`
        : `failed: ${(err as Error).message ?? String(err)}`;
    options.onToolError?.(tool, message);
    return { isError: true, content: [{ type: "text", text: `${tool} ${message}` }] };
  }
}
