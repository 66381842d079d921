import { StdioServerTransport } from "@modelcontextprotocol/sdk/server/stdio.js";
import { ConfigError, loadConfig, loadMcpSettings } from "../../config.ts";
import { ClusterConfigError } from "../../kube/cluster-config.ts";
import { McpBackend } from "../../mcp/backend.ts";
import { McpClusters } from "../../mcp/clusters.ts";
import { parseListen, startHttpMcp } from "../../mcp/http.ts";
import { createMcpServer } from "../../mcp/server.ts";
import { chooseNodeTransport, isNodeAccessError, readOnlyView } from "../../nodes/index.ts";
import { createAuditLogger } from "../../remediation/index.ts";
import { type CommandIO, type CommandSpec, EXIT, type ParsedArgs, UsageError } from "../command.ts";
import { CLUSTER_OPTIONS } from "../load-settings.ts";
import { NODE_ACCESS_OPTION, openCliNodeAccess } from "./diagnose.ts";

export const mcpCommand: CommandSpec = {
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
  async run(args, io) {
    const v = args.values;
    const settings = loadMcp(v, io.env);
    const listen = typeof v.listen === "string" ? listenOrUsage(v.listen) : undefined;
    if (listen && settings.mcp.token === undefined) {
      throw new UsageError(
        "--listen needs CNI_DOCTOR_MCP_TOKEN (at least 32 characters, e.g. `openssl rand -hex 32`): the HTTP mode does not start without a bearer token.",
      );
    }
    const { config, mcp, clusters } = settings;
    const backend = new McpBackend({
      clusters,
      openNodeReader: async (cluster, reader) => {
        const access = await openCliNodeAccess({ values: v, config, cluster, reader, io }, "read");
        return access ? readOnlyView(access) : undefined;
      },
      policy: config.remediation,
      concurrency: config.concurrency,
      kubeRequestTimeoutMs: config.kubeRequestTimeoutMs,
      logger: createAuditLogger(io.stderr, config.logLevel),
    });
    const version = await packageVersion();
    const newServer = (transportName: string) =>
      createMcpServer(backend, {
        version,
        toolTimeoutMs: mcp.toolTimeoutMs,
        transportName,
        onToolError: (tool, message) => io.stderr.write(`cni-doctor mcp: ${tool}: ${message}\n`),
      });
    if (!listen) return serveStdio(newServer("mcp-stdio-client"), io);
    const http = await startHttpMcp({
      ...listen,
      token: mcp.token as string,
      newServer: () => newServer("mcp-http-client"),
      onLog: (line) => io.stderr.write(`${line}\n`),
    });
    io.stderr.write(`cni-doctor mcp: serving Streamable HTTP at ${http.url} (bearer token required)\n`);
    await untilSignal(io);
    await http.close();
    return EXIT.ok;
  },
};

function loadMcp(v: ParsedArgs["values"], env: NodeJS.ProcessEnv) {
  try {
    const config = loadConfig(env);
    const mcp = loadMcpSettings(env);
    chooseNodeTransport((v["node-access"] as string | undefined) ?? config.nodeAccess, config.nodesFile);
    const clusters = new McpClusters({
      kubeconfigPath: v.kubeconfig as string | undefined,
      context: v.context as string | undefined,
      allowed: mcp.clusters,
      requestTimeoutMs: config.kubeRequestTimeoutMs,
    });
    return { config, mcp, clusters };
  } catch (err) {
    if (err instanceof ClusterConfigError || err instanceof ConfigError) throw new UsageError(err.message);
    if (isNodeAccessError(err, "inventory-invalid")) throw new UsageError(err.message);
    throw err;
  }
}

function listenOrUsage(value: string) {
  try {
    return parseListen(value);
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

/** Serves one client on stdin/stdout until it closes stdin (or a signal comes). */
async function serveStdio(server: ReturnType<typeof createMcpServer>, io: CommandIO): Promise<number> {
  const transport = new StdioServerTransport(io.stdin, io.stdout);
  const ended = new Promise<void>((resolve) => {
    io.stdin.once("end", resolve);
    io.stdin.once("close", resolve);
    server.server.onclose = () => resolve();
  });
  await server.connect(transport);
  await Promise.race([ended, untilSignal(io)]);
  await server.close();
  return EXIT.ok;
}

function untilSignal(io: CommandIO): Promise<void> {
  return new Promise((resolve) => {
    const signals = io.signals;
    if (!signals) return;
    const stop = () => {
      for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) signals.off(s, stop);
      resolve();
    };
    for (const s of ["SIGINT", "SIGTERM", "SIGHUP"]) signals.once(s, stop);
  });
}

async function packageVersion(): Promise<string> {
  const { default: pkg } = await import("../../../package.json", { with: { type: "json" } });
  return pkg.version;
}
