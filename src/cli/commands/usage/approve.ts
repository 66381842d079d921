import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION, NODES_FILE_OPTION } from "./options.ts";

/** `cni-doctor approve`: what --help shows and the arguments it parses; the implementation is ../approve.ts. */
export const approveUsage: CommandUsage = {
  name: "approve",
  summary:
    "Approve a pending run someone else asked for; the approval that completes the quorum runs it here, with live progress.",
  positionals: "RUN",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": NODES_FILE_OPTION,
    "node-access": NODE_ACCESS_OPTION,
    yes: {
      type: "boolean",
      short: "y",
      description: "Approve without the prompt (the policy still applies).",
    },
  },
  details: [
    "You must be in CNI_DOCTOR_APPROVERS as cli:<OS user>, and not the requester unless CNI_DOCTOR_SELF_APPROVAL allows it.",
    "The plan is checked against a fresh diagnosis before it runs; a changed cluster refuses it (exit 4).",
    "Exit status as fix: 0 healed, 1 the run failed, rolled back or stopped, 2 bad usage, 4 refused or not approved.",
  ].join("\n"),
};
