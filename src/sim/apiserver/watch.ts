import type { ServerResponse } from "node:http";
import type { KubeObject } from "../objects.ts";
import { apiVersionOf, type ResourceDef } from "../resources.ts";
import { type ObjectStore, StoreError, type StoreEvent } from "../store.ts";
import { type FieldSelector, matchesFields } from "./fields.ts";
import { type LabelSelector, matchesLabels } from "./labels.ts";
import { objectJson } from "./serialize.ts";
import { statusObject } from "./status.ts";

/**
 * Watches: one store subscription fans events out to the watchers of that resource, each filtered by namespace and
 * selectors the way the watch cache filters them (an object that stops matching is sent as DELETED with its
 * previous content, one that starts matching as ADDED).
 */
export type WatchEventType = "ADDED" | "MODIFIED" | "DELETED" | "BOOKMARK" | "ERROR";

export interface WatchFilter {
  def: ResourceDef;
  namespace: string | undefined;
  labels: LabelSelector;
  fields: FieldSelector;
}

export interface WatchOptions extends WatchFilter {
  /** "" or "0": start with synthetic ADDED events for the current state; otherwise resume after this version. */
  resourceVersion: string;
  timeoutMs: number;
  allowBookmarks: boolean;
  bookmarkIntervalMs: number;
  /** sendInitialEvents=true: end the initial ADDED burst with a BOOKMARK annotated k8s.io/initial-events-end. */
  sendInitialEvents: boolean;
  /** Fault injection: drop the connection after this long. */
  dropAfterMs?: number;
  /** Fault injection: answer as if `resourceVersion` had been compacted away (an ERROR event with 410 Expired). */
  expired?: boolean;
  /** Turns an object into what this watch sends, e.g. a one-row Table for kubectl's human output. */
  encode: (obj: KubeObject) => string;
  onBytes: (n: number) => void;
}

interface Watcher {
  filter: WatchFilter;
  send(type: WatchEventType, obj: KubeObject): void;
}

export function matchesFilter(f: WatchFilter, obj: KubeObject): boolean {
  if (f.namespace !== undefined && obj.metadata.namespace !== f.namespace) return false;
  if (f.labels.length > 0 && !matchesLabels(f.labels, obj.metadata.labels)) return false;
  if (f.fields.length > 0 && !matchesFields(f.fields, obj)) return false;
  return true;
}

/** What a filtered watch sends for a store event (cacheWatcher.convertToWatchEvent), or nothing. */
export function eventFor(
  f: WatchFilter,
  event: Pick<StoreEvent, "type" | "object" | "previous">,
): { type: WatchEventType; object: KubeObject } | undefined {
  const now = event.type !== "DELETED" && matchesFilter(f, event.object);
  if (event.type === "ADDED") return now ? { type: "ADDED", object: event.object } : undefined;
  if (event.type === "DELETED")
    return matchesFilter(f, event.object) ? { type: "DELETED", object: event.object } : undefined;
  const before = event.previous ? matchesFilter(f, event.previous) : now;
  if (now && before) return { type: "MODIFIED", object: event.object };
  if (now) return { type: "ADDED", object: event.object };
  if (before && event.previous) {
    const gone = {
      ...event.previous,
      metadata: { ...event.previous.metadata, resourceVersion: event.object.metadata.resourceVersion },
    };
    return { type: "DELETED", object: gone };
  }
  return undefined;
}

export class WatchHub {
  private readonly byResource = new Map<string, Set<Watcher>>();
  private readonly unsubscribe: () => void;
  private readonly store: ObjectStore;
  private readonly open = new Set<ServerResponse>();

  constructor(store: ObjectStore) {
    this.store = store;
    this.unsubscribe = store.subscribe((event) => {
      const watchers = this.byResource.get(event.resource);
      if (!watchers) return;
      for (const w of watchers) {
        const out = eventFor(w.filter, event);
        if (out) w.send(out.type, out.object);
      }
    });
  }

  get activeWatches(): number {
    return this.open.size;
  }

  /** Streams events into `res` until the timeout, the client goes away, or the hub closes. */
  serve(res: ServerResponse, opts: WatchOptions): void {
    const def = opts.def;
    // Resolve the starting point before writing headers: both happen in this tick, so no store event slips between.
    let backlog: { type: WatchEventType; object: KubeObject }[] = [];
    let startError: StoreError | undefined;
    if (opts.expired) {
      startError = new StoreError(
        410,
        "Expired",
        `too old resource version: ${opts.resourceVersion} (${this.store.oldestResumableVersion - 1})`,
      );
    } else if (opts.resourceVersion === "" || opts.resourceVersion === "0") {
      for (const obj of this.store.list(def.plural, def.namespaced ? opts.namespace : undefined)) {
        if (matchesFilter(opts, obj)) backlog.push({ type: "ADDED", object: obj });
      }
    } else {
      const from = Number(opts.resourceVersion);
      try {
        for (const e of this.store.changesSince(from)) {
          if (e.resource !== def.plural) continue;
          const out = eventFor(opts, e);
          if (out) backlog.push(out);
        }
      } catch (e) {
        if (!(e instanceof StoreError)) throw e;
        startError = e;
        backlog = [];
      }
    }

    res.writeHead(200, {
      "Content-Type": "application/json",
      "Cache-Control": "no-cache, private",
      "Transfer-Encoding": "chunked",
    });
    res.flushHeaders();
    this.open.add(res);

    const write = (line: string) => {
      const data = `${line}\n`;
      opts.onBytes(Buffer.byteLength(data));
      res.write(data);
    };
    const sendObject = (type: WatchEventType, obj: KubeObject) => {
      write(`{"type":"${type}","object":${opts.encode(obj)}}`);
    };
    const sendBookmark = (annotations?: Record<string, string>) => {
      const metadata: Record<string, unknown> = {
        resourceVersion: String(this.store.resourceVersion),
        creationTimestamp: null,
      };
      if (annotations) metadata.annotations = annotations;
      write(
        JSON.stringify({
          type: "BOOKMARK",
          object: { kind: def.kind, apiVersion: apiVersionOf(def), metadata },
        }),
      );
    };

    if (startError) {
      // Past authentication and parsing, the real server reports a too-old version as an ERROR event, not an HTTP error.
      write(
        JSON.stringify({
          type: "ERROR",
          object: statusObject(startError.code, startError.reason, startError.message),
        }),
      );
      this.open.delete(res);
      res.end();
      return;
    }

    const watcher: Watcher = { filter: opts, send: sendObject };
    let watchers = this.byResource.get(def.plural);
    if (!watchers) {
      watchers = new Set();
      this.byResource.set(def.plural, watchers);
    }
    watchers.add(watcher);
    for (const e of backlog) sendObject(e.type, e.object);
    if (opts.sendInitialEvents && opts.allowBookmarks) sendBookmark({ "k8s.io/initial-events-end": "true" });

    const timers: NodeJS.Timeout[] = [];
    const finish = () => {
      for (const t of timers) clearTimeout(t);
      watchers.delete(watcher);
      this.open.delete(res);
    };
    timers.push(
      setTimeout(() => {
        finish();
        res.end();
      }, opts.timeoutMs),
    );
    if (opts.allowBookmarks) {
      // The watch cache sends a bookmark roughly every bookmark period and one more 2 s before the watch's deadline,
      // so a client can resume from a fresh version (kubernetes/kubernetes
      // staging/src/k8s.io/apiserver/pkg/storage/cacher/cache_watcher.go: nextBookmarkTime).
      const interval = setInterval(() => sendBookmark(), opts.bookmarkIntervalMs);
      timers.push(interval);
      if (opts.timeoutMs > 2000) timers.push(setTimeout(() => sendBookmark(), opts.timeoutMs - 2000));
    }
    if (opts.dropAfterMs !== undefined) {
      timers.push(
        setTimeout(() => {
          finish();
          res.destroy();
        }, opts.dropAfterMs),
      );
    }
    res.on("close", finish);
  }

  close(): void {
    this.unsubscribe();
    for (const res of this.open) res.destroy();
    this.open.clear();
    this.byResource.clear();
  }
}

export function plainEncoder(obj: KubeObject): string {
  return objectJson(obj);
}
