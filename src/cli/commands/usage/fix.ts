import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION } from "./options.ts";

/** `cni-doctor fix`: what --help shows and the arguments it parses; the implementation is ../fix.ts. */
export const fixUsage: CommandUsage = {
  name: "fix",
  summary:
    "Diagnose, show the remediation plan, ask for approval (type the cluster's context name), run it node by node with live progress, verify, and roll back a node whose agent does not come back.",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description:
        "Nodes file (YAML) for SSH access to the nodes (default: $CNI_DOCTOR_NODES_FILE); without one, agent pods.",
    },
    "node-access": NODE_ACCESS_OPTION,
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    "dry-run": {
      type: "boolean",
      description: "Print exactly what would run; change nothing (no journal entry either).",
    },
    yes: {
      type: "boolean",
      short: "y",
      description:
        "Approve without the prompt (automation). Policy limits still apply; see the README on self-approval.",
    },
    "include-bare-pods": {
      type: "boolean",
      description: "Also delete stuck pods no controller recreates (they are gone for good).",
    },
    json: {
      type: "boolean",
      description: "Print {plan, run, result} as JSON on stdout; progress goes to stderr.",
    },
    verbose: {
      type: "boolean",
      short: "v",
      description: "Log each node command (line, duration) to stderr.",
    },
  },
  details: [
    "At the terminal you are both requester and approver. Your approval (typing the context name, or --yes) counts",
    "only if CNI_DOCTOR_APPROVERS lists cli:<your OS user> and CNI_DOCTOR_SELF_APPROVAL is cli or all; fix checks that",
    "before prompting. Otherwise the run stays pending in the journal and fix exits 4, saying how a second approver",
    "approves it: `cni-doctor approve RUN` at a terminal, or the run's Approve button in Slack.",
    "Audit log lines (JSON) go to stderr. Exit status: 0 healed or nothing to fix, 1 the run failed, rolled back or",
    "stopped, 2 bad usage, 3 only manual actions remain, 4 refused (policy, approval, drift, pause, busy).",
    "Ctrl-C (SIGINT), SIGTERM or SIGHUP during a run: the step in flight finishes, a half-done node is restored byte for",
    "byte and the run is journaled as stopped; a second signal says what is in flight; a third forces exit (130) and",
    "says where the backups are. Before the run starts nothing has changed and the first signal exits (130).",
  ].join("\n"),
};
