/**
 * GNU coreutils `date`, for reading the clock only: `date`, `date +FORMAT`, `-u`. The node's clock is the host's
 * plus the node's simulated offset (clock-skew scenarios). Time zone is UTC, locale C. Setting the date or parsing
 * one (`-d`, `-s`, an operand without "+") is refused.
 */
import { quoteAlways } from "../shell-words.ts";
import { parseOptions } from "./options.ts";
import { type Program, usageError } from "./program.ts";

const OPTIONS = {
  short: "uRd:s:",
  long: {
    utc: { key: "u", argument: false },
    universal: { key: "u", argument: false },
    date: { key: "d", argument: true },
    set: { key: "s", argument: true },
  },
} as const;

const DAYS = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const DEFAULT_FORMAT = "%a %b %e %H:%M:%S %Z %Y";

function pad(value: number, width: number, fill = "0"): string {
  return String(value).padStart(width, fill);
}

function dayOfYear(date: Date): number {
  return Math.floor((date.getTime() - Date.UTC(date.getUTCFullYear(), 0, 1)) / 86_400_000) + 1;
}

/** strftime in the C locale and UTC, plus GNU's %N (nanoseconds); unknown conversions print as written. */
export function formatDate(format: string, epochNs: bigint): string {
  const seconds = epochNs / 1_000_000_000n - (epochNs < 0n && epochNs % 1_000_000_000n !== 0n ? 1n : 0n);
  const nanos = epochNs - seconds * 1_000_000_000n;
  const date = new Date(Number(seconds) * 1000);
  const conversions: Record<string, () => string> = {
    "%": () => "%",
    s: () => seconds.toString(),
    N: () => nanos.toString().padStart(9, "0"),
    Y: () => String(date.getUTCFullYear()),
    y: () => pad(date.getUTCFullYear() % 100, 2),
    m: () => pad(date.getUTCMonth() + 1, 2),
    d: () => pad(date.getUTCDate(), 2),
    e: () => pad(date.getUTCDate(), 2, " "),
    H: () => pad(date.getUTCHours(), 2),
    M: () => pad(date.getUTCMinutes(), 2),
    S: () => pad(date.getUTCSeconds(), 2),
    j: () => pad(dayOfYear(date), 3),
    a: () => DAYS[date.getUTCDay()] ?? "?",
    b: () => MONTHS[date.getUTCMonth()] ?? "?",
    z: () => "+0000",
    Z: () => "UTC",
    F: () => `${date.getUTCFullYear()}-${pad(date.getUTCMonth() + 1, 2)}-${pad(date.getUTCDate(), 2)}`,
    T: () => `${pad(date.getUTCHours(), 2)}:${pad(date.getUTCMinutes(), 2)}:${pad(date.getUTCSeconds(), 2)}`,
    n: () => "\n",
    t: () => "\t",
  };
  let out = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    const next = format[i + 1];
    const convert = c === "%" && next !== undefined ? conversions[next] : undefined;
    if (convert === undefined) {
      out += c;
      continue;
    }
    out += convert();
    i++;
  }
  return out;
}

export const date: Program = async (args, io) => {
  const parsed = parseOptions(args, OPTIONS);
  if (!parsed.ok) return usageError("date", parsed.message, io);
  const refused = parsed.options.find((o) => o.key === "d" || o.key === "s" || o.key === "R");
  if (refused !== undefined) {
    io.stderr.write(`date: option -${refused.key} is not supported by the simulated node\n`);
    return 1;
  }
  const [operand, extra] = parsed.operands;
  if (extra !== undefined) return usageError("date", `extra operand ${quoteAlways(extra)}`, io);
  if (operand !== undefined && !operand.startsWith("+")) {
    io.stderr.write(`date: invalid date ${quoteAlways(operand)}\n`);
    return 1;
  }
  const format = operand === undefined ? DEFAULT_FORMAT : operand.slice(1);
  io.stdout.write(`${formatDate(format, io.nowNs())}\n`);
  return 0;
};
