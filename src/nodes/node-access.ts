/**
 * The SSH transport behind NodeReader and NodeWriter (node-reader.ts). Diagnosis and remediation depend on those
 * interfaces only, so they can be tested against any SSH server (a real sshd, the simulator's nodes) or a fake.
 *
 * - one connection per node, reused, replaced when it drops or after a command timeout;
 * - commands on one node run one at a time, and at most `concurrency` nodes are worked on at once;
 * - connection setup is retried with backoff while a node is unreachable; commands are never retried.
 */

import { Limiter } from "../shared/limiter.ts";
import {
  type CommandContext,
  type CommandTemplate,
  effectiveArgv,
  renderCommandLine,
  sudoRefusal,
} from "./commands.ts";
import { type Inventory, type NodeTarget, resolveNodeTarget } from "./inventory.ts";
import type { NodeWriter } from "./node-reader.ts";
import { shellJoin } from "./shell-quote.ts";
import { connectToNode, type Environment, type SshConnection } from "./ssh-connection.ts";

export interface NodeAccessOptions {
  /** Source of SSH_AUTH_SOCK and of the passphrase variable named in the nodes file. Pass process.env. */
  env: Environment;
  /** Overrides the nodes file's defaults.concurrency. */
  concurrency?: number;
  /** Called after each command with what ran and how long it took; never given output or secrets. */
  onCommand?: (event: CommandEvent) => void;
}

export interface CommandEvent {
  node: string;
  template: string;
  commandLine: string;
  durationMs: number;
  outcome: "ok" | "error";
  errorKind?: string;
}

/** Serialises work on one node: the next task starts when the previous one settled. */
class NodeQueue {
  #tail: Promise<unknown> = Promise.resolve();

  run<T>(task: () => Promise<T>): Promise<T> {
    const result = this.#tail.then(task, task);
    this.#tail = result.catch(() => {});
    return result;
  }
}

export class NodeAccess implements NodeWriter {
  readonly #inventory: Inventory;
  readonly #env: Environment;
  readonly #limiter: Limiter;
  readonly #onCommand: ((event: CommandEvent) => void) | undefined;
  readonly #connections = new Map<string, Promise<SshConnection>>();
  readonly #queues = new Map<string, NodeQueue>();
  #closed = false;
  #connectionsOpened = 0;

  constructor(inventory: Inventory, options: NodeAccessOptions) {
    this.#inventory = inventory;
    this.#env = options.env;
    this.#limiter = new Limiter(options.concurrency ?? inventory.concurrency);
    this.#onCommand = options.onCommand;
  }

  /** How many SSH connections to nodes were established so far (reuse keeps this low); for tests and metrics. */
  get connectionsOpened(): number {
    return this.#connectionsOpened;
  }

  target(nodeName: string, internalIP: string | undefined): NodeTarget {
    return resolveNodeTarget(this.#inventory, nodeName, internalIP);
  }

  commandLine(nodeName: string, internalIP: string | undefined, template: CommandTemplate<unknown>): string {
    return renderCommandLine(template, { sudo: this.target(nodeName, internalIP).sudo });
  }

  run<T>(nodeName: string, internalIP: string | undefined, template: CommandTemplate<T>): Promise<T> {
    // Resolve first so configuration mistakes surface without queueing.
    const target = this.target(nodeName, internalIP);
    let queue = this.#queues.get(nodeName);
    if (queue === undefined) {
      queue = new NodeQueue();
      this.#queues.set(nodeName, queue);
    }
    return queue.run(() => this.#limiter.run(() => this.#runNow(target, template)));
  }

  async #runNow<T>(target: NodeTarget, template: CommandTemplate<T>): Promise<T> {
    const commandLine = shellJoin(effectiveArgv(template, target.sudo));
    const context: CommandContext = { node: target.nodeName, commandLine };
    const started = performance.now();
    const report = (outcome: "ok" | "error", errorKind?: string) =>
      this.#onCommand?.({
        node: target.nodeName,
        template: template.name,
        commandLine,
        durationMs: performance.now() - started,
        outcome,
        ...(errorKind === undefined ? {} : { errorKind }),
      });
    try {
      const connection = await this.#connection(target);
      const result = await connection.exec(commandLine, {
        timeoutMs: target.commandTimeoutMs,
        maxStdoutBytes: template.maxStdoutBytes ?? target.maxOutputBytes,
        maxStderrBytes: target.maxOutputBytes,
      });
      if (target.sudo) {
        const refusal = sudoRefusal(result, context);
        if (refusal !== undefined) throw refusal;
      }
      const value = template.interpret(result, context);
      report("ok");
      return value;
    } catch (err) {
      report("error", (err as { kind?: string }).kind ?? "unexpected");
      throw err;
    }
  }

  /** The node's open connection, or a new one. Concurrent callers share one connection attempt. */
  #connection(target: NodeTarget): Promise<SshConnection> {
    if (this.#closed) {
      return Promise.reject(new Error(`NodeAccess is closed; cannot reach node ${target.nodeName}`));
    }
    const existing = this.#connections.get(target.nodeName);
    if (existing !== undefined) return existing;
    const attempt = connectToNode(target, {
      env: this.#env,
      retries: this.#inventory.connectRetries,
      retryDelayMs: this.#inventory.connectRetryDelayMs,
    }).then(
      (connection) => {
        this.#connectionsOpened++;
        connection.onClose(() => {
          if (this.#connections.get(target.nodeName) === attempt) this.#connections.delete(target.nodeName);
        });
        if (!connection.isOpen) this.#connections.delete(target.nodeName);
        if (this.#closed) connection.close();
        return connection;
      },
      (err: unknown) => {
        this.#connections.delete(target.nodeName);
        throw err;
      },
    );
    this.#connections.set(target.nodeName, attempt);
    return attempt;
  }

  async close(): Promise<void> {
    this.#closed = true;
    const pending = [...this.#connections.values()];
    this.#connections.clear();
    const settled = await Promise.allSettled(pending);
    for (const s of settled) if (s.status === "fulfilled") s.value.close();
  }
}
