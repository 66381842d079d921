/**
 * Collects keys from store notifications and processes them later, in one batch: store listeners must not write from
 * inside the callback, and batching keeps a burst of changes (a scenario boot, a bulk delete) to one reconcile each.
 * A batch that throws is retried after `retryDelayMs`, as a controller's rate-limited queue would.
 */
export class WorkQueue {
  private readonly keys = new Set<string>();
  private scheduled: NodeJS.Immediate | NodeJS.Timeout | undefined;
  private stopped = false;
  private readonly process: (keys: string[]) => void | Promise<void>;
  private readonly retryDelayMs: number;
  private readonly onError: (error: unknown) => void;

  constructor(
    process: (keys: string[]) => void | Promise<void>,
    options: { retryDelayMs?: number; onError?: (error: unknown) => void } = {},
  ) {
    this.process = process;
    this.retryDelayMs = options.retryDelayMs ?? 200;
    this.onError = options.onError ?? (() => {});
  }

  add(key: string): void {
    if (this.stopped) return;
    this.keys.add(key);
    if (!this.scheduled) this.scheduled = setImmediate(() => void this.flush());
  }

  stop(): void {
    this.stopped = true;
    if (this.scheduled) {
      clearImmediate(this.scheduled as NodeJS.Immediate);
      clearTimeout(this.scheduled as NodeJS.Timeout);
    }
    this.scheduled = undefined;
    this.keys.clear();
  }

  private async flush(): Promise<void> {
    const batch = [...this.keys];
    this.keys.clear();
    try {
      await this.process(batch);
      this.scheduled = undefined;
      if (this.keys.size > 0 && !this.stopped) this.scheduled = setImmediate(() => void this.flush());
    } catch (error) {
      this.onError(error);
      for (const k of batch) this.keys.add(k);
      this.scheduled = this.stopped ? undefined : setTimeout(() => void this.flush(), this.retryDelayMs);
    }
  }
}
