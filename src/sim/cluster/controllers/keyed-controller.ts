import type { ObjectStore, StoreEvent } from "../../store.ts";
import { WorkQueue } from "../work-queue.ts";

/**
 * The shape every simulated controller shares, as in kube-controller-manager: store changes enqueue the keys
 * ("<namespace>/<name>") of the objects they concern, and a work queue reconciles each key once per batch.
 */
export abstract class KeyedController {
  protected readonly store: ObjectStore;
  private readonly queue: WorkQueue;
  private unsubscribe: (() => void) | undefined;
  /** The resource whose objects this controller reconciles. */
  protected abstract readonly resource: string;

  constructor(store: ObjectStore) {
    this.store = store;
    this.queue = new WorkQueue((keys) => {
      for (const key of keys) this.sync(key);
    });
  }

  start(): void {
    this.unsubscribe = this.store.subscribe((e) => this.onChange(e));
    this.enqueueAll();
  }

  stop(): void {
    this.unsubscribe?.();
    this.queue.stop();
  }

  protected enqueue(namespace: string | undefined, name: string): void {
    this.queue.add(`${namespace}/${name}`);
  }

  protected enqueueAll(): void {
    for (const obj of this.store.list(this.resource)) this.enqueue(obj.metadata.namespace, obj.metadata.name);
  }

  /** Enqueues whatever a store change concerns. Runs inside the store's notification: enqueue only, never write. */
  protected abstract onChange(e: StoreEvent): void;

  protected abstract sync(key: string): void;
}
