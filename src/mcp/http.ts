/**
 * Streamable HTTP for `cni-doctor mcp --listen HOST:PORT`: POST /mcp, stateless (each request gets its own server
 * and transport, so nothing is kept between calls and any replica can answer), JSON responses. Every request must
 * carry `Authorization: Bearer <CNI_DOCTOR_MCP_TOKEN>`, compared in constant time; without the variable the server
 * does not start. The token is never logged nor put in any answer.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { McpServer } from "@modelcontextprotocol/sdk/server/mcp.js";
import { StreamableHTTPServerTransport } from "@modelcontextprotocol/sdk/server/streamableHttp.js";

export const MCP_PATH = "/mcp";

/** `HOST:PORT` (`[::1]:PORT` for IPv6); throws with what is wrong. */
export function parseListen(value: string): { host: string; port: number } {
  const match = /^(?:\[([0-9A-Fa-f:.]+)\]|([A-Za-z0-9.-]+)):(\d{1,5})$/.exec(value);
  const port = match ? Number(match[3]) : Number.NaN;
  if (!match || port > 65535) {
    throw new Error(`--listen ${JSON.stringify(value)} is not HOST:PORT (e.g. 127.0.0.1:8765, [::1]:8765)`);
  }
  return { host: (match[1] ?? match[2]) as string, port };
}

/** Constant-time comparison of a request's Authorization header with the expected token. */
export function bearerMatches(header: string | undefined, token: string): boolean {
  const given = /^Bearer ([^\s]+)$/i.exec(header ?? "")?.[1] ?? "";
  // Hash both sides first: equal lengths for timingSafeEqual, and the comparison time says nothing of the token's.
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(token).digest();
  return timingSafeEqual(a, b) && given.length > 0;
}

export interface HttpMcpOptions {
  host: string;
  port: number;
  token: string;
  /** A fresh McpServer with every tool registered, one per request. */
  newServer: () => McpServer;
  /** One line per refused or failed request, for stderr; never given the token. */
  onLog: (line: string) => void;
}

export interface RunningHttpMcp {
  url: string;
  close(): Promise<void>;
}

export async function startHttpMcp(options: HttpMcpOptions): Promise<RunningHttpMcp> {
  const http: Server = createServer((req, res) => {
    serve(req, res, options).catch((err: unknown) => {
      options.onLog(`mcp http: ${req.method} ${MCP_PATH} failed: ${(err as Error).message}`);
      if (!res.headersSent) reply(res, 500, "internal error; the server log says why");
      else res.end();
    });
  });
  // A slow or stuck client cannot hold a connection for ever.
  http.requestTimeout = 5 * 60_000;
  http.headersTimeout = 30_000;
  await new Promise<void>((resolve, reject) => {
    http.once("error", reject);
    http.listen(options.port, options.host, () => {
      http.off("error", reject);
      resolve();
    });
  });
  const address = http.address() as AddressInfo;
  const host = address.family === "IPv6" ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}${MCP_PATH}`,
    close: () =>
      new Promise<void>((resolve) => {
        http.close(() => resolve());
        http.closeAllConnections();
      }),
  };
}

async function serve(req: IncomingMessage, res: ServerResponse, options: HttpMcpOptions): Promise<void> {
  const path = new URL(req.url ?? "/", "http://localhost").pathname;
  if (path !== MCP_PATH) return reply(res, 404, `not found; the MCP endpoint is ${MCP_PATH}`);
  if (!bearerMatches(req.headers.authorization, options.token)) {
    options.onLog(
      `mcp http: refused a ${req.method} from ${req.socket.remoteAddress}: missing or wrong bearer token`,
    );
    res.setHeader("WWW-Authenticate", 'Bearer realm="cni-doctor-mcp"');
    return reply(res, 401, "a bearer token is required (Authorization: Bearer <CNI_DOCTOR_MCP_TOKEN>)");
  }
  if (req.method !== "POST") {
    // Stateless: no session to resume and no server-initiated stream to open.
    res.setHeader("Allow", "POST");
    return reply(res, 405, "only POST is served (stateless Streamable HTTP)");
  }
  const server = options.newServer();
  const transport = new StreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  res.on("close", () => {
    void transport.close();
    void server.close();
  });
  await server.connect(transport);
  await transport.handleRequest(req, res);
}

function reply(res: ServerResponse, status: number, message: string): void {
  res.statusCode = status;
  res.setHeader("Content-Type", "application/json");
  res.end(JSON.stringify({ jsonrpc: "2.0", error: { code: -32001, message }, id: null }));
}
