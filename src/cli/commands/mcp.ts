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
import { openCliNodeAccess } from "./diagnose.ts";
import { mcpUsage } from "./usage/mcp.ts";

export const mcpCommand: CommandSpec = {
  ...mcpUsage,
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
