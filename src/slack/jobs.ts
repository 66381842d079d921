/**
 * Listeners ack and return; the work they start (Kubernetes reads, SSH, runs) goes here. A blocked listener would
 * stall Socket Mode's heartbeat and drop the connection (bolt-js#2196), and HTTP mode must answer within 3 seconds.
 * The runner bounds concurrent jobs, never lets a job's failure escape unhandled, and lets shutdown wait for jobs.
 */
import { Limiter } from "../shared/limiter.ts";

export interface JobLogger {
  error(fields: Record<string, unknown>, message: string): void;
}

export class JobRunner {
  private readonly limiter: Limiter;
  private readonly running = new Set<Promise<void>>();
  private readonly logger: JobLogger;
  private accepting = true;

  constructor(options: { concurrency: number; logger: JobLogger }) {
    this.limiter = new Limiter(options.concurrency);
    this.logger = options.logger;
  }

  /** Starts a job in the background. `onError` tells the person in Slack; it must not throw either. */
  start(name: string, job: () => Promise<void>, onError: (err: Error) => Promise<void>): boolean {
    if (!this.accepting) return false;
    const p = this.limiter
      .run(job)
      .catch(async (err: unknown) => {
        const error = err instanceof Error ? err : new Error(String(err));
        this.logger.error({ job: name, err: error.message }, "background job failed");
        await onError(error).catch((e: unknown) =>
          this.logger.error(
            { job: name, err: (e as Error).message },
            "could not report a failed job in Slack",
          ),
        );
      })
      .finally(() => this.running.delete(p));
    this.running.add(p);
    return true;
  }

  get size(): number {
    return this.running.size;
  }

  /** Stops taking jobs and waits for those running, up to `timeoutMs`. Returns how many were still running. */
  async drain(timeoutMs: number): Promise<number> {
    this.accepting = false;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([
      Promise.allSettled([...this.running]),
      new Promise((r) => {
        timer = setTimeout(r, timeoutMs);
      }),
    ]);
    clearTimeout(timer);
    return this.running.size;
  }

  /** Resolves when no job is running (tests and the demo use it; bounded by `timeoutMs`). */
  async idle(timeoutMs = 60_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.running.size > 0) {
      if (Date.now() > deadline)
        throw new Error(`jobs still running after ${timeoutMs} ms: ${this.running.size}`);
      await Promise.allSettled([...this.running]);
    }
  }
}
