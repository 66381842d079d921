/**
 * `cni-doctor mcp --listen HOST:PORT` (Streamable HTTP) as a child process: refuses to start without
 * CNI_DOCTOR_MCP_TOKEN, refuses requests without the bearer token or with a wrong one, serves the SDK's client with
 * it; and a call that takes longer than CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS ends with a tool error, the server alive.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { Client } from "@modelcontextprotocol/sdk/client/index.js";
import { StreamableHTTPClientTransport } from "@modelcontextprotocol/sdk/client/streamableHttp.js";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bearerMatches, parseListen } from "../../src/mcp/http.ts";
import { BIN, type McpWorld, NODE, spawnStdioMcp, startMcpWorld, textOf } from "./mcp-world.ts";

const TOKEN = randomBytes(32).toString("hex");

let world: McpWorld;
const children: ChildProcess[] = [];

beforeAll(async () => {
  world = await startMcpWorld();
}, 60_000);

afterAll(async () => {
  for (const c of children) c.kill("SIGKILL");
  await world?.stop();
});

function spawnHttp(env: Record<string, string>) {
  const child = spawn(
    NODE,
    [BIN, "mcp", "--kubeconfig", world.kubeconfigPath, "--node-access", "none", "--listen", "127.0.0.1:0"],
    { env: world.childEnv(env), stdio: ["ignore", "pipe", "pipe"] },
  );
  children.push(child);
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  const url = async (): Promise<URL> => {
    for (let i = 0; i < 200; i++) {
      const m = /serving Streamable HTTP at (http:\/\/\S+)/.exec(output);
      if (m) return new URL(m[1] as string);
      await new Promise((r) => setTimeout(r, 50));
    }
    throw new Error(`mcp --listen never said where it serves: ${output}`);
  };
  return { child, output: () => output, exited, url };
}

async function connect(url: URL, token: string | undefined): Promise<Client> {
  const client = new Client({ name: "http-agent", version: "1.0.0" });
  const headers: Record<string, string> = token === undefined ? {} : { Authorization: `Bearer ${token}` };
  await client.connect(new StreamableHTTPClientTransport(url, { requestInit: { headers } }));
  return client;
}

describe("cni-doctor mcp --listen (Streamable HTTP)", () => {
  it("does not start without CNI_DOCTOR_MCP_TOKEN, and says so", async () => {
    const server = spawnHttp({});
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain("--listen needs CNI_DOCTOR_MCP_TOKEN");
  });

  it("refuses a short token without echoing it", async () => {
    const server = spawnHttp({ CNI_DOCTOR_MCP_TOKEN: "short-secret-value" });
    expect(await server.exited).toBe(2);
    expect(server.output()).toContain("CNI_DOCTOR_MCP_TOKEN is too short");
    expect(server.output()).not.toContain("short-secret-value");
  });

  it("serves the tools with the bearer token and refuses without it or with a wrong one", async () => {
    const server = spawnHttp({ CNI_DOCTOR_MCP_TOKEN: TOKEN });
    const url = await server.url();
    await expect(connect(url, undefined)).rejects.toThrow(/401|bearer token/i);
    await expect(connect(url, `${TOKEN.slice(0, -1)}0`)).rejects.toThrow(/401|bearer token/i);
    const unauthorized = await fetch(url, { method: "POST", body: "{}" });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("www-authenticate")).toContain("Bearer");

    const client = await connect(url, TOKEN);
    expect(client.getServerVersion()?.name).toBe("cni-doctor");
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["diagnose", "explain", "list_runs", "propose_fix"]);
    const explained = await client.callTool({
      name: "explain",
      arguments: { messages: ['failed to find plugin "calico" in path [/opt/cni/bin]'] },
    });
    expect(explained.isError).toBeFalsy();
    expect((explained.structuredContent as { results: Array<{ family: string }> }).results[0]?.family).toBe(
      "cni-plugin-missing",
    );
    const runs = await client.callTool({ name: "list_runs", arguments: {} });
    expect(runs.isError, textOf(runs)).toBeFalsy();
    const proposal = await client.callTool({ name: "propose_fix", arguments: {} });
    expect(proposal.isError).toBe(true);
    expect(textOf(proposal)).toContain("no-node-access");
    await client.close();
    expect(server.output()).toContain("missing or wrong bearer token");
    expect(server.output()).not.toContain(TOKEN);
  });

  it("ends a call that outlasts CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS with a timeout error and keeps serving", async () => {
    const slow = world.sim.apiServer.faults.add({ resource: "pods", verb: "list", delayMs: 3_000 });
    const mcp = await spawnStdioMcp(world, ["--node-access", "none"], {
      CNI_DOCTOR_MCP_TOOL_TIMEOUT_SECONDS: "1",
    });
    try {
      const result = await mcp.client.callTool({ name: "diagnose", arguments: {} });
      expect(result.isError).toBe(true);
      expect(textOf(result)).toContain("timeout: diagnose did not finish within 1 s");
      slow();
      const explained = await mcp.client.callTool({ name: "explain", arguments: { messages: ["x"] } });
      expect(explained.isError).toBeFalsy();
    } finally {
      slow();
      await mcp.close();
    }
  });
});

describe("HTTP mode parts", () => {
  it("parses HOST:PORT and refuses anything else", () => {
    expect(parseListen("127.0.0.1:8765")).toEqual({ host: "127.0.0.1", port: 8765 });
    expect(parseListen("[::1]:0")).toEqual({ host: "::1", port: 0 });
    for (const bad of ["8765", "127.0.0.1", "host:99999", "a b:1"])
      expect(() => parseListen(bad)).toThrow(/HOST:PORT/);
  });

  it("matches only the exact bearer token", () => {
    expect(bearerMatches(`Bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`bearer ${TOKEN}`, TOKEN)).toBe(true);
    expect(bearerMatches(`Bearer ${TOKEN}x`, TOKEN)).toBe(false);
    expect(bearerMatches(TOKEN, TOKEN)).toBe(false);
    expect(bearerMatches(undefined, TOKEN)).toBe(false);
    expect(bearerMatches("Bearer ", "")).toBe(false);
  });
});
