/**
 * A local Slack for tests and the demo: the Web API on loopback HTTP, Socket Mode on the same port, and helpers that
 * deliver slash commands, button clicks, mentions and shortcuts the way Slack does (signed HTTP, or Socket Mode
 * envelopes). Part of the simulated world: it imports nothing from the product.
 */
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import {
  appMentionPayload,
  blockActionsPayload,
  type MentionInput,
  messageShortcutPayload,
  type SlashCommandInput,
  slashCommandPayload,
} from "./payloads.ts";
import {
  interactivityBody,
  type SignedRequestOptions,
  type SlackHttpResponse,
  sendSignedRequest,
} from "./signing.ts";
import { type Ack, FakeSocketMode } from "./socket-mode.ts";
import { FakeWebApi } from "./web-api.ts";
import { type StoredMessage, Workspace, type WorkspaceOptions } from "./workspace.ts";

export { checkMessagePayload, type LimitProblem, SLACK_LIMITS } from "./block-kit-limits.ts";
export { freshSlackCredentials, type SlackCredentials } from "./credentials.ts";
export {
  appMentionPayload,
  blockActionsPayload,
  messageShortcutPayload,
  slashCommandPayload,
} from "./payloads.ts";
export { interactivityBody, type SlackHttpResponse, sendSignedRequest, signBody } from "./signing.ts";
export type { Fault, LimitViolation, RecordedCall } from "./web-api.ts";
export type { EphemeralMessage, SlackUser, StoredMessage } from "./workspace.ts";
export { DEFAULT_BOT_SCOPES, Workspace } from "./workspace.ts";

export interface FakeSlackOptions extends WorkspaceOptions {
  botToken: string;
  appToken: string;
  signingSecret: string;
  pingIntervalMs?: number;
}

/** Where the app under test listens, for HTTP mode deliveries. */
export type Delivery = { mode: "http"; url: string; options?: SignedRequestOptions } | { mode: "socket" };

export interface DeliveryResult {
  /** HTTP mode: the app's HTTP answer. */
  http?: SlackHttpResponse;
  /** Socket Mode: the app's ack. */
  ack?: Ack;
}

export interface FakeSlack {
  /** Base URL of the Web API, ending in "/api/": give it to the app as SLACK_API_URL. */
  apiUrl: string;
  workspace: Workspace;
  web: FakeWebApi;
  socket: FakeSocketMode;
  slashCommand(input: SlashCommandInput, to: Delivery): Promise<DeliveryResult>;
  clickButton(
    input: { user: string; message: StoredMessage; actionId: string },
    to: Delivery,
  ): Promise<DeliveryResult>;
  mention(input: MentionInput, to: Delivery): Promise<DeliveryResult>;
  messageShortcut(
    input: { user: string; message: StoredMessage; callbackId: string },
    to: Delivery,
  ): Promise<DeliveryResult>;
  /** Delivers a payload as built by the payload helpers, e.g. the same event twice as Slack's retries do. */
  deliver(
    kind: "slash_commands" | "interactive" | "events_api",
    payload: Record<string, unknown>,
    to: Delivery,
  ): Promise<DeliveryResult>;
  stop(): Promise<void>;
}

export async function startFakeSlack(options: FakeSlackOptions): Promise<FakeSlack> {
  const workspace = new Workspace(options);
  let base = "";
  const web = new FakeWebApi(workspace, { bot: options.botToken, app: options.appToken }, () => `${base}/`);
  const socket = new FakeSocketMode({
    appId: workspace.appId,
    ...(options.pingIntervalMs ? { pingIntervalMs: options.pingIntervalMs } : {}),
  });
  web.openConnection = () => socket.issueUrl(`${base.replace(/^http/, "ws")}/`);

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://localhost");
    const api = /^\/api\/([a-zA-Z.]+)$/.exec(url.pathname);
    const upload = /^\/upload\/(F\w+)$/.exec(url.pathname);
    const done = (p: Promise<void>) =>
      p.catch((err: Error) => {
        if (!res.headersSent) res.writeHead(500, { "content-type": "text/plain" });
        res.end(`fake slack: ${err.message}`);
      });
    if (req.method === "POST" && api?.[1]) done(web.handle(api[1], req, res));
    else if (req.method === "POST" && upload?.[1]) done(web.handleUpload(upload[1], req, res));
    else res.writeHead(404, { "content-type": "text/plain" }).end("not found");
  });
  server.on("upgrade", (req, sock, head) => socket.handleUpgrade(req, sock, head));
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  const deliver = async (
    kind: "slash_commands" | "interactive" | "events_api",
    payload: Record<string, unknown>,
    to: Delivery,
  ): Promise<DeliveryResult> => {
    if (to.mode === "socket") return { ack: await socket.send(kind, payload) };
    const body =
      kind === "slash_commands"
        ? { form: payload as Record<string, string> }
        : kind === "interactive"
          ? interactivityBody(payload)
          : { json: payload };
    return { http: await sendSignedRequest(to.url, options.signingSecret, body, to.options) };
  };

  return {
    apiUrl: `${base}/api/`,
    workspace,
    web,
    socket,
    slashCommand: (input, to) => deliver("slash_commands", slashCommandPayload(workspace, input), to),
    clickButton: (input, to) => deliver("interactive", blockActionsPayload(workspace, input), to),
    mention: (input, to) => deliver("events_api", appMentionPayload(workspace, input), to),
    messageShortcut: (input, to) => deliver("interactive", messageShortcutPayload(workspace, input), to),
    deliver,
    stop: async () => {
      await socket.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
