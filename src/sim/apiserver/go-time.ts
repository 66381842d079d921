/**
 * Go's time.Parse for the two layouts Kubernetes decodes timestamps with, down to its error texts, because a client
 * that sends the wrong shape gets exactly these words back in the 400:
 * - metav1.Time: `time.Parse(time.RFC3339, s)`, "2006-01-02T15:04:05Z07:00"; a fraction after the seconds is
 *   accepted even though the layout has none (kubernetes/apimachinery pkg/apis/meta/v1/time.go, UnmarshalJSON);
 * - metav1.MicroTime: `time.Parse(RFC3339Micro, s)`, "2006-01-02T15:04:05.000000Z07:00": exactly six fractional
 *   digits (pkg/apis/meta/v1/micro_time.go, UnmarshalJSON).
 * The algorithm and messages follow Go's src/time/format.go (parse, getnum, skip, parseNanoseconds, ParseError.Error).
 */

export const RFC3339 = "2006-01-02T15:04:05Z07:00";
export const RFC3339_MICRO = "2006-01-02T15:04:05.000000Z07:00";

type Element =
  | { literal: string }
  | { std: "2006" | "01" | "02" | "15" | "04" | "05" | ".000000" | "Z07:00" };

const LAYOUTS: Record<string, Element[]> = {
  [RFC3339]: elements(false),
  [RFC3339_MICRO]: elements(true),
};

function elements(micro: boolean): Element[] {
  return [
    { std: "2006" },
    { literal: "-" },
    { std: "01" },
    { literal: "-" },
    { std: "02" },
    { literal: "T" },
    { std: "15" },
    { literal: ":" },
    { std: "04" },
    { literal: ":" },
    { std: "05" },
    ...(micro ? [{ std: ".000000" } as const] : []),
    { std: "Z07:00" },
  ];
}

/** Go's time.quote: the value in double quotes, with `"` and `\` escaped. */
function quote(s: string): string {
  return `"${s.replace(/[\\"]/g, (c) => `\\${c}`)}"`;
}

function isDigit(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 48 && c <= 57;
}

/** Go's getnum: one or two digits, exactly two when `fixed`. */
function getnum(s: string, fixed: boolean): { n: number; rest: string } | null {
  if (!isDigit(s, 0)) return null;
  if (!isDigit(s, 1)) return fixed ? null : { n: Number(s[0]), rest: s.slice(1) };
  return { n: Number(s.slice(0, 2)), rest: s.slice(2) };
}

function daysIn(month: number, year: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/**
 * Parses `value` with one of the two layouts; returns the instant in epoch milliseconds, or the error text Go's
 * time.ParseError.Error() prints.
 */
export function parseGoTime(
  layout: string,
  value: string,
): { ok: true; epochMs: number } | { ok: false; error: string } {
  const steps = LAYOUTS[layout];
  if (!steps) throw new Error(`parseGoTime: unsupported layout ${layout}`);
  const fail = (layoutElem: string, valueElem: string) => ({
    ok: false as const,
    error: `parsing time ${quote(value)} as ${quote(layout)}: cannot parse ${quote(valueElem)} as ${quote(layoutElem)}`,
  });
  const outOfRange = (what: string) => ({
    ok: false as const,
    error: `parsing time ${quote(value)}: ${what} out of range`,
  });
  let rest = value;
  let year = 0;
  let month = 0;
  let day = 0;
  let hour = 0;
  let minute = 0;
  let second = 0;
  let nanos = 0;
  let offsetMinutes = 0;
  for (const [index, step] of steps.entries()) {
    if ("literal" in step) {
      if (!rest.startsWith(step.literal)) return fail(step.literal, rest);
      rest = rest.slice(step.literal.length);
      continue;
    }
    const hold = rest;
    switch (step.std) {
      case "2006": {
        if (rest.length < 4 || !/^\d{4}/.test(rest)) return fail(step.std, hold);
        year = Number(rest.slice(0, 4));
        rest = rest.slice(4);
        break;
      }
      case "01":
      case "02":
      case "15":
      case "04":
      case "05": {
        // Go's layout "15" is stdHour, the only one of these that accepts a single digit.
        const got = getnum(rest, step.std !== "15");
        if (!got) return fail(step.std, hold);
        rest = got.rest;
        if (step.std === "01") {
          month = got.n;
          if (month <= 0 || month > 12) return outOfRange("month");
        } else if (step.std === "02") day = got.n;
        else if (step.std === "15") {
          hour = got.n;
          if (hour >= 24) return outOfRange("hour");
        } else if (step.std === "04") {
          minute = got.n;
          if (minute >= 60) return outOfRange("minute");
        } else {
          second = got.n;
          if (second >= 60) return outOfRange("second");
          // A fraction the layout does not name is still accepted (format.go, stdZeroSecond's special case).
          const next = steps[index + 1];
          const layoutHasFraction = next !== undefined && "std" in next && next.std === ".000000";
          if (
            !layoutHasFraction &&
            rest.length >= 2 &&
            (rest[0] === "." || rest[0] === ",") &&
            isDigit(rest, 1)
          ) {
            let n = 2;
            while (n < rest.length && isDigit(rest, n)) n++;
            nanos = fractionNanos(rest.slice(1, n));
            rest = rest.slice(n);
          }
        }
        break;
      }
      case ".000000": {
        // stdFracSecond0 requires the exact number of digits the layout names.
        if (rest.length < 7) return fail(step.std, hold);
        const digits = rest.slice(1, 7);
        if ((rest[0] !== "." && rest[0] !== ",") || !/^\d{6}$/.test(digits)) return fail(step.std, hold);
        nanos = fractionNanos(digits);
        rest = rest.slice(7);
        break;
      }
      case "Z07:00": {
        if (rest.startsWith("Z")) {
          rest = rest.slice(1);
          break;
        }
        if (rest.length < 6 || rest[3] !== ":") return fail(step.std, hold);
        const sign = rest[0];
        const hh = getnum(rest.slice(1, 3), true);
        const mm = getnum(rest.slice(4, 6), true);
        if ((sign !== "+" && sign !== "-") || !hh || !mm) return fail(step.std, hold);
        if (hh.n > 24) return outOfRange("time zone offset hour");
        if (mm.n > 60) return outOfRange("time zone offset minute");
        offsetMinutes = (sign === "-" ? -1 : 1) * (hh.n * 60 + mm.n);
        rest = rest.slice(6);
        break;
      }
    }
  }
  if (rest.length > 0) {
    return { ok: false, error: `parsing time ${quote(value)}: extra text: ${quote(rest)}` };
  }
  if (day < 1 || day > daysIn(month, year)) return outOfRange("day");
  const epochMs =
    Date.UTC(year, month - 1, day, hour, minute, second) - offsetMinutes * 60_000 + Math.floor(nanos / 1e6);
  return { ok: true, epochMs };
}

function fractionNanos(digits: string): number {
  return Number(`${digits.slice(0, 9)}`.padEnd(9, "0"));
}
