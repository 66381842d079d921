/**
 * `cni-doctor serve` as a real process on plain Node (the pinned node binary, bin/cni-doctor.js), pointed at a
 * SlackWorld started with `startBot: false`. Tests that kill or signal the bot need it out of their own process.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { afterAll, beforeAll } from "vitest";
import { eventually, type SlackWorld, startSlackWorld } from "./slack-harness.ts";

const NODE = join(process.cwd(), "node_modules/.bin/node");
const BIN = join(process.cwd(), "bin/cni-doctor.js");

export class ServeProcess {
  readonly child: ChildProcess;
  /** Everything the process wrote to stdout and stderr so far. */
  output = "";
  /** The exit code (null after a signal), once the process has exited. */
  readonly exited: Promise<number | null>;
  readonly #world: SlackWorld;

  constructor(world: SlackWorld, env: Record<string, string> = {}) {
    this.#world = world;
    this.child = spawn(NODE, [BIN, "serve", "--kubeconfig", world.kubeconfigPath], {
      env: { PATH: process.env.PATH ?? "", ...world.env, ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    this.child.stdout?.on("data", (d) => (this.output += d));
    this.child.stderr?.on("data", (d) => (this.output += d));
    this.exited = new Promise((resolve) => this.child.once("exit", (code) => resolve(code)));
  }

  /** Until the process says it connected to Slack and the local Slack holds its Socket Mode connection. */
  async connected(): Promise<void> {
    await eventually(`serve to connect (output so far: ${this.output.slice(-500)})`, () =>
      this.output.includes("connected to Slack") ? true : undefined,
    );
    await this.#world.slack.socket.waitForConnections(1);
  }

  /** SIGKILL, as a node failure or an OOM kill would: waits for the exit and for Slack to see the connection drop. */
  async killHard(): Promise<void> {
    this.child.kill("SIGKILL");
    await this.exited;
    await eventually("the Socket Mode connection to drop", () =>
      this.#world.slack.socket.connections === 0 ? true : undefined,
    );
  }
}

export interface ServedWorld {
  world: SlackWorld;
  serve: ServeProcess | undefined;
  /** Starts `cni-doctor serve` against the world (extra environment over the world's), killed after the tests. */
  startServe(env?: Record<string, string>): ServeProcess;
}

/**
 * A Socket Mode SlackWorld on stale-cni-config with no bot in this process, started before the file's tests; after
 * them the serve process (if the test started one) is killed and the world stopped. `also` runs once the world is
 * up (e.g. to start recording its requests); `cleanup` before it is stopped.
 */
export function worldForServe(options: {
  syncPeriodMs: number;
  also?: (world: SlackWorld) => void;
  cleanup?: () => void;
}): ServedWorld {
  const state = {
    startServe(env?: Record<string, string>) {
      state.serve = new ServeProcess(state.world, env);
      return state.serve;
    },
  } as ServedWorld;
  beforeAll(async () => {
    state.world = await startSlackWorld({
      scenario: "stale-cni-config",
      mode: "socket",
      syncPeriodMs: options.syncPeriodMs,
      startBot: false,
    });
    options.also?.(state.world);
  }, 60_000);
  afterAll(async () => {
    state.serve?.child.kill("SIGKILL");
    options.cleanup?.();
    await state.world?.stop();
  });
  return state;
}
