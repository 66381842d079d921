import { randomUUID } from "node:crypto";
import type { KubeObject, NewObject } from "./objects.ts";

export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED";

export interface StoreEvent {
  type: WatchEventType;
  /** Resource plural, e.g. "pods" (plurals are unique across the groups the simulator serves). */
  resource: string;
  object: KubeObject;
  /** For MODIFIED: the object before the change, so a filtered watch can tell "stopped matching" (sent as DELETED). */
  previous?: KubeObject;
  resourceVersion: number;
}

/** A failure the API server reports as a Status object; `code` and `reason` are the real server's. */
export class StoreError extends Error {
  override name = "StoreError";
  readonly code: number;
  readonly reason: string;
  readonly details: { name?: string; kind?: string; group?: string } | undefined;
  constructor(
    code: number,
    reason: string,
    message: string,
    details?: { name?: string; kind?: string; group?: string },
  ) {
    super(message);
    this.code = code;
    this.reason = reason;
    this.details = details;
  }
}

export function notFound(resource: string, name: string): StoreError {
  return new StoreError(404, "NotFound", `${resource} "${name}" not found`, { name, kind: resource });
}

// The alphabet and length kube-apiserver uses for generateName suffixes (k8s.io/apimachinery/pkg/util/rand).
const SUFFIX_ALPHABET = "bcdfghjklmnpqrstvwxz2456789";
export function randomSuffix(length = 5): string {
  let s = "";
  for (let i = 0; i < length; i++) s += SUFFIX_ALPHABET[Math.floor(Math.random() * SUFFIX_ALPHABET.length)];
  return s;
}

export interface StoreOptions {
  /** How many change events are kept for watches that resume from a resourceVersion; older ones get 410 Gone. */
  historyLimit?: number;
  /** Clock, for creationTimestamp; tests may pin it. */
  now?: () => Date;
}

/**
 * The simulated etcd: objects by resource, a global resourceVersion, and a bounded change history that watches resume
 * from. Objects handed out are the stored ones and must be treated as read-only; writers pass new objects or use
 * `mutate`, which works on a copy.
 */
export class ObjectStore {
  private readonly objects = new Map<string, Map<string, KubeObject>>();
  private readonly sortedKeys = new Map<string, string[]>();
  private readonly history: StoreEvent[] = [];
  private historyStart = 0;
  private readonly listeners = new Set<(event: StoreEvent) => void>();
  private rv = 1;
  private readonly historyLimit: number;
  readonly now: () => Date;

  constructor(options: StoreOptions = {}) {
    this.historyLimit = options.historyLimit ?? 50_000;
    this.now = options.now ?? (() => new Date());
  }

  get resourceVersion(): number {
    return this.rv;
  }

  /** The oldest resourceVersion a watch may resume from without 410 Gone. */
  get oldestResumableVersion(): number {
    return this.history[this.historyStart]?.resourceVersion ?? this.rv;
  }

  get(resource: string, namespace: string | undefined, name: string): KubeObject | undefined {
    return this.objects.get(resource)?.get(keyOf(namespace, name));
  }

  mustGet(resource: string, namespace: string | undefined, name: string): KubeObject {
    const obj = this.get(resource, namespace, name);
    if (!obj) throw notFound(resource, name);
    return obj;
  }

  /** Objects of a resource, ordered by namespace then name (the order the real server pages in). */
  list(resource: string, namespace?: string): KubeObject[] {
    const byKey = this.objects.get(resource);
    if (!byKey) return [];
    const keys = this.keysInOrder(resource, byKey);
    const out: KubeObject[] = [];
    if (namespace === undefined) {
      for (const k of keys) out.push(byKey.get(k) as KubeObject);
      return out;
    }
    const prefix = `${namespace}/`;
    let i = lowerBound(keys, prefix);
    for (; i < keys.length && (keys[i] as string).startsWith(prefix); i++)
      out.push(byKey.get(keys[i] as string) as KubeObject);
    return out;
  }

  /** Keys in paging order; a continue token names the last key served. */
  keysInOrder(resource: string, byKey = this.objects.get(resource)): string[] {
    if (!byKey) return [];
    let keys = this.sortedKeys.get(resource);
    if (!keys) {
      keys = [...byKey.keys()].sort();
      this.sortedKeys.set(resource, keys);
    }
    return keys;
  }

  getByKey(resource: string, key: string): KubeObject | undefined {
    return this.objects.get(resource)?.get(key);
  }

  create(resource: string, input: NewObject | KubeObject): KubeObject {
    const meta = input.metadata;
    let name = meta.name;
    if (!name) {
      if (!meta.generateName) {
        throw new StoreError(
          422,
          "Invalid",
          `${resource} is invalid: metadata.name: Required value: name or generateName is required`,
        );
      }
      do name = `${meta.generateName}${randomSuffix()}`;
      while (this.get(resource, meta.namespace, name));
    }
    const key = keyOf(meta.namespace, name);
    let byKey = this.objects.get(resource);
    if (!byKey) {
      byKey = new Map();
      this.objects.set(resource, byKey);
    }
    if (byKey.has(key)) {
      throw new StoreError(409, "AlreadyExists", `${resource} "${name}" already exists`, {
        name,
        kind: resource,
      });
    }
    const obj = structuredClone(input) as KubeObject;
    obj.metadata.name = name;
    obj.metadata.uid = meta.uid ?? randomUUID();
    obj.metadata.creationTimestamp = meta.creationTimestamp ?? isoSeconds(this.now());
    obj.metadata.resourceVersion = String(++this.rv);
    byKey.set(key, obj);
    this.sortedKeys.delete(resource);
    this.emit({ type: "ADDED", resource, object: obj, resourceVersion: this.rv });
    return obj;
  }

  /**
   * Replaces an object. With `expectedVersion`, refuses with 409 Conflict when the stored object has moved on, as an
   * update carrying a stale metadata.resourceVersion does on the real server.
   */
  update(resource: string, next: KubeObject, expectedVersion?: string): KubeObject {
    const current = this.mustGet(resource, next.metadata.namespace, next.metadata.name);
    if (
      expectedVersion !== undefined &&
      expectedVersion !== "" &&
      expectedVersion !== current.metadata.resourceVersion
    ) {
      throw new StoreError(
        409,
        "Conflict",
        `Operation cannot be fulfilled on ${resource} "${next.metadata.name}": the object has been modified; please apply your changes to the latest version and try again`,
        { name: next.metadata.name, kind: resource },
      );
    }
    const obj = structuredClone(next);
    obj.metadata.uid = current.metadata.uid;
    obj.metadata.creationTimestamp = current.metadata.creationTimestamp;
    obj.metadata.resourceVersion = String(++this.rv);
    this.objects.get(resource)?.set(keyOf(obj.metadata.namespace, obj.metadata.name), obj);
    this.emit({ type: "MODIFIED", resource, object: obj, previous: current, resourceVersion: this.rv });
    return obj;
  }

  /** Applies `change` to a copy of the stored object and stores the result. */
  mutate(
    resource: string,
    namespace: string | undefined,
    name: string,
    change: (draft: KubeObject) => void,
  ): KubeObject {
    const draft = structuredClone(this.mustGet(resource, namespace, name));
    change(draft);
    return this.update(resource, draft);
  }

  delete(resource: string, namespace: string | undefined, name: string): KubeObject {
    const current = this.mustGet(resource, namespace, name);
    this.objects.get(resource)?.delete(keyOf(namespace, name));
    this.sortedKeys.delete(resource);
    // A DELETED event carries the object at the resourceVersion of its deletion, as the real watch does.
    const obj = { ...current, metadata: { ...current.metadata, resourceVersion: String(++this.rv) } };
    this.emit({ type: "DELETED", resource, object: obj, resourceVersion: this.rv });
    return obj;
  }

  /** Every change from now on, synchronously. Listeners must not write to the store from inside the callback. */
  subscribe(listener: (event: StoreEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * Changes after `fromVersion` still in the history, for a watch that resumes. Throws 410 Gone when the history no
   * longer reaches back that far (the real server's "too old resource version").
   */
  changesSince(fromVersion: number): StoreEvent[] {
    if (fromVersion >= this.rv) return [];
    if (fromVersion < this.oldestResumableVersion - 1) {
      throw new StoreError(
        410,
        "Expired",
        `too old resource version: ${fromVersion} (${this.oldestResumableVersion - 1})`,
      );
    }
    const out: StoreEvent[] = [];
    for (let i = this.historyStart; i < this.history.length; i++) {
      const e = this.history[i] as StoreEvent;
      if (e.resourceVersion > fromVersion) out.push(e);
    }
    return out;
  }

  private emit(event: StoreEvent): void {
    this.history.push(event);
    if (this.history.length - this.historyStart > this.historyLimit) {
      this.historyStart++;
      // Compact now and then rather than shifting on every write.
      if (this.historyStart > this.historyLimit) {
        this.history.splice(0, this.historyStart);
        this.historyStart = 0;
      }
    }
    for (const listener of this.listeners) listener(event);
  }
}

export function keyOf(namespace: string | undefined, name: string): string {
  return `${namespace ?? ""}/${name}`;
}

/** RFC 3339 with whole seconds, as Kubernetes serialises metav1.Time. */
export function isoSeconds(d: Date): string {
  return `${d.toISOString().slice(0, 19)}Z`;
}

/** First index in `sorted` whose key is not below `value` (binary search). */
export function lowerBound(sorted: string[], value: string): number {
  let lo = 0;
  let hi = sorted.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((sorted[mid] as string) < value) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
