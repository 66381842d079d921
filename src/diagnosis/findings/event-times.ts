/** Times from Kubernetes Events, as the Diagnosis JSON carries them (ISO strings). Pure. */
import type { CoreV1Event } from "../../kube/types.ts";

/** When the event was last seen, in ms since the epoch; 0 when it carries no time. */
export function eventTime(e: CoreV1Event): number {
  const t = e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp;
  if (t === undefined || t === null) return 0;
  // No round trip through an ISO string: this runs once per event on lists of tens of thousands.
  const ms = t instanceof Date ? t.getTime() : Date.parse(t);
  return Number.isNaN(ms) ? 0 : ms;
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
