/** Times from Kubernetes Events, as the Diagnosis JSON carries them (ISO strings). Pure. */
import type { CoreV1Event } from "../../kube/types.ts";

/** When the event was last seen, in ms since the epoch; 0 when it carries no time. */
export function eventTime(e: CoreV1Event): number {
  // No round trip through an ISO string: this runs once per event on lists of tens of thousands.
  const ms = epochMs(lastTimeValue(e));
  return Number.isNaN(ms) ? 0 : ms;
}

/** When the event was last seen: lastTimestamp, else the series' last observation, else when it first happened. */
export function lastTime(e: CoreV1Event): string | null {
  return toIso(lastTimeValue(e));
}

/** lastTime as client-node gives it (a Date, or a string where it did not revive one). */
export function lastTimeValue(e: CoreV1Event): Date | string | undefined {
  return e.lastTimestamp ?? e.series?.lastObservedTime ?? e.eventTime ?? e.firstTimestamp;
}

/** Milliseconds since the epoch; NaN when the value is not a time. */
function epochMs(value: Date | string | undefined | null): number {
  if (value === undefined || value === null) return Number.NaN;
  return value instanceof Date ? value.getTime() : Date.parse(value);
}

/** client-node revives timestamps as Date objects; the JSON contract carries ISO strings. */
export function toIso(value: Date | string | undefined | null): string | null {
  if (value === undefined || value === null) return null;
  const d = value instanceof Date ? value : new Date(value);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

/** The earliest (or with `max`, the latest) of the times, as ISO; null when none is a time. */
export function minTime(values: (Date | string | null | undefined)[], max = false): string | null {
  // Compared as numbers and written as ISO once: a finding on a large cluster has thousands of events.
  let best = Number.NaN;
  for (const v of values) {
    const ms = epochMs(v);
    if (!Number.isNaN(ms) && (Number.isNaN(best) || (max ? ms > best : ms < best))) best = ms;
  }
  return Number.isNaN(best) ? null : new Date(best).toISOString();
}
