/**
 * Cooperative turns for long CPU work on the bot's one event loop. A diagnosis of a large cluster parses and walks
 * tens of thousands of objects; done in one go it holds the loop for hundreds of milliseconds, and every slash command
 * and button click that arrives meanwhile waits it out (Slack drops an ack after 3 s; issue 17 asks ≤ 50 ms at p99).
 * Work done in slices that give the loop back lets those requests in between.
 */

/** Lets queued I/O callbacks (the next request, a click) run before the caller continues. */
export function yieldToEventLoop(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** How long one slice may hold the loop before it gives it back. */
export const SLICE_MS = 8;

/**
 * Maps `items` with `fn`, giving the event loop back whenever a slice has run for `sliceMs`. The result is what
 * `items.map(fn)` would return; only the turns differ.
 */
export async function mapInSlices<T, R>(
  items: readonly T[],
  fn: (item: T) => R,
  sliceMs: number = SLICE_MS,
): Promise<R[]> {
  const out: R[] = [];
  let sliceStarted = performance.now();
  for (const item of items) {
    out.push(fn(item));
    if (performance.now() - sliceStarted >= sliceMs) {
      await yieldToEventLoop();
      sliceStarted = performance.now();
    }
  }
  return out;
}
