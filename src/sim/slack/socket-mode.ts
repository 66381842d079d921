/**
 * Slack's Socket Mode, served locally: `apps.connections.open` hands out a single-use WebSocket URL; on connect the
 * server says `hello`; it then sends envelopes (`slash_commands`, `interactive`, `events_api`) that the app must ack
 * with `{envelope_id, payload?}`; it pings; and it can ask the app to reconnect with a `disconnect` message, as Slack
 * does when it recycles a connection (docs.slack.dev apis/events-api/using-socket-mode).
 */
import { randomUUID } from "node:crypto";
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { type WebSocket, WebSocketServer } from "ws";

export type EnvelopeType = "slash_commands" | "interactive" | "events_api";

export interface Ack {
  envelopeId: string;
  /** What the app put in the ack (a slash command's immediate reply, for instance), or undefined. */
  payload: Record<string, unknown> | undefined;
}

export interface SocketModeServerOptions {
  appId: string;
  /** How often the server pings each connection, like Slack's own heartbeat. */
  pingIntervalMs?: number;
}

export class FakeSocketMode {
  readonly acks: Ack[] = [];
  /** Every envelope sent, in order. */
  readonly sent: { envelopeId: string; type: EnvelopeType; payload: unknown }[] = [];
  /** Connections opened over the server's life (a reconnect adds one). */
  connectionsOpened = 0;
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly tickets = new Set<string>();
  private readonly live = new Set<WebSocket>();
  private readonly waiting = new Map<string, (ack: Ack) => void>();
  private readonly connectionWaiters: (() => void)[] = [];
  private readonly pinger: NodeJS.Timeout;

  private readonly options: SocketModeServerOptions;

  constructor(options: SocketModeServerOptions) {
    this.options = options;
    this.pinger = setInterval(() => {
      for (const socket of this.live) socket.ping(Buffer.from(String(Date.now())));
    }, options.pingIntervalMs ?? 5_000);
    this.pinger.unref();
  }

  /** The URL apps.connections.open returns; valid for one connection, as Slack's are. */
  issueUrl(baseWsUrl: string): string {
    const ticket = randomUUID();
    this.tickets.add(ticket);
    return `${baseWsUrl}link/?ticket=${ticket}&app_id=${this.options.appId}`;
  }

  handleUpgrade(req: IncomingMessage, socket: Duplex, head: Buffer): void {
    const url = new URL(req.url ?? "/", "ws://localhost");
    const ticket = url.searchParams.get("ticket") ?? "";
    if (url.pathname !== "/link/" || !this.tickets.delete(ticket)) {
      socket.end("HTTP/1.1 401 Unauthorized\r\nConnection: close\r\n\r\n");
      return;
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => this.onConnection(ws));
  }

  get connections(): number {
    return this.live.size;
  }

  /** Resolves once at least `count` connections are live (bounded by `timeoutMs`). */
  async waitForConnections(count = 1, timeoutMs = 15_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.live.size < count) {
      if (Date.now() > deadline) {
        throw new Error(
          `Socket Mode: ${this.live.size} live connections after ${timeoutMs} ms, wanted ${count}`,
        );
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, 100);
        this.connectionWaiters.push(() => {
          clearTimeout(timer);
          resolve();
        });
      });
    }
  }

  /**
   * Sends an envelope to one live connection and resolves with the app's ack. Slack re-sends unacknowledged
   * envelopes; here an ack that never comes is a test failure after `timeoutMs`.
   */
  async send(
    type: EnvelopeType,
    payload: unknown,
    options: { retryAttempt?: number; timeoutMs?: number } = {},
  ): Promise<Ack> {
    const socket = [...this.live].at(-1);
    if (!socket) throw new Error("Socket Mode: no live connection to send an envelope to");
    const envelopeId = randomUUID();
    const envelope: Record<string, unknown> = {
      envelope_id: envelopeId,
      payload,
      type,
      accepts_response_payload: type === "slash_commands",
    };
    if (type === "events_api") {
      envelope.retry_attempt = options.retryAttempt ?? 0;
      envelope.retry_reason = options.retryAttempt ? "timeout" : "";
    }
    this.sent.push({ envelopeId, type, payload });
    const acked = new Promise<Ack>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiting.delete(envelopeId);
        reject(
          new Error(
            `Socket Mode: envelope ${envelopeId} (${type}) was not acknowledged within ${options.timeoutMs ?? 3_000} ms`,
          ),
        );
      }, options.timeoutMs ?? 3_000);
      this.waiting.set(envelopeId, (ack) => {
        clearTimeout(timer);
        resolve(ack);
      });
    });
    socket.send(JSON.stringify(envelope));
    return acked;
  }

  /** Asks every connected app to reconnect, as Slack does before recycling a connection. */
  requestReconnect(reason: "refresh_requested" | "warning" | "link_disabled" = "refresh_requested"): void {
    for (const socket of this.live) {
      socket.send(JSON.stringify({ type: "disconnect", reason, debug_info: { host: "applink-fake" } }));
    }
  }

  /** Drops every connection without warning (a network failure). */
  dropAll(): void {
    for (const socket of this.live) socket.terminate();
  }

  async close(): Promise<void> {
    clearInterval(this.pinger);
    for (const socket of this.live) socket.terminate();
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }

  private onConnection(ws: WebSocket): void {
    this.connectionsOpened += 1;
    this.live.add(ws);
    ws.on("close", () => this.live.delete(ws));
    ws.on("error", () => this.live.delete(ws));
    ws.on("message", (data) => {
      let message: { envelope_id?: string; payload?: Record<string, unknown> };
      try {
        message = JSON.parse(data.toString());
      } catch {
        return;
      }
      if (typeof message.envelope_id !== "string") return;
      const ack: Ack = { envelopeId: message.envelope_id, payload: message.payload };
      this.acks.push(ack);
      this.waiting.get(message.envelope_id)?.(ack);
      this.waiting.delete(message.envelope_id);
    });
    ws.send(
      JSON.stringify({
        type: "hello",
        num_connections: this.live.size,
        debug_info: { host: "applink-fake", build_number: 1, approximate_connection_time: 18060 },
        connection_info: { app_id: this.options.appId },
      }),
    );
    for (const wake of this.connectionWaiters.splice(0)) wake();
  }
}
