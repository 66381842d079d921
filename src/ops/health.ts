/**
 * Liveness, readiness and metrics over HTTP, on PORT in both Slack modes: in HTTP mode as Bolt custom routes beside
 * /slack/events, in Socket Mode on a small server of their own (startOpsServer).
 * - /healthz: the process is alive and its event loop answers. Nothing else, so a Slack or API outage never gets the
 *   pod restarted (a restart would not fix either, and would interrupt a running fix).
 * - /readyz: the bot can do its job — the Slack connection is up (Socket Mode connected, or the HTTP receiver
 *   listening), a Kubernetes API server answered recently, and it is not shutting down. 503 with the reasons otherwise.
 * - /metrics: Prometheus exposition of the bot's own registry.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export class Readiness {
  readonly #kubeWindowMs: number;
  readonly #now: () => number;
  #slack: { up: boolean; detail: string } = { up: false, detail: "not connected yet" };
  #kubeAnsweredAt: number | null = null;
  #draining: string | null = null;
  #check: InstallationCheck = { state: "pending" };

  constructor(options: { kubeWindowMs: number; now?: () => number }) {
    this.#kubeWindowMs = options.kubeWindowMs;
    this.#now = options.now ?? Date.now;
  }

  get kubeWindowMs(): number {
    return this.#kubeWindowMs;
  }

  slackConnection(up: boolean, detail: string): void {
    this.#slack = { up, detail };
  }

  /** Any HTTP answer from an API server counts, a 403 included: the server is there and talking to us. */
  kubeAnswered(): void {
    this.#kubeAnsweredAt = this.#now();
  }

  /** How long since an API server last answered, or null when none has yet. */
  kubeSilentForMs(): number | null {
    return this.#kubeAnsweredAt === null ? null : this.#now() - this.#kubeAnsweredAt;
  }

  /**
   * What `cni-doctor check` found when the bot started: shown in /readyz's body. It does not change readiness — a
   * missing permission or an unreachable node leaves the bot useful for the rest, and the log says what to fix.
   */
  installationChecked(result: InstallationCheck): void {
    this.#check = result;
  }

  get installationCheck(): InstallationCheck {
    return this.#check;
  }

  /** Shutting down: no new work, so the Service stops sending any. Never undone. */
  drain(reason: string): void {
    this.#draining ??= reason;
  }

  status(): { ready: boolean; reasons: string[] } {
    const reasons: string[] = [];
    if (this.#draining) reasons.push(`shutting down: ${this.#draining}`);
    if (!this.#slack.up) reasons.push(`Slack connection down: ${this.#slack.detail}`);
    const silent = this.kubeSilentForMs();
    if (silent === null) reasons.push("no Kubernetes API server has answered yet");
    else if (silent > this.#kubeWindowMs)
      reasons.push(
        `no Kubernetes API server answered in the last ${Math.round(this.#kubeWindowMs / 1000)} s`,
      );
    return { ready: reasons.length === 0, reasons };
  }
}

/** The startup check's outcome, as /readyz shows it. */
export type InstallationCheck =
  | { state: "pending" }
  | { state: "passed" | "failed"; checkedAt: string; summary: string; failed: string[] }
  | { state: "error"; message: string };

export interface OpsEndpoints {
  readiness: Readiness;
  metrics: { render(): Promise<{ contentType: string; body: string }> };
}

export interface OpsRoute {
  path: "/healthz" | "/readyz" | "/metrics" | "/alertmanager";
  /** Default GET and HEAD. */
  methods?: ("GET" | "HEAD" | "POST")[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** The three GET routes, in the shape Bolt's customRoutes and startOpsServer both take. */
export function opsRoutes(ops: OpsEndpoints): OpsRoute[] {
  return [
    { path: "/healthz", handler: (_req, res) => json(res, 200, { status: "ok" }) },
    {
      path: "/readyz",
      handler: (_req, res) => {
        const { ready, reasons } = ops.readiness.status();
        const check = ops.readiness.installationCheck;
        json(
          res,
          ready ? 200 : 503,
          ready ? { status: "ready", check } : { status: "not ready", reasons, check },
        );
      },
    },
    {
      path: "/metrics",
      handler: (_req, res) => {
        ops.metrics.render().then(
          ({ contentType, body }) => {
            res.writeHead(200, { "content-type": contentType });
            res.end(body);
          },
          (err: Error) => json(res, 500, { status: "error", reason: `metrics failed: ${err.message}` }),
        );
      },
    },
  ];
}

export interface RunningOpsServer {
  /** e.g. http://127.0.0.1:3000 */
  url: string;
  close(): Promise<void>;
}

/** Socket Mode has no HTTP server of its own; this one serves only the ops routes on PORT. */
export async function startOpsServer(
  port: number,
  routes: OpsRoute[],
  host?: string,
): Promise<RunningOpsServer> {
  const byPath = new Map(routes.map((r) => [r.path as string, r]));
  const server: Server = createServer((req, res) => {
    const route = byPath.get(new URL(req.url ?? "/", "http://localhost").pathname);
    if (!route) return json(res, 404, { status: "not found" });
    if (!(route.methods ?? ["GET", "HEAD"]).includes(req.method as "GET"))
      return json(res, 405, { status: "method not allowed" });
    route.handler(req, res);
  });
  // Probes come every few seconds; idle keep-alive sockets must not hold shutdown open.
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen({ port, ...(host ? { host } : {}) }, () => {
      server.off("error", reject);
      resolve();
    });
  });
  const address = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${address.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

/**
 * Keeps "a Kubernetes API server answered recently" true while one does, even when nobody uses the bot: every
 * third of the window, when nothing has answered for that long, `probe` makes one cheap call (through the
 * instrumented reader, which records the answer). Failures are left to readiness; they are not thrown.
 */
export function startKubeProbe(readiness: Readiness, probe: () => Promise<unknown>): () => void {
  const every = Math.max(250, Math.floor(readiness.kubeWindowMs / 3));
  let inFlight = false;
  const tick = () => {
    const silent = readiness.kubeSilentForMs();
    if (inFlight || (silent !== null && silent < every)) return;
    inFlight = true;
    probe()
      .catch(() => undefined)
      .finally(() => {
        inFlight = false;
      });
  };
  tick();
  const timer = setInterval(tick, every);
  timer.unref();
  return () => clearInterval(timer);
}
