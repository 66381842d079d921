/**
 * Every simulated node as an SSH endpoint: one ssh2 server per node on 127.0.0.1, each on its own port with its own
 * Ed25519 host key. One client key (generated per run) may log in, as one user, with public-key authentication only.
 * Sessions may `exec` one command each; shells, ptys, subsystems (sftp), forwarding and agent requests are refused.
 * Commands run against the node's directory on disk as its `/` (see node-filesystem.ts), through the interpreter.
 *
 * We own each TCP listener (node:net) and hand accepted sockets to ssh2 with injectSocket, so that faults can cut a
 * connection abruptly (socket.destroy) and take a node off the network (close the listener: connection refused).
 */
import { realpath, stat } from "node:fs/promises";
import { createServer, type Server as NetServer, type Socket } from "node:net";
import { setTimeout as sleep } from "node:timers/promises";
import type { AuthContext, Connection, ServerChannel, Server as SshServer } from "ssh2";
// ssh2 is CommonJS: Node's ESM loader cannot see `Server` as a named export, only the default.
import ssh2 from "ssh2";
import { NodeFaults } from "./faults.ts";
import { type CommandOutcome, interpretCommandLine, runCommand, type SudoPolicy } from "./interpreter.ts";
import { generateEd25519KeyPair, knownHostsHostName, type PrivateKeyText, type SshKeyPair } from "./keys.ts";

/** The simulated nodes listen on loopback only. */
export const SIMULATED_NODE_HOST = "127.0.0.1";
export const DEFAULT_SIMULATED_USER = "cni-doctor";

export interface SimulatedNodeSpec {
  /** Node name as in the cluster (k8s-worker1). */
  name: string;
  /** Real directory on disk that is this node's `/`. */
  root: string;
  /** TCP port on 127.0.0.1; 0 or omitted: any free port. */
  port?: number;
  /** Initial clock offset (ms, positive = node ahead); see NodeFaults.setClockOffset. */
  clockOffsetMs?: number;
  /** Initial sudo behaviour; default passwordless. */
  sudo?: SudoPolicy;
}

export interface StartNodeSshServersOptions {
  nodes: readonly SimulatedNodeSpec[];
  /** The one user that may log in. Default "cni-doctor". */
  user?: string;
  /** Called after each exec request with what ran and how it ended; never given command output. */
  onCommand?: (event: NodeCommandEvent) => void;
}

export interface NodeSshEndpoint {
  node: string;
  host: string;
  port: number;
  /** "SHA256:…" of the node's host key, as `ssh-keygen -lf` prints it. */
  hostKeyFingerprint: string;
  /** "ssh-ed25519 AAAA…". */
  hostPublicKeyLine: string;
  /** "[127.0.0.1]:PORT ssh-ed25519 AAAA…", one known_hosts line. */
  knownHostsLine: string;
}

export interface NodeCommandEvent {
  node: string;
  commandLine: string;
  /** completed: exit status sent; dropped: a fault cut the connection; aborted: the client signalled or left. */
  outcome: "completed" | "dropped" | "aborted";
  exitCode: number | undefined;
}

/** The nanosecond clock `date +%s.%N` reads: the host's wall clock plus the node's offset. */
export function nodeClockNs(offsetMs: number): bigint {
  // Date.now() is the wall clock the product compares against; performance.now()'s fraction only adds plausible
  // sub-millisecond digits, so the reading never strays more than 1 ms from Date.now().
  const subMillisecondNs = Math.floor((performance.now() % 1) * 1e6);
  return BigInt(Date.now()) * 1_000_000n + BigInt(subMillisecondNs) + BigInt(Math.round(offsetMs * 1e6));
}

class SimulatedNodeEndpoint {
  readonly name: string;
  readonly hostRoot: string;
  readonly hostKey: SshKeyPair;
  port = 0;
  readonly #listener: NetServer;
  readonly #ssh: SshServer;
  readonly #sockets = new Set<Socket>();
  /** Accepted sockets by remote port, so the ssh2 connection (which reports the port) finds its socket. */
  readonly #socketsByRemotePort = new Map<number, Socket>();
  #listening = false;

  constructor(name: string, hostRoot: string, onClient: (client: Connection, socket: Socket) => void) {
    this.name = name;
    this.hostRoot = hostRoot;
    this.hostKey = generateEd25519KeyPair(`simulated host key of ${name}`);
    this.#ssh = new ssh2.Server({
      hostKeys: [this.hostKey.privateKey.reveal()],
      ident: "OpenSSH_9.2p1-simulated",
    });
    this.#ssh.on("connection", (client, info) => {
      const socket = this.#socketsByRemotePort.get(info.port);
      if (socket === undefined) {
        client.end();
        return;
      }
      onClient(client, socket);
    });
    this.#listener = createServer((socket) => {
      const remotePort = socket.remotePort;
      if (remotePort === undefined) {
        socket.destroy();
        return;
      }
      // Commands are small request/response exchanges: without TCP_NODELAY, Nagle and delayed ACKs add ~40 ms each.
      socket.setNoDelay(true);
      this.#sockets.add(socket);
      this.#socketsByRemotePort.set(remotePort, socket);
      socket.once("close", () => {
        this.#sockets.delete(socket);
        if (this.#socketsByRemotePort.get(remotePort) === socket)
          this.#socketsByRemotePort.delete(remotePort);
      });
      this.#ssh.injectSocket(socket);
    });
  }

  async listen(port: number): Promise<void> {
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error) =>
        reject(
          new Error(
            `simulated node ${this.name}: cannot listen on ${SIMULATED_NODE_HOST}:${port}: ${err.message}`,
          ),
        );
      this.#listener.once("error", onError);
      this.#listener.listen({ host: SIMULATED_NODE_HOST, port, exclusive: true }, () => {
        this.#listener.off("error", onError);
        resolve();
      });
    });
    const address = this.#listener.address();
    if (address === null || typeof address === "string")
      throw new Error(`simulated node ${this.name}: no TCP address`);
    this.port = address.port;
    this.#listening = true;
  }

  /** Stops accepting connections and cuts the open ones, abruptly. */
  async stopListening(): Promise<void> {
    if (!this.#listening) return;
    this.#listening = false;
    const closed = new Promise<void>((resolve) => this.#listener.close(() => resolve()));
    for (const socket of this.#sockets) socket.destroy();
    await closed;
  }
}

export class NodeSshServers {
  readonly endpoints: ReadonlyMap<string, NodeSshEndpoint>;
  /** The user that may log in. */
  readonly user: string;
  /** "ssh-ed25519 AAAA…" of the client key (what an authorized_keys file would hold). */
  readonly clientPublicKeyLine: string;
  readonly clientKeyFingerprint: string;
  /** The client key for cni-doctor; reveal() only to write it to a 0600 file (writeNodesOut does). */
  readonly clientPrivateKey: PrivateKeyText;
  readonly faults: NodeFaults;
  readonly #nodes: ReadonlyMap<string, SimulatedNodeEndpoint>;

  constructor(init: {
    user: string;
    clientKey: SshKeyPair;
    nodes: ReadonlyMap<string, SimulatedNodeEndpoint>;
    faults: NodeFaults;
  }) {
    this.user = init.user;
    this.clientPublicKeyLine = init.clientKey.publicKeyLine;
    this.clientKeyFingerprint = init.clientKey.fingerprint;
    this.clientPrivateKey = init.clientKey.privateKey;
    this.#nodes = init.nodes;
    this.faults = init.faults;
    this.endpoints = new Map([...init.nodes.values()].map((node) => [node.name, endpointOf(node)]));
  }

  /** known_hosts text for every node, one line each. */
  knownHosts(): string {
    return [...this.endpoints.values()].map((e) => `${e.knownHostsLine}\n`).join("");
  }

  /** Closes every listener and connection. */
  async close(): Promise<void> {
    await Promise.all([...this.#nodes.values()].map((node) => node.stopListening()));
  }
}

function endpointOf(node: SimulatedNodeEndpoint): NodeSshEndpoint {
  return {
    node: node.name,
    host: SIMULATED_NODE_HOST,
    port: node.port,
    hostKeyFingerprint: node.hostKey.fingerprint,
    hostPublicKeyLine: node.hostKey.publicKeyLine,
    knownHostsLine: `${knownHostsHostName(SIMULATED_NODE_HOST, node.port)} ${node.hostKey.publicKeyLine}`,
  };
}

/** Accepts exactly the simulation's user with exactly its client key; everything else is refused, publickey offered. */
function authenticate(ctx: AuthContext, user: string, clientKey: SshKeyPair): void {
  if (ctx.method !== "publickey" || ctx.username !== user) {
    ctx.reject(["publickey"]);
    return;
  }
  const expected = clientKey.publicKey;
  if (ctx.key.algo !== expected.type || !ctx.key.data.equals(expected.getPublicSSH())) {
    ctx.reject(["publickey"]);
    return;
  }
  // Without a signature the client is only asking whether this key would do (ssh2 answers PK_OK on accept).
  if (
    ctx.signature !== undefined &&
    (ctx.blob === undefined || expected.verify(ctx.blob, ctx.signature, ctx.hashAlgo) !== true)
  ) {
    ctx.reject(["publickey"]);
    return;
  }
  ctx.accept();
}

interface ExecRequest {
  node: SimulatedNodeEndpoint;
  commandLine: string;
  channel: ServerChannel;
  socket: Socket;
  /** Aborted with the signal name when the client signals the command, or when the channel closes. */
  abort: AbortController;
}

export async function startNodeSshServers(options: StartNodeSshServersOptions): Promise<NodeSshServers> {
  const user = options.user ?? DEFAULT_SIMULATED_USER;
  const names = new Set<string>();
  for (const spec of options.nodes) {
    if (names.has(spec.name))
      throw new Error(`simulated SSH nodes: node ${JSON.stringify(spec.name)} is listed twice`);
    names.add(spec.name);
  }
  const clientKey = generateEd25519KeyPair(`${user}@cni-doctor-simulation`);
  const nodes = new Map<string, SimulatedNodeEndpoint>();
  const faults = new NodeFaults([...names], {
    async setReachable(name, reachable) {
      const node = nodes.get(name);
      if (node === undefined) return;
      if (reachable) await node.listen(node.port);
      else await node.stopListening();
    },
  });

  const execute = async (request: ExecRequest): Promise<void> => {
    const { node, commandLine, channel, socket, abort } = request;
    const report = (outcome: NodeCommandEvent["outcome"], exitCode?: number) =>
      options.onCommand?.({ node: node.name, commandLine, outcome, exitCode });
    const interpreted = interpretCommandLine(commandLine, faults.sudoPolicy(node.name));
    const drop = faults.takeDrop(node.name, interpreted.programName);
    const latencyMs = faults.latencyMs(node.name);
    if (latencyMs > 0) await sleep(latencyMs, undefined, { signal: abort.signal }).catch(() => {});
    if (abort.signal.aborted) {
      finishAborted(channel, abort);
      report("aborted");
      return;
    }
    if (drop === "before-running") {
      socket.destroy();
      report("dropped");
      return;
    }
    const offsetMs = faults.clockOffsetMs(node.name);
    const outcome: CommandOutcome =
      interpreted.kind === "finished"
        ? interpreted
        : await runCommand(interpreted, {
            hostRoot: node.hostRoot,
            nowNs: () => nodeClockNs(offsetMs),
            signal: abort.signal,
          });
    if (drop === "after-running") {
      socket.destroy();
      report("dropped", outcome.exitCode);
      return;
    }
    if (abort.signal.aborted) {
      finishAborted(channel, abort);
      report("aborted", outcome.exitCode);
      return;
    }
    if (outcome.stdout.length > 0) channel.write(outcome.stdout);
    if (outcome.stderr.length > 0) channel.stderr.write(outcome.stderr);
    channel.exit(outcome.exitCode);
    channel.end();
    report("completed", outcome.exitCode);
  };

  const onClient = (node: SimulatedNodeEndpoint) => (client: Connection, socket: Socket) => {
    // Transport errors (resets, protocol errors) end this connection only; the node keeps serving.
    client.on("error", () => {});
    client.on("authentication", (ctx) => authenticate(ctx, user, clientKey));
    // No port forwarding of any kind: a node is not a jump host.
    client.on("tcpip", (_accept, reject) => reject());
    client.on("openssh.streamlocal", (_accept, reject) => reject());
    client.on("request", (_accept, reject) => reject?.());
    client.on("ready", () => {
      client.on("session", (acceptSession) => {
        const session = acceptSession();
        const abort = new AbortController();
        let execStarted = false;
        for (const refused of [
          "pty",
          "shell",
          "subsystem",
          "sftp",
          "x11",
          "auth-agent",
          "env",
          "window-change",
        ]) {
          session.on(refused, (_accept: unknown, reject?: () => void) => reject?.());
        }
        session.on("signal", (accept, _reject, info) => {
          accept?.();
          abort.abort(info.name);
        });
        session.on("exec", (accept, reject, info) => {
          // One command per session, as with OpenSSH.
          if (execStarted) {
            reject?.();
            return;
          }
          execStarted = true;
          const channel = accept();
          channel.on("error", () => {});
          channel.on("close", () => abort.abort("channel closed"));
          void execute({ node, commandLine: info.command, channel, socket, abort }).catch(() => {
            // execute() already turns command failures into exit statuses; this only guards the server itself.
            socket.destroy();
          });
        });
      });
    });
  };

  try {
    for (const spec of options.nodes) {
      const hostRoot = await nodeRootOf(spec);
      const node = new SimulatedNodeEndpoint(spec.name, hostRoot, (client, socket) =>
        onClient(node)(client, socket),
      );
      nodes.set(spec.name, node);
      if (spec.clockOffsetMs !== undefined) faults.setClockOffset(spec.name, spec.clockOffsetMs);
      if (spec.sudo !== undefined) faults.setSudoPolicy(spec.name, spec.sudo);
      await node.listen(spec.port ?? 0);
    }
  } catch (err) {
    await Promise.all([...nodes.values()].map((n) => n.stopListening()));
    throw err;
  }
  return new NodeSshServers({ user, clientKey, nodes, faults });
}

/** A command the client signalled (KILL on timeout) ends by that signal, as a killed process would. */
function finishAborted(channel: ServerChannel, abort: AbortController): void {
  const reason = abort.signal.reason;
  if (channel.destroyed || reason === "channel closed") return;
  try {
    channel.exit(typeof reason === "string" ? reason : "KILL", false, "");
    channel.end();
  } catch {
    // The channel went away meanwhile; nothing to report to.
  }
}

async function nodeRootOf(spec: SimulatedNodeSpec): Promise<string> {
  let hostRoot: string;
  try {
    hostRoot = await realpath(spec.root);
  } catch (err) {
    throw new Error(
      `simulated node ${spec.name}: its root directory ${spec.root} is not usable (${(err as NodeJS.ErrnoException).code ?? err}); create it first`,
    );
  }
  if (!(await stat(hostRoot)).isDirectory())
    throw new Error(`simulated node ${spec.name}: root ${spec.root} is not a directory`);
  return hostRoot;
}
