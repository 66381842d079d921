/** Times from Kubernetes Events, as the Diagnosis JSON carries them (ISO strings). Pure. */
import type { CoreV1Event } from "../../kube/types.ts";

/** When the event was last seen, in ms since the epoch; 0 when it carries no time. */
export function eventTime(e: CoreV1Event): number {
  const t = lastTime(e);
  return t ? Date.parse(t) : 0;
}

/** When the event was last seen: lastTimestamp, else the series' last observation, else when it first happened. */
export function lastTime(e: CoreV1Event): string | null {
  return toIso(e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp);
}

/** client-node revives timestamps as Date objects; the JSON contract carries ISO strings. */
export function toIso(value: Date | string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The earliest (or with `max`, the latest) of the times, as ISO; null when none is a time. */
export function minTime(values: (Date | string | null)[], max = false): string | null {
  let best: string | null = null;
  for (const v of values) {
    const iso = toIso(v);
    if (iso && (best === null || (max ? iso > best : iso < best))) best = iso;
  }
  return best;
}
