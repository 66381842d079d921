/**
 * The Slack app: Bolt with either Socket Mode (an app-level token; no inbound port, the default in a cluster) or
 * HTTP (signed requests on PORT at /slack/events, verified by Bolt: v0 HMAC, 5-minute replay window). The WebClient's
 * own retries are off so the Messenger's rules (Retry-After, no duplicate posts) are the only ones applied.
 */
import type { Server } from "node:http";
import type { AddressInfo } from "node:net";
import { App, type Logger as BoltLogger, LogLevel, SocketModeReceiver } from "@slack/bolt";
import type { Diagnosis } from "../diagnosis/index.ts";
import type { OpsRoute } from "../ops/health.ts";
import type { ClusterDirectory } from "./clusters.ts";
import {
  type BotLogger,
  type BotSettings,
  closeSlackFlows,
  createSlackFlows,
  type InstallationChecker,
  type SlackFlows,
} from "./flows/context.ts";
import { JobRunner } from "./jobs.ts";
import { registerListeners } from "./listeners/index.ts";
import { Messenger, type MessengerOptions, type SlackApi } from "./messenger.ts";

export interface SlackConnection {
  botToken: string;
  /** Socket Mode when set. */
  appToken?: string;
  /** HTTP mode: required when there is no app token. */
  signingSecret?: string;
  /** HTTP mode port; 0 picks a free one (tests). */
  port: number;
  /** HTTP mode address; undefined: every interface. */
  host?: string;
  /** Web API base URL, ending in "/" (GovSlack, tests). */
  apiUrl?: string;
}

export interface SlackBotDeps {
  clusters: ClusterDirectory;
  logger: BotLogger & { debug(fields: Record<string, unknown>, message: string): void };
  settings: BotSettings;
  jobConcurrency?: number;
  messenger?: MessengerOptions;
  /** Socket Mode heartbeat; tests shorten it. */
  clientPingTimeoutMs?: number;
  /** pino level name; "debug" and "trace" let Bolt's own debug lines through. */
  logLevel?: string;
  /** HTTP mode: GET routes served beside /slack/events on the same port (health, readiness, metrics). */
  httpRoutes?: OpsRoute[];
  /** Told each time the Slack connection comes up or goes down (readiness). */
  onConnectionChange?: (up: boolean, detail: string) => void;
  /** Each diagnosis asked for in Slack, or null when it could not run (metrics). */
  onDiagnosed?: (diagnosis: Diagnosis | null) => void;
  /** `/cni check`: the installation check against a cluster the bot may use. */
  checkInstallation?: InstallationChecker;
}

export interface RunningSlackBot {
  mode: "socket" | "http";
  /** HTTP mode: the URL Slack posts to. */
  eventsUrl: string | null;
  app: App;
  flows: SlackFlows;
  jobs: JobRunner;
  /** Stops taking requests, waits up to `timeoutMs` for running jobs, disconnects; returns the jobs left running. */
  stop(timeoutMs?: number): Promise<number>;
}

export async function startSlackBot(
  connection: SlackConnection,
  deps: SlackBotDeps,
): Promise<RunningSlackBot> {
  const socketMode = Boolean(connection.appToken);
  const boltLevel = deps.logLevel === "debug" || deps.logLevel === "trace" ? LogLevel.DEBUG : LogLevel.INFO;
  const connectionChanged = deps.onConnectionChange ?? (() => undefined);
  const clientOptions = {
    ...(connection.apiUrl ? { slackApiUrl: connection.apiUrl } : {}),
    retryConfig: { retries: 0 },
    rejectRateLimitedCalls: true,
    timeout: 15_000,
  };
  // Our own receiver in Socket Mode, so the Socket Mode client gets the same Web API URL and our heartbeat setting,
  // and readiness can follow its connection.
  const socketReceiver = socketMode
    ? new SocketModeReceiver({
        appToken: connection.appToken as string,
        logger: boltLogger(deps.logger),
        logLevel: boltLevel,
        installerOptions: { clientOptions },
        ...(deps.clientPingTimeoutMs ? { clientPingTimeout: deps.clientPingTimeoutMs } : {}),
      })
    : null;
  if (socketReceiver) watchSocketMode(socketReceiver, connectionChanged);
  const app = new App({
    token: connection.botToken,
    logger: boltLogger(deps.logger),
    logLevel: boltLevel,
    clientOptions,
    ...(socketReceiver
      ? { receiver: socketReceiver }
      : {
          signingSecret: connection.signingSecret as string,
          port: connection.port,
          endpoints: "/slack/events",
          customRoutes: (deps.httpRoutes ?? []).map((r) => ({
            path: r.path,
            method: r.methods ?? ["GET", "HEAD"],
            handler: r.handler,
          })),
        }),
  });
  const jobs = new JobRunner({ concurrency: deps.jobConcurrency ?? 8, logger: deps.logger });
  const messenger = new Messenger(app.client as unknown as SlackApi, {
    ...deps.messenger,
    onRetry: (e) =>
      deps.logger.warn({ method: e.method, reason: e.reason, waitMs: e.waitMs }, "Slack call retried"),
  });
  const flows = createSlackFlows({
    messenger,
    clusters: deps.clusters,
    jobs,
    logger: deps.logger,
    settings: deps.settings,
    ...(deps.onDiagnosed ? { onDiagnosed: deps.onDiagnosed } : {}),
    ...(deps.checkInstallation ? { checkInstallation: deps.checkInstallation } : {}),
  });
  registerListeners(app, flows);
  app.error(async (error) => {
    deps.logger.error(
      { err: error.message, code: (error as { code?: string }).code },
      "Slack listener failed",
    );
  });

  const started = (await (socketMode
    ? app.start()
    : app.start(
        connection.host ? { port: connection.port, host: connection.host } : connection.port,
      ))) as unknown;
  let eventsUrl: string | null = null;
  if (!socketMode) {
    const server = started as Server;
    const address = server.address() as AddressInfo;
    eventsUrl = `http://127.0.0.1:${address.port}/slack/events`;
    connectionChanged(server.listening, "HTTP receiver listening");
    server.once("close", () => connectionChanged(false, "HTTP receiver closed"));
  }
  deps.logger.info(
    { mode: socketMode ? "socket" : "http", ...(eventsUrl ? { eventsUrl } : {}) },
    "Slack bot started",
  );
  return {
    mode: socketMode ? "socket" : "http",
    eventsUrl,
    app,
    flows,
    jobs,
    stop: async (timeoutMs = 30_000) => {
      const left = await jobs.drain(timeoutMs);
      if (left > 0) deps.logger.warn({ jobs: left }, "stopping with jobs still running");
      closeSlackFlows(flows);
      await app.stop();
      return left;
    },
  };
}

/**
 * Socket Mode's connection state as readiness sees it: up on Slack's hello, down as soon as the WebSocket closes or
 * the client starts reconnecting, so a pod without a live connection is not counted as serving.
 */
function watchSocketMode(receiver: SocketModeReceiver, changed: (up: boolean, detail: string) => void): void {
  const client = receiver.client;
  client.on("connected", () => changed(true, "Socket Mode connected"));
  client.on("close", () => {
    // A close of an older socket after a newer one is live changes nothing (the client checks the same).
    if (!client.websocket?.isActive()) changed(false, "Socket Mode connection closed");
  });
  client.on("reconnecting", () => changed(false, "Socket Mode reconnecting"));
  client.on("disconnected", () => changed(false, "Socket Mode disconnected"));
}

/** Bolt logs through the bot's logger; Bolt's messages are strings, so they go in `msg`. */
function boltLogger(logger: SlackBotDeps["logger"]): BoltLogger {
  let level = LogLevel.INFO;
  const text = (parts: unknown[]) => parts.map((p) => (typeof p === "string" ? p : String(p))).join(" ");
  return {
    debug: (...m) => level === LogLevel.DEBUG && logger.debug({ source: "bolt" }, text(m)),
    info: (...m) => logger.info({ source: "bolt" }, text(m)),
    warn: (...m) => logger.warn({ source: "bolt" }, text(m)),
    error: (...m) => logger.error({ source: "bolt" }, text(m)),
    setLevel: (l) => {
      level = l;
    },
    getLevel: () => level,
    setName: () => undefined,
  };
}
