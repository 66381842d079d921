/**
 * One authenticated SSH connection to a node (optionally through one jump host), and command execution on it with a
 * timeout and output caps. Connection setup is retried with backoff when the node is unreachable; commands never are.
 */
import { readFile } from "node:fs/promises";
import type { Duplex } from "node:stream";
import { setTimeout as sleep } from "node:timers/promises";
import type { ClientChannel, ConnectConfig, Client as SshClient } from "ssh2";

type Client = SshClient;

/**
 * ssh2 is imported on the first connection, not with this module: everything that imports node access (diagnose,
 * check, the bot) would otherwise load it and its crypto at start-up, and `diagnose` without a nodes file never dials
 * SSH (bench/startup.ts, test/cli/lazy-commands.test.ts). ssh2 is CommonJS: Node's ESM loader cannot see `utils` as a
 * named export (only bundlers and vitest can), so both come from the default export, as `npx cni-doctor` runs the
 * sources on plain Node.
 */
type Ssh2 = typeof import("ssh2");
let ssh2Loaded: Promise<Ssh2> | undefined;
function loadSsh2(): Promise<Ssh2> {
  // The typings declare named exports only; at run time the CommonJS module.exports is the default export.
  ssh2Loaded ??= import("ssh2").then((m) => (m as Ssh2 & { default: Ssh2 }).default);
  return ssh2Loaded;
}

import type { CommandResult } from "./commands.ts";
import { isNodeAccessError, NodeAccessError, type NodeAccessErrorKind } from "./errors.ts";
import { type HostKeyPolicy, preferredHostKeyAlgorithms, verifyHostKey } from "./host-keys.ts";
import type { ClientAuth, NodeTarget, SshEndpoint } from "./inventory.ts";
import { knownHostsCache } from "./known-hosts-file.ts";

/** Where secrets and the agent socket come from; the caller passes process.env (config.ts owns the environment). */
export type Environment = Readonly<Record<string, string | undefined>>;

export interface ConnectOptions {
  env: Environment;
  /** Extra attempts after the first when the node (or jump host) is unreachable. Auth and host key failures are final. */
  retries: number;
  /** First backoff delay; doubles per attempt. */
  retryDelayMs: number;
}

export interface ExecOptions {
  timeoutMs: number;
  maxStdoutBytes: number;
  maxStderrBytes: number;
}

/** How often to probe an idle connection, so a dead one is noticed and replaced rather than reused. */
const KEEPALIVE_INTERVAL_MS = 15_000;

// ---------------------------------------------------------------------------------------------------------------
// credentials and host keys

interface Credentials {
  privateKey?: Buffer;
  passphrase?: string;
  agent?: string;
}

/** Which connection an error is about: the node itself or the jump host on the way to it. */
interface Hop {
  nodeName: string;
  role: "node" | "jump host";
}

/** Message prefix for the jump host hop; errors already name the node. */
function hopPrefix(hop: Hop, endpoint: SshEndpoint): string {
  return hop.role === "jump host" ? `jump host ${endpoint.host}:${endpoint.port}: ` : "";
}

async function loadCredentials(auth: ClientAuth, env: Environment, hop: Hop): Promise<Credentials> {
  const credentials: Credentials = {};
  if (auth.agent !== false) {
    const socket = auth.agent === true ? env.SSH_AUTH_SOCK : auth.agent;
    if (socket === undefined || socket === "") {
      throw new NodeAccessError("client-key-unusable", "agent: true is set but SSH_AUTH_SOCK is not.", {
        node: hop.nodeName,
        hint: "Start ssh-agent and add the key (ssh-add), or set privateKeyPath.",
      });
    }
    credentials.agent = socket;
  }
  if (auth.privateKeyPath === undefined) return credentials;

  let passphrase: string | undefined;
  if (auth.privateKeyPassphraseEnv !== undefined) {
    passphrase = env[auth.privateKeyPassphraseEnv];
    if (passphrase === undefined) {
      throw new NodeAccessError(
        "client-key-unusable",
        `the environment variable ${auth.privateKeyPassphraseEnv} (named by privateKeyPassphraseEnv) is not set.`,
        { node: hop.nodeName, hint: `Export it with the passphrase for ${auth.privateKeyPath}.` },
      );
    }
  }
  let key: Buffer;
  try {
    key = await readFile(auth.privateKeyPath);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new NodeAccessError(
      "client-key-unusable",
      `cannot read private key file ${auth.privateKeyPath} (${code}).`,
      {
        node: hop.nodeName,
        hint: "Check privateKeyPath in the nodes file.",
      },
    );
  }
  // Parse up front: ssh2's own error for a bad key surfaces late and vaguely. Its messages never contain key material.
  const { utils } = await loadSsh2();
  const parsed = utils.parseKey(key, passphrase);
  if (parsed instanceof Error) {
    const encrypted = /encrypted|passphrase|decrypt/i.test(parsed.message);
    const hint = !encrypted
      ? "Is this an OpenSSH, PEM or PPK private key?"
      : passphrase === undefined
        ? "The key is encrypted: name an environment variable holding its passphrase with privateKeyPassphraseEnv."
        : `Check the passphrase in ${auth.privateKeyPassphraseEnv}.`;
    throw new NodeAccessError(
      "client-key-unusable",
      `private key ${auth.privateKeyPath} cannot be used: ${parsed.message}.`,
      { node: hop.nodeName, hint },
    );
  }
  credentials.privateKey = key;
  if (passphrase !== undefined) credentials.passphrase = passphrase;
  return credentials;
}

async function loadHostKeyPolicy(endpoint: SshEndpoint, hop: Hop): Promise<HostKeyPolicy> {
  if (endpoint.hostKeys.kind === "pinned")
    return { kind: "pinned", fingerprints: endpoint.hostKeys.fingerprints };
  const path = endpoint.hostKeys.path;
  try {
    // Parsed once per change of the file, not per connection (see known-hosts-file.ts).
    return { kind: "known-hosts", knownHosts: await knownHostsCache.load(path) };
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? "error";
    throw new NodeAccessError(
      "host-key-unknown",
      `${hopPrefix(hop, endpoint)}cannot read known_hosts file ${path} (${code}); refusing to connect.`,
      {
        node: hop.nodeName,
        hint: `Create it with \`ssh-keyscan -p ${endpoint.port} ${endpoint.host} >> ${path}\` and verify the fingerprint out of band.`,
      },
    );
  }
}

// ---------------------------------------------------------------------------------------------------------------
// one hop

interface Ssh2Error extends Error {
  level?: string;
  code?: string | number;
}

function classifyConnectError(
  err: Ssh2Error,
  hop: Hop,
  endpoint: SshEndpoint,
  timeoutMs: number,
): NodeAccessError {
  const where = `${endpoint.user}@${endpoint.host}:${endpoint.port}`;
  if (err.level === "client-authentication") {
    return new NodeAccessError("auth-refused", `${where} refused every key offered (${err.message}).`, {
      node: hop.nodeName,
      hint: `Check that the public key is in ~${endpoint.user}/.ssh/authorized_keys on that host and that the user may log in.`,
      cause: err,
    });
  }
  if (err.level === "client-timeout") {
    return new NodeAccessError("unreachable", `no SSH handshake with ${where} within ${timeoutMs} ms.`, {
      node: hop.nodeName,
      hint: "Is sshd running and the port reachable from here (firewall, security group)? Raise connectTimeoutMs if the link is slow.",
      cause: err,
    });
  }
  if (err.level === "client-socket") {
    return new NodeAccessError("unreachable", `cannot connect to ${where}: ${err.code ?? err.message}.`, {
      node: hop.nodeName,
      hint: "Check the address and port (nodes file), that sshd runs on the node and that no firewall blocks it.",
      cause: err,
    });
  }
  return new NodeAccessError("unreachable", `SSH handshake with ${where} failed: ${err.message}.`, {
    node: hop.nodeName,
    cause: err,
  });
}

async function connectHop(
  endpoint: SshEndpoint,
  hop: Hop,
  timeoutMs: number,
  env: Environment,
  sock: Duplex | undefined,
): Promise<Client> {
  const credentials = await loadCredentials(endpoint.auth, env, hop);
  const policy = await loadHostKeyPolicy(endpoint, hop);
  const { Client } = await loadSsh2();
  const client = new Client();
  let hostKeyRefusal: NodeAccessError | undefined;
  const config: ConnectConfig = {
    host: endpoint.host,
    port: endpoint.port,
    username: endpoint.user,
    readyTimeout: timeoutMs,
    keepaliveInterval: KEEPALIVE_INTERVAL_MS,
    keepaliveCountMax: 3,
    tryKeyboard: false,
    algorithms: { serverHostKey: preferredHostKeyAlgorithms(policy, endpoint.host, endpoint.port) },
    hostVerifier: (key: Buffer) => {
      const verdict = verifyHostKey(policy, { host: endpoint.host, port: endpoint.port, ...hop }, key);
      if (!verdict.ok) hostKeyRefusal = verdict.error;
      return verdict.ok;
    },
    ...credentials,
    ...(sock === undefined ? {} : { sock }),
  };
  return await new Promise<Client>((resolve, reject) => {
    let settled = false;
    const fail = (error: NodeAccessError) => {
      if (settled) return;
      settled = true;
      client.end();
      reject(error);
    };
    client.once("ready", () => {
      settled = true;
      resolve(client);
    });
    client.on("error", (err: Ssh2Error) => {
      fail(hostKeyRefusal ?? classifyConnectError(err, hop, endpoint, timeoutMs));
    });
    client.once("close", () => {
      fail(
        hostKeyRefusal ??
          new NodeAccessError(
            "unreachable",
            `${hop.role === "jump host" ? "jump host " : ""}${endpoint.host}:${endpoint.port} closed the connection during the SSH handshake.`,
            {
              node: hop.nodeName,
            },
          ),
      );
    });
    try {
      client.connect(config);
      // Every command is a burst of small SSH packets (channel open, exec, EOF, close) answered by the node: with
      // Nagle's algorithm on, each burst waits out the node's delayed ACK (~40 ms), twice per command. The node side
      // cannot fix that; the client must send at once. (No-op for a jump-host channel, which has no TCP socket.)
      client.setNoDelay(true);
    } catch (err) {
      fail(classifyConnectError(err as Ssh2Error, hop, endpoint, timeoutMs));
    }
  });
}

/**
 * Opens a direct-tcpip channel from the bastion to the node's SSH port, bounded by connectTimeoutMs: the bastion's
 * own TCP connect to an unreachable node could otherwise hold us for minutes.
 */
function forwardThrough(bastion: Client, target: NodeTarget, jump: SshEndpoint): Promise<Duplex> {
  const jumpName = `jump host ${jump.host}:${jump.port}`;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      reject(
        new NodeAccessError(
          "unreachable",
          `${jumpName} did not connect to ${target.host}:${target.port} within ${target.connectTimeoutMs} ms.`,
          { node: target.nodeName, hint: "Can the jump host reach the node's SSH port?" },
        ),
      );
    }, target.connectTimeoutMs);
    bastion.forwardOut("127.0.0.1", 0, target.host, target.port, (err, stream) => {
      clearTimeout(timer);
      if (err) {
        reject(
          new NodeAccessError(
            "unreachable",
            `${jumpName} could not open a connection to ${target.host}:${target.port}: ${err.message}.`,
            {
              node: target.nodeName,
              hint: "Check that the jump host allows TCP forwarding (AllowTcpForwarding) and can reach the node's SSH port.",
              cause: err,
            },
          ),
        );
        return;
      }
      resolve(stream);
    });
  });
}

// ---------------------------------------------------------------------------------------------------------------
// connection

/** A ready connection to one node. Not reused after a command timeout or once the transport closes. */
export class SshConnection {
  readonly nodeName: string;
  readonly #client: Client;
  readonly #jump: Client | undefined;
  #open = true;
  readonly #closeListeners = new Set<() => void>();

  constructor(nodeName: string, client: Client, jump: Client | undefined) {
    this.nodeName = nodeName;
    this.#client = client;
    this.#jump = jump;
    const markClosed = () => this.#markClosed();
    // After 'ready', errors (keepalive timeout, resets) are followed by 'close'; listening keeps them from crashing.
    client.on("error", () => {});
    client.on("end", markClosed);
    client.on("close", markClosed);
    jump?.on("error", () => {});
    jump?.on("close", () => client.end());
  }

  get isOpen(): boolean {
    return this.#open;
  }

  /** Called once, when the connection (or its jump host connection) goes away. */
  onClose(listener: () => void): void {
    this.#closeListeners.add(listener);
  }

  /** Ends the connection; close listeners run now, so nothing reuses it while the transport winds down. */
  close(): void {
    this.#client.end();
    this.#markClosed();
  }

  #markClosed(): void {
    if (!this.#open) return;
    this.#open = false;
    this.#jump?.end();
    for (const listener of [...this.#closeListeners]) listener();
  }

  /**
   * Runs one already-rendered command line. On timeout the remote process is sent KILL, the channel closed and the
   * connection discarded, and a command-timeout error is raised. If the connection drops mid-command the error says
   * so: the command may or may not have taken effect, and it is not retried.
   */
  exec(commandLine: string, options: ExecOptions): Promise<CommandResult> {
    if (!this.#open) {
      return Promise.reject(
        new NodeAccessError(
          "connection-dropped",
          "the SSH connection is closed; the command was not started.",
          {
            node: this.nodeName,
            command: commandLine,
          },
        ),
      );
    }
    return new Promise<CommandResult>((resolve, reject) => {
      const command = new RemoteCommand(this.nodeName, commandLine, options, {
        settle: { resolve, reject },
        isOpen: () => this.#open,
        discard: () => this.close(),
        watchClose: (listener) => {
          this.#closeListeners.add(listener);
          return () => this.#closeListeners.delete(listener);
        },
      });
      try {
        this.#client.exec(commandLine, (err, stream) => command.attach(err, stream));
      } catch (err) {
        // ssh2 throws synchronously when the transport is already gone.
        this.#markClosed();
        command.notStarted(err as Error);
      }
    });
  }
}

/** What a RemoteCommand needs from the connection it runs on. */
interface CommandHost {
  settle: { resolve(result: CommandResult): void; reject(error: NodeAccessError): void };
  isOpen(): boolean;
  /** Closes the connection: after a timeout it is not reused. */
  discard(): void;
  /** Calls `listener` if the connection closes; returns a function that stops watching. */
  watchClose(listener: () => void): () => void;
}

/**
 * One command in flight on a connection: its capped output, its exit status and its timeout. It settles exactly once,
 * with a result or with the NodeAccessError that says what happened (timed out, dropped, never started).
 */
class RemoteCommand {
  readonly #node: string;
  readonly #commandLine: string;
  readonly #host: CommandHost;
  readonly #startedAtMs = Date.now();
  readonly #stdout: CappedBuffer;
  readonly #stderr: CappedBuffer;
  readonly #timer: NodeJS.Timeout;
  readonly #unwatchClose: () => void;
  #exitCode: number | null = null;
  #signal: string | null = null;
  #sawExit = false;
  #channel: ClientChannel | undefined;
  #settled = false;

  constructor(node: string, commandLine: string, options: ExecOptions, host: CommandHost) {
    this.#node = node;
    this.#commandLine = commandLine;
    this.#host = host;
    this.#stdout = new CappedBuffer(options.maxStdoutBytes);
    this.#stderr = new CappedBuffer(options.maxStderrBytes);
    this.#unwatchClose = host.watchClose(() => this.#dropped());
    this.#timer = setTimeout(() => this.#timedOut(options.timeoutMs), options.timeoutMs);
  }

  /** ssh2's exec callback: the channel the command runs on, or why it could not be opened. */
  attach(err: Error | undefined, stream: ClientChannel): void {
    if (err) {
      this.notStarted(err);
      return;
    }
    this.#channel = stream;
    if (this.#settled) {
      stream.close();
      return;
    }
    stream.on("data", (chunk: Buffer) => this.#stdout.push(chunk));
    stream.stderr.on("data", (chunk: Buffer) => this.#stderr.push(chunk));
    stream.on("exit", (code: number | null, signalName?: string) => {
      this.#sawExit = true;
      this.#exitCode = typeof code === "number" ? code : null;
      this.#signal = typeof signalName === "string" ? normaliseSignalName(signalName) : null;
    });
    stream.on("close", () => this.#channelClosed());
  }

  notStarted(err: Error): void {
    this.#fail(
      this.#host.isOpen() ? "command-failed" : "connection-dropped",
      `could not start \`${this.#commandLine}\`: ${err.message}; it did not run.`,
      { cause: err },
    );
  }

  #channelClosed(): void {
    if (this.#sawExit) {
      this.#finish({
        result: {
          stdout: this.#stdout.toBuffer(),
          stderr: this.#stderr.toBuffer(),
          stdoutTruncated: this.#stdout.truncated,
          stderrTruncated: this.#stderr.truncated,
          exitCode: this.#exitCode,
          signal: this.#signal,
          startedAtMs: this.#startedAtMs,
          finishedAtMs: Date.now(),
        },
      });
      return;
    }
    // OpenSSH always reports an exit status; a channel closing without one means the transport went away.
    if (!this.#host.isOpen()) this.#dropped();
    else this.#fail("command-failed", `\`${this.#commandLine}\` ended without an exit status.`);
  }

  #dropped(): void {
    this.#fail(
      "connection-dropped",
      `the SSH connection closed while \`${this.#commandLine}\` was running; it may or may not have taken effect and was not retried.`,
      { hint: "Check the node (sshd restarted? rebooted? network?) and look before running it again." },
    );
  }

  #timedOut(timeoutMs: number): void {
    // Settle first: closing the connection below would otherwise report the timeout as a dropped connection.
    this.#fail(
      "command-timeout",
      `\`${this.#commandLine}\` did not finish within ${timeoutMs} ms; it was sent KILL and the connection was closed.`,
      { hint: "Raise commandTimeoutMs if the node is just slow; otherwise check its disk and load." },
    );
    try {
      this.#channel?.signal("KILL");
    } catch {
      // The server may not support signals, or the channel is already gone; closing is what matters.
    }
    this.#channel?.close();
    this.#host.discard();
  }

  #fail(kind: NodeAccessErrorKind, message: string, details: { hint?: string; cause?: unknown } = {}): void {
    this.#finish({
      error: new NodeAccessError(kind, message, { node: this.#node, command: this.#commandLine, ...details }),
    });
  }

  #finish(outcome: { error: NodeAccessError } | { result: CommandResult }): void {
    if (this.#settled) return;
    this.#settled = true;
    clearTimeout(this.#timer);
    this.#unwatchClose();
    if ("error" in outcome) this.#host.settle.reject(outcome.error);
    else this.#host.settle.resolve(outcome.result);
  }
}

/** ssh2 reports "SIGTERM" or "TERM" depending on the path; Node's convention is "SIGTERM". */
function normaliseSignalName(name: string): string {
  return name.startsWith("SIG") ? name : `SIG${name}`;
}

/** Keeps the first `limit` bytes and notes whether more arrived. */
class CappedBuffer {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(limit: number) {
    this.#limit = limit;
  }

  push(chunk: Buffer): void {
    const room = this.#limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room <= 0) return;
    const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
    this.#chunks.push(kept);
    this.#size += kept.length;
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}

// ---------------------------------------------------------------------------------------------------------------
// connect with retries

async function connectDirectOrViaJump(target: NodeTarget, env: Environment): Promise<SshConnection> {
  const nodeHop: Hop = { nodeName: target.nodeName, role: "node" };
  if (target.jumpHost === undefined) {
    const client = await connectHop(target, nodeHop, target.connectTimeoutMs, env, undefined);
    return new SshConnection(target.nodeName, client, undefined);
  }
  const jumpHop: Hop = { nodeName: target.nodeName, role: "jump host" };
  const bastion = await connectHop(target.jumpHost, jumpHop, target.connectTimeoutMs, env, undefined);
  try {
    const tunnel = await forwardThrough(bastion, target, target.jumpHost);
    const client = await connectHop(target, nodeHop, target.connectTimeoutMs, env, tunnel);
    return new SshConnection(target.nodeName, client, bastion);
  } catch (err) {
    bastion.end();
    throw err;
  }
}

/**
 * Connects to a node, retrying only while it is unreachable (connection refused, timeouts): authentication and
 * host key failures are final, because retrying them cannot help and may trip lockouts.
 */
export async function connectToNode(target: NodeTarget, options: ConnectOptions): Promise<SshConnection> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await connectDirectOrViaJump(target, options.env);
    } catch (err) {
      if (!isNodeAccessError(err, "unreachable") || attempt >= options.retries) throw err;
      await sleep(options.retryDelayMs * 2 ** attempt);
    }
  }
}
