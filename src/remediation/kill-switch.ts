/**
 * The kill switch: a ConfigMap in the bot's namespace that, while it says paused, stops every run on the cluster
 * (new runs refuse to start; running ones stop after their current step). Stored in the cluster so every replica
 * and the CLI see the same switch.
 */
import { changeConfigMap } from "../kube/configmap-cas.ts";
import type { ClusterWriter } from "../kube/writer.ts";
import { MANAGED_BY } from "./journal.ts";
import { type Actor, actorName } from "./run.ts";

export const KILL_SWITCH_NAME = "cni-doctor-kill-switch";

export interface PauseState {
  paused: boolean;
  by: string | null;
  at: string | null;
}

export class KillSwitch {
  readonly #writer: ClusterWriter;
  readonly #namespace: string;

  constructor(writer: ClusterWriter, namespace: string) {
    this.#writer = writer;
    this.#namespace = namespace;
  }

  async state(): Promise<PauseState> {
    const cm = await this.#writer.getConfigMap(this.#namespace, KILL_SWITCH_NAME);
    return {
      paused: cm?.data?.paused === "true",
      by: cm?.data?.by ?? null,
      at: cm?.data?.at ?? null,
    };
  }

  async set(paused: boolean, by: Actor, now: Date): Promise<void> {
    const data = { paused: String(paused), by: actorName(by), at: now.toISOString() };
    const target = {
      namespace: this.#namespace,
      name: KILL_SWITCH_NAME,
      labels: { ...MANAGED_BY, "cni-doctor.io/kind": "kill-switch" },
      purpose: paused ? "pausing" : "resuming",
    };
    await changeConfigMap(this.#writer, target, () => ({ data, result: undefined }), 5);
  }
}
