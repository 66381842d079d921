import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION } from "./options.ts";

/** `cni-doctor diagnose`: what --help shows and the arguments it parses; the implementation is ../diagnose.ts. */
export const diagnoseUsage: CommandUsage = {
  name: "diagnose",
  summary:
    "Find pods stuck on CNI sandbox failures, check each affected node's CNI agent and its CNI files (through a read-only agent pod, or over SSH with a nodes file), and name the root cause.",
  options: {
    ...CLUSTER_OPTIONS,
    namespace: { type: "string", short: "n", valueName: "NS", description: "Only pods in this namespace." },
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description:
        "Nodes file (YAML, schema in src/nodes/README.md): inspect affected nodes' CNI files over SSH (default: $CNI_DOCTOR_NODES_FILE).",
    },
    "node-access": NODE_ACCESS_OPTION,
    json: {
      type: "boolean",
      description: "Print the Diagnosis as JSON (the stable contract in the README).",
    },
    verbose: {
      type: "boolean",
      short: "v",
      description: "Log each command run on a node (command line and duration, never output) to stderr.",
    },
  },
  details: [
    "Read-only: it lists and gets, and asks the API server to review tokens; it changes nothing.",
    "With node access (--node-access) it reads, on each affected node only: the CNI conf dir listing, the CNI config files and",
    "calico-kubeconfig (bounded), and the clock. That tells a stale config from an earlier cluster, an expired or",
    "revoked token, a shadowing config and clock skew apart. The token is shown only as claims and a fingerprint.",
    "A node that cannot be reached keeps its cluster-side finding, and the report says why.",
    "Exit status: 0 healthy, 3 findings, 4 incomplete (a check failed), 1 could not run (the API server could not be",
    "used at all: one line says why), 2 bad usage (an unknown --node, a --namespace without pods).",
  ].join("\n"),
};
