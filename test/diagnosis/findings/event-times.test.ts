/** Event times as the Diagnosis JSON carries them: ISO strings, from Dates (client-node) or strings alike. */
import { describe, expect, it } from "vitest";
import { eventTime, lastTime, minTime } from "../../../src/diagnosis/findings/event-times.ts";
import type { CoreV1Event } from "../../../src/kube/types.ts";

const event = (fields: Partial<CoreV1Event>) =>
  ({ involvedObject: {}, metadata: {}, ...fields }) as CoreV1Event;

describe("event times", () => {
  it("minTime picks the earliest (or latest) of Dates and strings, skips what is not a time, writes ISO", () => {
    const values = [
      "2026-12-05T10:00:03Z",
      new Date("2026-12-05T10:00:01Z"),
      null,
      undefined,
      "not a time",
      new Date("invalid"),
      "2026-12-05T10:00:02.500Z",
    ];
    expect(minTime(values)).toBe("2026-12-05T10:00:01.000Z");
    expect(minTime(values, true)).toBe("2026-12-05T10:00:03.000Z");
    expect(minTime([null, "garbage"])).toBeNull();
    expect(minTime([])).toBeNull();
  });

  it("lastTime and eventTime agree: lastTimestamp, else the series, else eventTime, else firstTimestamp", () => {
    const cases: [Partial<CoreV1Event>, string | null][] = [
      [
        { lastTimestamp: new Date("2026-12-05T10:00:05Z"), firstTimestamp: new Date("2026-12-05T09:00:00Z") },
        "2026-12-05T10:00:05.000Z",
      ],
      [
        {
          series: { count: 3, lastObservedTime: new Date("2026-12-05T10:00:06Z") },
          eventTime: new Date("2026-12-05T10:00:00Z"),
        },
        "2026-12-05T10:00:06.000Z",
      ],
      [{ eventTime: "2026-12-05T10:00:07.123456Z" as unknown as Date }, "2026-12-05T10:00:07.123Z"],
      [{ firstTimestamp: new Date("2026-12-05T10:00:08Z") }, "2026-12-05T10:00:08.000Z"],
      [{}, null],
    ];
    for (const [fields, iso] of cases) {
      const e = event(fields);
      expect(lastTime(e)).toBe(iso);
      expect(eventTime(e)).toBe(iso === null ? 0 : Date.parse(iso));
    }
  });
});
