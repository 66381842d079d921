import type { KubeObject, NewObject } from "../objects.ts";
import { type ObjectStore, StoreError } from "../store.ts";
import { eventNameSuffix, isoSeconds } from "./time.ts";

export interface EventSource {
  component: string;
  host?: string;
}

export interface EventInput {
  type: "Normal" | "Warning";
  reason: string;
  message: string;
  source: EventSource;
  /** When the event happened; defaults to the store's clock. Scenarios record history in the past. */
  at?: Date;
  /** For history replay: the event already happened this many times (first at `firstAt`). */
  count?: number;
  firstAt?: Date;
}

/** client-go's EventAggregator defaults: 10 distinct messages per similar-event group within 10 minutes. */
const AGGREGATE_MAX_EVENTS = 10;
const AGGREGATE_INTERVAL_MS = 600_000;
const COMBINED_PREFIX = "(combined from similar events): ";

interface AggregateRecord {
  localKeys: Set<string>;
  last: number;
}

interface LoggedEvent {
  namespace: string;
  name: string;
  count: number;
}

/**
 * The kubelet's event recorder (client-go tools/record): identical events patch the same Event object (count,
 * lastTimestamp); once ten differently-worded events of the same reason hit one object within ten minutes, further
 * ones are folded into a single "(combined from similar events): ..." event whose count grows. FailedCreatePodSandBox
 * messages differ on every retry (a new sandbox id each time), so this is what makes them look as on a real node.
 */
export class EventRecorder {
  private readonly store: ObjectStore;
  private readonly aggregates = new Map<string, AggregateRecord>();
  private readonly logged = new Map<string, LoggedEvent>();
  /** Cache keys per involved object uid, so they can be forgotten when the object goes. */
  private readonly keysByObject = new Map<string, string[]>();

  constructor(store: ObjectStore) {
    this.store = store;
  }

  record(involved: KubeObject, input: EventInput): void {
    const at = input.at ?? this.store.now();
    const ref = involvedObjectOf(involved);
    const groupKey = [
      input.source.component,
      input.source.host ?? "",
      ref.kind,
      ref.namespace,
      ref.name,
      ref.uid,
      ref.apiVersion,
      input.type,
      input.reason,
    ].join("\u0000");
    const exactKey = `${groupKey}\u0000${input.message}`;

    let record = this.aggregates.get(groupKey);
    // A replayed event that happened `count` times began at firstAt: that is when the group last saw one.
    const began = (input.firstAt ?? at).getTime();
    if (!record || began - record.last > AGGREGATE_INTERVAL_MS) record = { localKeys: new Set(), last: 0 };
    record.localKeys.add(input.message);
    record.last = at.getTime();
    this.aggregates.set(groupKey, record);

    let key = exactKey;
    let message = input.message;
    if (record.localKeys.size >= AGGREGATE_MAX_EVENTS) {
      // Do not let the set of distinct messages grow past the limit.
      const first = record.localKeys.values().next().value;
      if (first !== undefined) record.localKeys.delete(first);
      key = groupKey;
      message = COMBINED_PREFIX + input.message;
    }
    this.remember(ref.uid, key, groupKey);
    this.write(involved, ref, key, message, input, at);
  }

  /** Drops what the recorder remembers about an object that is gone. */
  forget(uid: string): void {
    for (const key of this.keysByObject.get(uid) ?? []) {
      this.logged.delete(key);
      this.aggregates.delete(key);
    }
    this.keysByObject.delete(uid);
  }

  private remember(uid: string, ...keys: string[]): void {
    let list = this.keysByObject.get(uid);
    if (!list) {
      list = [];
      this.keysByObject.set(uid, list);
    }
    for (const k of keys) if (!list.includes(k)) list.push(k);
  }

  private write(
    involved: KubeObject,
    ref: ReturnType<typeof involvedObjectOf>,
    key: string,
    message: string,
    input: EventInput,
    at: Date,
  ): void {
    const previous = this.logged.get(key);
    const existing = previous && this.store.get("events", previous.namespace, previous.name);
    if (previous && existing) {
      previous.count += input.count ?? 1;
      const count = previous.count;
      this.store.mutate("events", previous.namespace, previous.name, (event) => {
        event.count = count;
        event.message = message;
        event.lastTimestamp = isoSeconds(at);
      });
      return;
    }
    const namespace = involved.metadata.namespace ?? "default";
    const count = input.count ?? 1;
    const created = this.createWithFreshName(involved.metadata.name, input.firstAt ?? at, {
      apiVersion: "v1",
      kind: "Event",
      metadata: {
        name: "",
        namespace,
        creationTimestamp: isoSeconds(input.firstAt ?? at),
      },
      involvedObject: ref,
      reason: input.reason,
      message,
      source: input.source,
      firstTimestamp: isoSeconds(input.firstAt ?? at),
      lastTimestamp: isoSeconds(at),
      count,
      type: input.type,
      eventTime: null,
      reportingComponent: input.source.component,
      reportingInstance: input.source.host ?? "",
    });
    this.logged.set(key, { namespace, name: created.metadata.name, count });
  }

  private createWithFreshName(objectName: string, at: Date, event: NewObject): KubeObject {
    for (let attempt = 0; ; attempt++) {
      event.metadata.name = `${objectName}.${eventNameSuffix(at)}`;
      try {
        return this.store.create("events", event);
      } catch (error) {
        if (!(error instanceof StoreError && error.code === 409) || attempt >= 5) throw error;
      }
    }
  }
}

export function involvedObjectOf(obj: KubeObject): {
  kind: string;
  namespace: string;
  name: string;
  uid: string;
  apiVersion: string;
  resourceVersion: string;
} {
  return {
    kind: obj.kind,
    namespace: obj.metadata.namespace ?? "",
    name: obj.metadata.name,
    uid: obj.metadata.uid,
    apiVersion: obj.apiVersion,
    resourceVersion: obj.metadata.resourceVersion,
  };
}
