/** Polls `probe` every `everyMs` until it returns a value (not undefined or false); throws after `timeoutMs`. */
export async function until<T>(
  what: string,
  probe: () => T | undefined | false,
  timeoutMs: number,
  everyMs = 20,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`benchmark gave up waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
