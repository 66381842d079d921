import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION } from "./options.ts";

/** `cni-doctor mcp`: what --help shows and the arguments it parses; the implementation is ../mcp.ts. */
export const mcpUsage: CommandUsage = {
  name: "mcp",
  summary:
    "Serve the Model Context Protocol so other agents can ask cni-doctor: diagnose, explain, propose_fix, list_runs. Never approves or executes.",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description:
        "Nodes file (YAML) to read nodes over SSH (default: $CNI_DOCTOR_NODES_FILE); without one, agent pods.",
    },
    "node-access": NODE_ACCESS_OPTION,
    listen: {
      type: "string",
      valueName: "HOST:PORT",
      description:
        "Serve Streamable HTTP at http://HOST:PORT/mcp instead of stdio; every request needs Authorization: Bearer $CNI_DOCTOR_MCP_TOKEN.",
    },
  },
  details: [
    "Over stdio (the default) stdout carries the protocol only; notes and logs go to stderr.",
    "Tools: diagnose (the diagnose --json contract), explain (explain --json), propose_fix (journals a pending run and",
    "returns its plan, digest, expiry and how a person approves it), list_runs (runs --json). No tool approves, runs,",
    "pauses, resumes or rolls back: nodes are read through read-only agent pods or SSH reads, and the only write is a",
    "proposal's journal entry in $CNI_DOCTOR_NAMESPACE. Clusters: CNI_DOCTOR_CLUSTERS (default: --context or the",
    "current context). Each call ends within CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS (default 120).",
  ].join("\n"),
};
