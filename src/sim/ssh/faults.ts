/**
 * Fault injection for the simulated nodes' SSH endpoints, for tests and demos of cni-doctor's robustness: a node
 * that is down, a connection that dies during a command, a slow node, a node whose clock is off, a sudo that wants
 * a password. Faults are per node and take effect for the next connection or command.
 */
import type { SudoPolicy } from "./interpreter.ts";

/** When, relative to running the matched command, the connection is dropped. */
export type DropPhase =
  /** The command never runs: nothing changed on the node. */
  | "before-running"
  /** The command ran and its changes are on disk, but the client never gets the output or exit status. */
  | "after-running";

export interface DropConnectionRule {
  /** Program name as run (after `sudo -n --`), e.g. "mv". Omitted: any command. */
  program?: string;
  /** Which matching command, counted from when the rule is added: 1 = the next one. Default 1. */
  occurrence?: number;
  /** Default "after-running": the case where a client cannot know whether the change happened. */
  phase?: DropPhase;
}

interface ArmedDropRule {
  program: string | undefined;
  remaining: number;
  phase: DropPhase;
}

interface NodeFaultState {
  latencyMs: number;
  clockOffsetMs: number;
  sudo: SudoPolicy;
  drops: ArmedDropRule[];
}

/** What the server must do to take a node off the network or bring it back; provided by the server. */
export interface ReachabilityControl {
  setReachable(node: string, reachable: boolean): Promise<void>;
}

export class NodeFaults {
  readonly #state = new Map<string, NodeFaultState>();
  readonly #unreachable = new Set<string>();
  readonly #control: ReachabilityControl;

  constructor(nodes: readonly string[], control: ReachabilityControl) {
    this.#control = control;
    for (const node of nodes) this.#state.set(node, freshState());
  }

  #node(node: string): NodeFaultState {
    const state = this.#state.get(node);
    if (state === undefined) {
      throw new Error(
        `no simulated SSH node named ${JSON.stringify(node)}; known: ${[...this.#state.keys()].join(", ")}`,
      );
    }
    return state;
  }

  /**
   * Takes a node off the network: its listener closes (new connections are refused, ECONNREFUSED) and open
   * connections are cut. `false` brings it back on the same port with the same host key.
   */
  async setUnreachable(node: string, unreachable: boolean): Promise<void> {
    this.#node(node);
    if (unreachable) this.#unreachable.add(node);
    else this.#unreachable.delete(node);
    await this.#control.setReachable(node, !unreachable);
  }

  isUnreachable(node: string): boolean {
    return this.#unreachable.has(node);
  }

  /** Delay before every command on this node runs (a slow disk or an overloaded node). 0 to clear. */
  setLatency(node: string, latencyMs: number): void {
    if (!Number.isFinite(latencyMs) || latencyMs < 0)
      throw new RangeError(`latency must be >= 0 ms, got ${latencyMs}`);
    this.#node(node).latencyMs = latencyMs;
  }

  latencyMs(node: string): number {
    return this.#node(node).latencyMs;
  }

  /** The node's clock runs this far ahead (positive) or behind (negative) of the host's; `date` reports it. */
  setClockOffset(node: string, offsetMs: number): void {
    if (!Number.isFinite(offsetMs)) throw new RangeError(`clock offset must be finite, got ${offsetMs}`);
    this.#node(node).clockOffsetMs = offsetMs;
  }

  clockOffsetMs(node: string): number {
    return this.#node(node).clockOffsetMs;
  }

  /** Makes `sudo` on this node ask for a password (so `sudo -n` refuses), or restores passwordless sudo. */
  setSudoPolicy(node: string, policy: SudoPolicy): void {
    this.#node(node).sudo = policy;
  }

  sudoPolicy(node: string): SudoPolicy {
    return this.#node(node).sudo;
  }

  /** Arms a one-shot rule: the connection carrying the matched command is cut, abruptly (TCP reset, no exit status). */
  dropConnection(node: string, rule: DropConnectionRule = {}): void {
    const occurrence = rule.occurrence ?? 1;
    if (!Number.isInteger(occurrence) || occurrence < 1)
      throw new RangeError(`occurrence must be >= 1, got ${occurrence}`);
    this.#node(node).drops.push({
      program: rule.program,
      remaining: occurrence,
      phase: rule.phase ?? "after-running",
    });
  }

  /**
   * Called by the server once per command: counts it against the armed rules and returns the phase at which to drop
   * the connection, if a rule fires now. A fired rule is removed.
   */
  takeDrop(node: string, programName: string | undefined): DropPhase | undefined {
    const state = this.#node(node);
    let fired: DropPhase | undefined;
    for (const rule of state.drops) {
      if (rule.program !== undefined && rule.program !== programName) continue;
      rule.remaining--;
      if (rule.remaining === 0 && fired === undefined) fired = rule.phase;
    }
    state.drops = state.drops.filter((rule) => rule.remaining > 0);
    return fired;
  }

  /** Clears every fault on one node (or all nodes), clock offsets included, and brings unreachable ones back. */
  async clear(node?: string): Promise<void> {
    const nodes = node === undefined ? [...this.#state.keys()] : [node];
    for (const name of nodes) {
      this.#node(name);
      this.#state.set(name, freshState());
      if (this.#unreachable.has(name)) await this.setUnreachable(name, false);
    }
  }
}

function freshState(): NodeFaultState {
  return { latencyMs: 0, clockOffsetMs: 0, sudo: "nopasswd", drops: [] };
}
