import type { CommandUsage } from "../../command.ts";
import { CLUSTER_OPTIONS, NODE_ACCESS_OPTION } from "./options.ts";

/** `cni-doctor check`: what --help shows and the arguments it parses; the implementation is ../check.ts. */
export const checkUsage: CommandUsage = {
  name: "check",
  summary:
    "Check this installation can do its job: API server, namespaces, every permission the bot uses, the CNI, node access, Slack and clocks. Changes nothing.",
  options: {
    ...CLUSTER_OPTIONS,
    "node-access": NODE_ACCESS_OPTION,
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description: "Nodes file for SSH node access (default: $CNI_DOCTOR_NODES_FILE).",
    },
    json: { type: "boolean", description: "Print the report as JSON ({ok, checkedAt, cluster, lines})." },
  },
  details: [
    "Each line is ✓ (passed), ✗ (failed, with the fix on the next line) or · (worth knowing, never a failure).",
    "Permissions are asked with SelfSubjectAccessReview, one per operation the bot performs; a ✗ names the verb,",
    "resource and namespace and the line of manifests/rbac.yaml that grants it. Creates are also tried with",
    "dryRun=All, so Pod Security and the PriorityClass are checked too, and nothing is stored.",
    "Node access runs the read-only `date` template on one node of each kind (control plane, worker); through",
    "Kubernetes that starts one short-lived agent pod per node, deleted after. Slack is checked when",
    "SLACK_BOT_TOKEN is set (auth.test, scopes, channel membership, approvers); the token is shown as a fingerprint.",
    "Exit status: 0 every check passed, 1 a check failed, 2 bad usage.",
  ].join("\n"),
};
