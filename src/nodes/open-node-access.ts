/**
 * Choosing and opening node access: `--node-access auto|kubernetes|ssh|none` (CNI_DOCTOR_NODE_ACCESS for the bot).
 * `auto` is SSH when a nodes file is given and the Kubernetes agent-pod transport otherwise; when auto picks
 * Kubernetes but the agent namespace does not exist, nodes are not inspected (cluster-side only, as before there was
 * a Kubernetes transport) and the caller is told why, so a cluster not set up for agent pods reads as before.
 */
import type { NodeAgentConfig } from "../config.ts";
import { NodeAgentPods } from "../kube/node-agent-pods.ts";
import type { V1Node } from "../kube/types.ts";
import { NodeAccessError } from "./errors.ts";
import { loadInventory, withClusterNodes } from "./inventory.ts";
import { KubernetesNodeAccess, type NodeAgentAdmin } from "./kubernetes-access.ts";
import { type CommandEvent, NodeAccess } from "./node-access.ts";
import type { NodeWriter } from "./node-reader.ts";
import type { Environment } from "./ssh-connection.ts";

export const NODE_ACCESS_CHOICES = ["auto", "kubernetes", "ssh", "none"] as const;
export type NodeAccessChoice = (typeof NODE_ACCESS_CHOICES)[number];
export type NodeTransport = "kubernetes" | "ssh" | "none";

/** Which transport a choice means, given whether a nodes file was given. Throws inventory-invalid for bad input. */
export function chooseNodeTransport(choice: string, nodesFile: string | undefined): NodeTransport {
  if (!(NODE_ACCESS_CHOICES as readonly string[]).includes(choice)) {
    throw new NodeAccessError(
      "inventory-invalid",
      `--node-access ${JSON.stringify(choice)} is not one of ${NODE_ACCESS_CHOICES.join(", ")}.`,
    );
  }
  if (choice === "ssh" && nodesFile === undefined) {
    throw new NodeAccessError(
      "inventory-invalid",
      "--node-access ssh needs a nodes file: pass --nodes-file FILE or set CNI_DOCTOR_NODES_FILE.",
    );
  }
  if (choice === "auto") return nodesFile === undefined ? "kubernetes" : "ssh";
  return choice as NodeTransport;
}

export interface OpenNodeAccessInput {
  choice: string;
  nodesFile: string | undefined;
  /** "read" for diagnosis (read-only agent pods), "write" for an approved run's NodeWriter. */
  mode: "read" | "write";
  /** SSH_AUTH_SOCK and passphrase variables for SSH. */
  env: Environment;
  kubernetes: {
    agents: NodeAgentAdmin;
    listNodes: () => Promise<V1Node[]>;
    cniConfDir: string | undefined;
    backupRoot: string;
    concurrency: number;
    commandTimeoutMs: number;
  };
  onCommand?: (event: CommandEvent) => void;
  /** Told, in one line, when auto falls back to cluster-side only. */
  onNote?: (line: string) => void;
  /** Told about a nodes-file entry that names no node in the cluster. */
  onWarning?: (line: string) => void;
}

/**
 * The kubernetes transport's part of OpenNodeAccessInput, from the settings: agent pods as NodeAgentConfig says, in
 * the cluster the reader reads. One place for what `diagnose`, `check` and the bot each assembled alike.
 */
export function agentPodTransport(input: {
  kubeConfig: ConstructorParameters<typeof NodeAgentPods>[0];
  agent: NodeAgentConfig;
  requestTimeoutMs: number;
  listNodes: () => Promise<V1Node[]>;
  backupRoot: string;
  concurrency: number;
}): OpenNodeAccessInput["kubernetes"] {
  return {
    agents: new NodeAgentPods(input.kubeConfig, { ...input.agent, requestTimeoutMs: input.requestTimeoutMs }),
    listNodes: input.listNodes,
    cniConfDir: input.agent.cniConfDir,
    backupRoot: input.backupRoot,
    concurrency: input.concurrency,
    commandTimeoutMs: input.agent.commandTimeoutMs,
  };
}

/** Node access for the chosen transport, or undefined for none. The caller closes it. */
export async function openNodeAccess(input: OpenNodeAccessInput): Promise<NodeWriter | undefined> {
  const transport = chooseNodeTransport(input.choice, input.nodesFile);
  const onCommand = input.onCommand === undefined ? {} : { onCommand: input.onCommand };
  if (transport === "none") return undefined;
  if (transport === "ssh") {
    return await openSshNodeAccess({
      nodesFile: input.nodesFile as string,
      env: input.env,
      listNodes: input.kubernetes.listNodes,
      ...onCommand,
      ...(input.onWarning ? { onWarning: input.onWarning } : {}),
    });
  }
  const k = input.kubernetes;
  let exists: Awaited<ReturnType<NodeAgentAdmin["namespaceExists"]>>;
  try {
    exists = await k.agents.namespaceExists();
  } catch (err) {
    // The API server could not be asked at all (refused, TLS, timed out, 401): the diagnosis meets the same failure
    // on its own first call and reports it in one line; auto adds nothing here. An explicit choice says so now.
    if (input.choice === "auto") return undefined;
    throw err;
  }
  // auto stays cluster-side when the agent namespace is not set up (or not visible); an explicit choice goes on, and
  // each node then says exactly what failed.
  if (exists !== true && input.choice === "auto") {
    input.onNote?.(
      exists === false
        ? `namespace ${k.agents.namespace} does not exist, so nodes' CNI files are not inspected; create it (labelled pod-security.kubernetes.io/enforce=privileged) for the kubernetes node access, or pass --nodes-file for SSH.`
        : `cannot read namespace ${k.agents.namespace} (forbidden), so nodes' CNI files are not inspected; grant "get" on namespaces (resourceNames ${k.agents.namespace}) for the kubernetes node access, or pass --nodes-file for SSH.`,
    );
    return undefined;
  }
  if (exists === false) {
    throw new NodeAccessError(
      "agent-pod-unavailable",
      `namespace ${k.agents.namespace} does not exist; create it, labelled pod-security.kubernetes.io/enforce=privileged, for the kubernetes node access.`,
    );
  }
  // Leftovers of an earlier process (it crashed, or was killed before deleting its pods); never fatal.
  const swept = await k.agents.sweep().catch((err: unknown) => {
    input.onNote?.(`could not sweep old agent pods in ${k.agents.namespace}: ${(err as Error).message}`);
    return [];
  });
  if (swept.length > 0)
    input.onNote?.(`deleted ${swept.length} leftover agent pod(s) in ${k.agents.namespace}`);
  return new KubernetesNodeAccess({
    agents: k.agents,
    mode: input.mode,
    nodes: await k.listNodes(),
    cniConfDir: k.cniConfDir,
    backupRoot: k.backupRoot,
    concurrency: k.concurrency,
    commandTimeoutMs: k.commandTimeoutMs,
    maxOutputBytes: 1024 * 1024,
    ...onCommand,
  });
}

/**
 * The nodes file's node access, its entries checked against the cluster's nodes first: an entry naming no node is a
 * warning (through onWarning), and the node it looks meant for is not dialled at its InternalIP (withClusterNodes).
 * A failed node list is the diagnosis's to report (it lists nodes too); the entries then go unchecked.
 */
export async function openSshNodeAccess(input: {
  nodesFile: string;
  env: Environment;
  listNodes: () => Promise<V1Node[]>;
  onCommand?: (event: CommandEvent) => void;
  onWarning?: (line: string) => void;
}): Promise<NodeAccess> {
  let inventory = await loadInventory(input.nodesFile);
  const names = await input.listNodes().then(
    (list) => list.flatMap((n) => (n.metadata?.name ? [n.metadata.name] : [])),
    () => undefined,
  );
  if (names) {
    const checked = withClusterNodes(inventory, names);
    for (const u of checked.unmatched) input.onWarning?.(u.warning);
    inventory = checked.inventory;
  }
  return new NodeAccess(inventory, {
    env: input.env,
    ...(input.onCommand ? { onCommand: input.onCommand } : {}),
  });
}
