import type { KubeObject } from "../objects.ts";

/**
 * Stored objects are immutable (the store replaces them on every write), so each one's JSON is computed once and
 * reused by every list, get and watch that sends it: large lists cost a string join, not a re-serialisation.
 */
const jsonCache = new WeakMap<KubeObject, string>();

export function objectJson(obj: KubeObject): string {
  let json = jsonCache.get(obj);
  if (json === undefined) {
    json = JSON.stringify(obj);
    jsonCache.set(obj, json);
  }
  return json;
}
