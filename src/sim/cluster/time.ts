import { randomBytes } from "node:crypto";

export { isoSeconds } from "../store.ts";

const UNIT_MS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
};

/** "90s", "30m", "36h", "40d", "1h30m" → milliseconds. Scenario files speak in these. */
export function parseDuration(text: string): number {
  const trimmed = text.trim();
  if (trimmed === "0") return 0;
  const part = /(\d+(?:\.\d+)?)(ms|s|m|h|d)/y;
  let total = 0;
  let index = 0;
  while (index < trimmed.length) {
    part.lastIndex = index;
    const match = part.exec(trimmed);
    if (!match) throw new Error(`invalid duration "${text}": use forms like 90s, 30m, 36h, 40d or 1h30m`);
    total += Number(match[1]) * (UNIT_MS[match[2] as string] as number);
    index = part.lastIndex;
  }
  if (trimmed.length === 0) throw new Error("invalid duration: empty");
  return total;
}

/** RFC 3339 with microseconds, as metav1.MicroTime serialises (Lease renewTime). */
export function isoMicros(d: Date): string {
  return `${d.toISOString().slice(0, 23)}000Z`;
}

/** A container or sandbox id as containerd prints it: 64 lowercase hex characters. */
export function containerId(): string {
  // Drawn from a pooled buffer: scenarios with tens of thousands of pods need as many ids at once.
  if (poolOffset + 32 > pool.length) {
    pool = randomBytes(32 * 4096);
    poolOffset = 0;
  }
  poolOffset += 32;
  return pool.toString("hex", poolOffset - 32, poolOffset);
}
let pool = Buffer.alloc(0);
let poolOffset = 0;

/**
 * The name suffix client-go's event recorder uses: `%x` of the UnixNano clock when the event was made. The sub-
 * millisecond part is random; the recorder retries on the rare name collision.
 */
export function eventNameSuffix(at: Date): string {
  return (BigInt(at.getTime()) * 1_000_000n + BigInt(Math.floor(Math.random() * 1_000_000))).toString(16);
}
