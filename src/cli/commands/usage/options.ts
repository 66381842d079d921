/**
 * Options several commands share. Only data: the command registry (../index.ts) imports every command's usage at
 * start-up for --help and argument parsing, so nothing here may import an implementation.
 */
import type { OptionSpec } from "../../command.ts";

/** --kubeconfig and --context, as every command that talks to a cluster takes them. */
export const CLUSTER_OPTIONS = {
  kubeconfig: {
    type: "string",
    valueName: "FILE",
    description: "kubeconfig to use (default: $KUBECONFIG, ~/.kube/config, in-cluster).",
  },
  context: {
    type: "string",
    valueName: "NAME",
    description: "kubeconfig context (default: the current one).",
  },
} as const;

/** --node-access, as every command that reads or changes nodes takes it. */
export const NODE_ACCESS_OPTION = {
  type: "string",
  valueName: "MODE",
  description:
    "How nodes are reached: auto (ssh with a nodes file, else kubernetes), kubernetes (agent pods in $CNI_DOCTOR_NODE_AGENT_NAMESPACE, default cni-doctor-nodes), ssh, none (cluster-side only). Default: $CNI_DOCTOR_NODE_ACCESS or auto.",
} as const;

/** The nodes file of the commands acting on one journaled run (approve, rollback). */
export const NODES_FILE_OPTION: OptionSpec = {
  type: "string",
  valueName: "FILE",
  description:
    "Nodes file (YAML) for SSH access to the nodes (default: $CNI_DOCTOR_NODES_FILE); without one, agent pods (--node-access).",
};
