/**
 * One small ConfigMap the bot keeps for itself (the kill switch, the requests already answered, the open incident
 * threads), changed by compare-and-swap: read it, decide, write it back with the resourceVersion read (or create it),
 * and on a conflict (another replica wrote first: a taken name on create, a stale resourceVersion on replace) read
 * again, after a jittered pause so writers that collided do not collide again in step.
 */
import { KubeAccessError } from "./errors.ts";
import type { V1ConfigMap } from "./types.ts";
import type { ClusterWriter } from "./writer.ts";

export type ConfigMapStorage = Pick<ClusterWriter, "getConfigMap" | "createConfigMap" | "replaceConfigMap">;

/** What a change decided: the new data to write, or null to write nothing; and what the caller gets back. */
export type ConfigMapChange<T> = (current: V1ConfigMap | null) => {
  data: Record<string, string> | null;
  result: T;
};

export async function changeConfigMap<T>(
  storage: ConfigMapStorage,
  target: { namespace: string; name: string; labels: Record<string, string>; purpose: string },
  change: ConfigMapChange<T>,
  maxConflicts = 24,
): Promise<T> {
  for (let attempt = 0; attempt < maxConflicts; attempt++) {
    const current = await storage.getConfigMap(target.namespace, target.name);
    const { data, result } = change(current);
    if (data === null) return result;
    try {
      if (current === null) {
        await storage.createConfigMap(target.namespace, {
          metadata: { name: target.name, labels: target.labels },
          data,
        });
      } else {
        await storage.replaceConfigMap(target.namespace, { ...current, data });
      }
      return result;
    } catch (err) {
      if (!(err instanceof KubeAccessError && err.failure === "conflict")) throw err;
      await new Promise((r) => setTimeout(r, Math.random() * 10 * (attempt + 1)));
    }
  }
  throw new Error(
    `${target.namespace}/${target.name} kept changing under us (${maxConflicts} conflicts) while ${target.purpose}; try again`,
  );
}
