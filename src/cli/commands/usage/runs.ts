import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS } from "./options.ts";

/** `cni-doctor runs`: what --help shows and the arguments it parses; the implementation is ../runs.ts. */
export const runsUsage: CommandUsage = {
  name: "runs",
  summary:
    "List remediation runs from the cluster's journal, newest first; runs whose runner died are reported as interrupted.",
  options: {
    ...CLUSTER_OPTIONS,
    json: { type: "boolean", description: "Print the run summaries as JSON." },
  },
};
