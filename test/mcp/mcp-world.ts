/**
 * A simulated cluster (RBAC on, so every API request is seen by the authorizer) with its nodes served over SSH, and
 * `cni-doctor mcp` as a real child process (node_modules/.bin/node bin/cni-doctor.js mcp …) driven by the SDK's own
 * client. Records every API request and every node command, for the proof that no tool changes a node or a pod.
 */
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CoreV1Api } from "@kubernetes/client-node";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { getDefaultEnvironment, StdioClientTransport } from "@modelcontextprotocol/sdk/client/stdio.js";
import type { CallToolResult } from "@modelcontextprotocol/sdk/types.js";
import { parse, stringify } from "yaml";
import { loadCluster } from "../../src/kube/cluster-config.ts";
import { loadScenario, type RunningSimulatedCluster, startSimulatedCluster } from "../../src/sim/index.ts";
import {
  type NodeCommandEvent,
  type NodeSshServers,
  startNodeSshServers,
  writeNodesOut,
} from "../../src/sim/ssh/index.ts";

export const NODE = join(process.cwd(), "node_modules/.bin/node");
export const BIN = join(process.cwd(), "bin/cni-doctor.js");
export const BOT_NAMESPACE = "cni-doctor";
/** The kubeconfig's contexts: the admin, a service account without any RBAC, and an API server that is not there. */
export const CONTEXTS = { admin: "sim-stale-cni-config", nobody: "sim-nobody", dead: "sim-dead" } as const;

export interface ApiRequest {
  user: string;
  verb: string;
  resource: string | undefined;
  subresource: string | undefined;
  namespace: string | undefined;
  name: string | undefined;
}

export interface McpWorld {
  sim: RunningSimulatedCluster;
  ssh: NodeSshServers;
  dir: string;
  kubeconfigPath: string;
  nodesFile: string;
  requests: ApiRequest[];
  nodeCommands: NodeCommandEvent[];
  /** Environment for the child: only what getDefaultEnvironment passes on, plus `env`. */
  childEnv(env?: Record<string, string>): Record<string, string>;
  stop(): Promise<void>;
}

export async function startMcpWorld(scenario = "stale-cni-config"): Promise<McpWorld> {
  const sim = await startSimulatedCluster({
    scenario,
    port: 0,
    rbac: true,
    sshNodes: false,
    syncPeriodMs: 300,
  });
  const nodeCommands: NodeCommandEvent[] = [];
  const nodes = loadScenario(scenario).nodes.map((n) => ({ name: n.name, root: sim.nodeRoot(n.name) }));
  const ssh = await startNodeSshServers({ nodes, onCommand: (e) => nodeCommands.push(e) });
  const dir = await mkdtemp(join(tmpdir(), "cni-doctor-mcp-"));
  const { nodesFile } = await writeNodesOut(ssh, join(dir, "nodes.yaml"), { connectRetries: 0 });
  const adminConfig = join(dir, "admin.kubeconfig");
  await writeFile(adminConfig, sim.kubeconfig(), { mode: 0o600 });
  const core = loadCluster({ kubeconfigPath: adminConfig }).kubeConfig.makeApiClient(CoreV1Api);
  // What `kubectl apply -k manifests/` does for the journal's namespace; and a service account nothing is bound to.
  await core.createNamespace({ body: { metadata: { name: BOT_NAMESPACE } } });
  await core.createNamespacedServiceAccount({ namespace: "default", body: { metadata: { name: "nobody" } } });
  const nobodyToken = await sim.requestServiceAccountToken("default", "nobody");
  const kubeconfigPath = join(dir, "kubeconfig");
  await writeFile(kubeconfigPath, threeContexts(sim, nobodyToken), { mode: 0o600 });
  const requests: ApiRequest[] = [];
  sim.onAuthorization(({ attributes: a }) =>
    requests.push({
      user: a.user.username,
      verb: a.verb,
      resource: a.resource,
      subresource: a.subresource,
      namespace: a.namespace,
      name: a.name,
    }),
  );
  return {
    sim,
    ssh,
    dir,
    kubeconfigPath,
    nodesFile,
    requests,
    nodeCommands,
    childEnv: (env = {}) => ({
      ...getDefaultEnvironment(),
      CNI_DOCTOR_CLUSTERS: Object.values(CONTEXTS).join(","),
      CNI_DOCTOR_KUBE_TIMEOUT_MS: "5000",
      CNI_DOCTOR_APPROVAL_TTL_SECONDS: "600",
      ...env,
    }),
    async stop() {
      await ssh.close();
      await sim.stop();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** The sim's admin kubeconfig with two more contexts: `nobody` (a token with no RBAC) and `dead` (nothing listens). */
function threeContexts(sim: RunningSimulatedCluster, nobodyToken: string): string {
  const config = parse(sim.kubeconfig()) as {
    clusters: Array<{ name: string; cluster: Record<string, string> }>;
    users: Array<{ name: string; user: { token: string } }>;
    contexts: Array<{ name: string; context: { cluster: string; user: string } }>;
  };
  const real = config.clusters[0] as { name: string; cluster: Record<string, string> };
  config.clusters.push({ name: "dead", cluster: { ...real.cluster, server: "https://127.0.0.1:1" } });
  config.users.push({ name: "nobody", user: { token: nobodyToken } });
  config.contexts.push(
    { name: CONTEXTS.nobody, context: { cluster: real.name, user: "nobody" } },
    { name: CONTEXTS.dead, context: { cluster: "dead", user: "nobody" } },
  );
  return stringify(config);
}

export interface McpChild {
  client: Client;
  /** What the child wrote to stderr so far. */
  stderr(): string;
  close(): Promise<void>;
}

/** `cni-doctor mcp` as a child on stdio, connected (initialize done) with the SDK's client. */
export async function spawnStdioMcp(world: McpWorld, args: string[], env: Record<string, string> = {}) {
  const transport = new StdioClientTransport({
    command: NODE,
    args: [BIN, "mcp", "--kubeconfig", world.kubeconfigPath, ...args],
    env: world.childEnv(env),
    stderr: "pipe",
  });
  let stderr = "";
  transport.stderr?.on("data", (d) => (stderr += d));
  const client = new Client({ name: "vitest-agent", version: "1.0.0" });
  await client.connect(transport);
  return { client, stderr: () => stderr, close: () => client.close() } satisfies McpChild;
}

/** The text of a tool result (errors are text only). */
export function textOf(result: CallToolResult | Awaited<ReturnType<Client["callTool"]>>): string {
  const content = (result as CallToolResult).content ?? [];
  return content.map((c) => (c.type === "text" ? c.text : "")).join("\n");
}
