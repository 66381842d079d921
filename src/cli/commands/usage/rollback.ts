import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION, NODES_FILE_OPTION } from "./options.ts";

/** `cni-doctor rollback`: what --help shows and the arguments it parses; the implementation is ../rollback.ts. */
export const rollbackUsage: CommandUsage = {
  name: "rollback",
  summary:
    "Restore the CNI files an interrupted or failed run left moved aside on its nodes, byte for byte, from the run's backup.",
  positionals: "RUN",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": NODES_FILE_OPTION,
    "node-access": NODE_ACCESS_OPTION,
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    json: { type: "boolean", description: "Print {status, message, rollbacks} as JSON." },
  },
  details: [
    "The run's journal record says which files moved on which node and their checksums before the move; anything",
    "written into the conf dir since is moved aside into <backup>/displaced-<run>/, never deleted. A healed node is",
    "never restored. It is a write: only an approver may run it, under the same policy as fix at the terminal",
    "(CNI_DOCTOR_APPROVERS lists cli:<OS user>, CNI_DOCTOR_SELF_APPROVAL is cli or all), holding the cluster's lease.",
    "Exit status: 0 restored or nothing to restore, 1 a restore was incomplete, 2 bad usage, 4 refused.",
  ].join("\n"),
};
