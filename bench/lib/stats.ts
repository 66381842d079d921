/** Small statistics for repeated measurements: the median and the spread around it. */
export interface Summary {
  n: number;
  median: number;
  min: number;
  max: number;
  /** (max - min) / median, as a percentage: how much the runs disagree. */
  spreadPct: number;
  samples: number[];
}

export function summarize(samples: number[]): Summary {
  if (samples.length === 0) throw new RangeError("summarize: no samples");
  const sorted = [...samples].sort((a, b) => a - b);
  const median = percentile(sorted, 50);
  const min = sorted[0] as number;
  const max = sorted[sorted.length - 1] as number;
  return {
    n: samples.length,
    median,
    min,
    max,
    spreadPct: median === 0 ? 0 : ((max - min) / median) * 100,
    samples: samples.map(round),
  };
}

/** Percentile of an ascending array, linear between the two nearest ranks. */
export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const rank = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (rank - lo);
}

export function round(x: number, digits = 1): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** "1,234 ms (±5%, n=5)" */
export function fmtMs(s: Summary): string {
  return `${fmtNumber(s.median)} ms (${s.min === s.max ? "±0" : `${fmtNumber(s.min)}–${fmtNumber(s.max)}`}, n=${s.n})`;
}

export function fmtNumber(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  if (Math.abs(x) >= 100) return Math.round(x).toLocaleString("en-US");
  if (Math.abs(x) >= 10) return x.toFixed(1);
  return x.toFixed(2);
}

export function fmtBytes(bytes: number): string {
  if (bytes >= 1024 * 1024) return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
  if (bytes >= 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${bytes} B`;
}
