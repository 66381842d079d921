import { V1MicroTime } from "@kubernetes/client-node";

/**
 * A timestamp for a `metav1.MicroTime` field (Lease `acquireTime`/`renewTime`, Event `eventTime`,
 * `series.lastObservedTime`). kube-apiserver decodes these with `time.Parse(RFC3339Micro, s)`, RFC3339Micro being
 * "2006-01-02T15:04:05.000000Z07:00": exactly six fractional digits, or the whole request is a 400
 * (kubernetes/apimachinery pkg/apis/meta/v1/micro_time.go, UnmarshalJSON). A plain JS `Date` serialises with three
 * (`toISOString()`), so every MicroTime the product sends goes through here. client-node's V1MicroTime is a Date whose
 * `toISOString` (and so its JSON) pads to six digits; its serialiser passes the value through untouched because the
 * type is not in its model map, so what reaches the wire is exactly `formatMicroTime(date)`.
 */
export function microTime(date: Date | string): V1MicroTime {
  return new V1MicroTime(typeof date === "string" ? Date.parse(date) : date.getTime());
}

/** The wire form of a MicroTime: UTC, six fractional digits (JS time has milliseconds, so the last three are 0). */
export function formatMicroTime(date: Date): string {
  return `${date.toISOString().slice(0, -1)}000Z`;
}
