/**
 * GNU findutils `find`, for the subset cni-doctor uses: starting points, `-mindepth N`, `-maxdepth N`, `-printf FMT`
 * and `-print`. Symlinks are never followed (find's default -P). Entries come in directory order, unsorted, as with
 * the real find. Anything else is refused with find's own kind of message rather than silently ignored.
 */
import type { BigIntStats } from "node:fs";
import { opendir } from "node:fs/promises";
import { join, posix } from "node:path";
import { asNodeFsError, type ResolvedPath, typeLetter } from "../node-filesystem.ts";
import { quoteAlways } from "../shell-words.ts";
import type { Program, ProgramIo } from "./program.ts";

type Action = { kind: "printf"; format: string } | { kind: "print" };

interface FindPlan {
  startingPoints: string[];
  minDepth: number;
  maxDepth: number;
  actions: Action[];
  /** GNU's warnings about the command line (unknown -printf directives), printed before any output. */
  warnings: string[];
}

const SUPPORTED_DIRECTIVES = "%pfhPsdmMyuUgG";

/** Parses find's command line; returns an error message (already prefixed "find: ") on failure. */
function planFind(args: readonly string[]): FindPlan | string {
  let i = 0;
  // Leading -P is the default; -H/-L would follow symlinks, which the simulator does not do.
  while (args[i] === "-P") i++;
  if (args[i] === "-H" || args[i] === "-L")
    return `find: option ${args[i]} is not supported by the simulated node`;
  const startingPoints: string[] = [];
  while (i < args.length && !(args[i] as string).startsWith("-") && args[i] !== "(" && args[i] !== "!") {
    startingPoints.push(args[i] as string);
    i++;
  }
  const plan: FindPlan = {
    startingPoints: startingPoints.length === 0 ? ["."] : startingPoints,
    minDepth: 0,
    maxDepth: Number.POSITIVE_INFINITY,
    actions: [],
    warnings: [],
  };
  while (i < args.length) {
    const predicate = args[i] as string;
    const value = args[i + 1];
    switch (predicate) {
      case "-mindepth":
      case "-maxdepth": {
        if (value === undefined) return `find: missing argument to \`${predicate}'`;
        if (!/^\d+$/.test(value)) {
          return `find: Expected a positive decimal integer argument to ${predicate}, but got '${value}'`;
        }
        if (predicate === "-mindepth") plan.minDepth = Number(value);
        else plan.maxDepth = Number(value);
        i += 2;
        break;
      }
      case "-printf": {
        if (value === undefined) return "find: missing argument to `-printf'";
        const check = checkDirectives(value);
        if (check.refusal !== undefined) return check.refusal;
        plan.warnings.push(...check.warnings);
        plan.actions.push({ kind: "printf", format: value });
        i += 2;
        break;
      }
      case "-print":
        plan.actions.push({ kind: "print" });
        i += 1;
        break;
      default:
        if (predicate.startsWith("-")) return `find: unknown predicate \`${predicate}'`;
        return `find: paths must precede expression: '${predicate}'`;
    }
  }
  if (plan.actions.length === 0) plan.actions.push({ kind: "print" });
  return plan;
}

/** Every directive GNU find knows; the simulator renders SUPPORTED_DIRECTIVES and refuses the rest of these. */
const GNU_DIRECTIVES = "aAbcCdDfFgGhHiklmMnpPsStTuUyYZ";

/**
 * Checks -printf's % directives. One GNU does not know either gets GNU's warning and prints literally; one GNU knows
 * but the simulator does not render is refused, rather than printed wrongly.
 */
function checkDirectives(format: string): { refusal?: string; warnings: string[] } {
  const warnings: string[] = [];
  for (let i = 0; i < format.length; i++) {
    if (format[i] !== "%") continue;
    const next = format[i + 1];
    if (next === undefined) return { refusal: "find: error: '%' at the end of the format", warnings };
    if (next === "%") {
      i++;
      continue;
    }
    if ((next === "T" || next === "A" || next === "C") && format[i + 2] === "@") {
      i += 2;
      continue;
    }
    if (!GNU_DIRECTIVES.includes(next)) {
      warnings.push(`find: warning: unrecognized format directive \`%${next}'`);
    } else if (!SUPPORTED_DIRECTIVES.includes(next)) {
      return {
        refusal: `find: the simulated node does not implement the -printf directive '%${next}'`,
        warnings,
      };
    }
    i++;
  }
  return { warnings };
}

interface Visited {
  /** The path as find prints it (%p): the starting point as given, then "/name" per level. */
  path: string;
  startingPoint: string;
  depth: number;
  stat: BigIntStats;
}

/** GNU's %T@ and friends: seconds, a dot and ten fractional digits (nanoseconds and a trailing 0). */
function epochWithFraction(ns: bigint): string {
  const seconds = ns / 1_000_000_000n;
  const fraction = ns % 1_000_000_000n;
  return `${seconds}.${fraction.toString().padStart(9, "0")}0`;
}

/** `ls -l`-style permissions for %M. */
function symbolicMode(stat: BigIntStats): string {
  const mode = Number(stat.mode);
  const type = typeLetter(stat);
  const typeChar = type === "f" ? "-" : type;
  const bits = ["r", "w", "x", "r", "w", "x", "r", "w", "x"]
    .map((c, index) => ((mode >> (8 - index)) & 1 ? c : "-"))
    .join("");
  return typeChar + bits;
}

function basenameForFind(path: string): string {
  if (/^\/+$/.test(path)) return "/";
  return posix.basename(path.replace(/\/+$/, ""));
}

function renderDirective(directive: string, entry: Visited): string {
  const { stat } = entry;
  switch (directive) {
    case "p":
      return entry.path;
    case "f":
      return basenameForFind(entry.path);
    case "h": {
      const dir = posix.dirname(entry.path);
      return entry.path.includes("/") ? dir : ".";
    }
    case "P":
      return entry.path === entry.startingPoint
        ? ""
        : entry.path.slice(entry.startingPoint.length).replace(/^\/+/, "");
    case "s":
      return stat.size.toString();
    case "d":
      return String(entry.depth);
    case "m":
      return (Number(stat.mode) & 0o7777).toString(8);
    case "M":
      return symbolicMode(stat);
    case "y":
      return typeLetter(stat);
    // Every file on a simulated node belongs to root:root.
    case "u":
    case "g":
      return "root";
    case "U":
    case "G":
      return "0";
    case "T@":
      return epochWithFraction(stat.mtimeNs);
    case "A@":
      return epochWithFraction(stat.atimeNs);
    case "C@":
      return epochWithFraction(stat.ctimeNs);
    default:
      return `%${directive}`;
  }
}

const ESCAPES: Record<string, string> = {
  a: "\x07",
  b: "\b",
  f: "\f",
  n: "\n",
  r: "\r",
  t: "\t",
  v: "\v",
  "\\": "\\",
};

/** Expands -printf's backslash escapes and % directives for one entry. `\c` stops output (and find's printing). */
function renderPrintf(format: string, entry: Visited): string {
  let out = "";
  for (let i = 0; i < format.length; i++) {
    const c = format[i] as string;
    if (c === "\\") {
      const next = format[i + 1];
      if (next === undefined) {
        out += "\\";
        continue;
      }
      if (next === "c") return out;
      const octal = /^[0-7]{1,3}/.exec(format.slice(i + 1));
      if (octal !== null) {
        out += String.fromCharCode(Number.parseInt(octal[0], 8));
        i += octal[0].length;
        continue;
      }
      // GNU warns about an unknown escape and prints it as is.
      out += ESCAPES[next] ?? `\\${next}`;
      i++;
      continue;
    }
    if (c === "%") {
      const next = format[i + 1] as string;
      if (next === "%") {
        out += "%";
        i++;
      } else if ((next === "T" || next === "A" || next === "C") && format[i + 2] === "@") {
        out += renderDirective(`${next}@`, entry);
        i += 2;
      } else {
        out += renderDirective(next, entry);
        i++;
      }
      continue;
    }
    out += c;
  }
  return out;
}

/** Entry names in the order the directory yields them (readdir(3)), unsorted, as GNU find prints them. */
async function directoryOrder(hostPath: string): Promise<string[]> {
  const names: string[] = [];
  // fs.readdir sorts on some platforms; opendir streams the raw order.
  for await (const entry of await opendir(hostPath)) names.push(entry.name);
  return names;
}

function emit(plan: FindPlan, entry: Visited, io: ProgramIo): void {
  if (entry.depth < plan.minDepth) return;
  for (const action of plan.actions) {
    // File names are bytes on a real node; here they are UTF-8 strings, written back as UTF-8.
    io.stdout.write(action.kind === "print" ? `${entry.path}\n` : renderPrintf(action.format, entry));
  }
}

export const find: Program = async (args, io) => {
  const plan = planFind(args);
  if (typeof plan === "string") {
    io.stderr.write(`${plan}\n`);
    return 1;
  }
  for (const warning of plan.warnings) io.stderr.write(`${warning}\n`);
  let status = 0;
  const walk = async (start: ResolvedPath, entry: Visited): Promise<void> => {
    emit(plan, entry, io);
    if (!entry.stat.isDirectory() || entry.depth >= plan.maxDepth) return;
    let names: string[];
    try {
      io.fs.checkAccess(entry.stat, "read");
      io.fs.checkAccess(entry.stat, "search");
      names = await directoryOrder(start.hostPath);
    } catch (err) {
      io.stderr.write(`find: ${quoteAlways(entry.path)}: ${asNodeFsError(err).message}\n`);
      status = 1;
      return;
    }
    for (const name of names) {
      if (io.signal.aborted) return;
      const child = await io.fs.entryIn(start, name);
      // Vanished between readdir and lstat: find says so and goes on.
      if (child.stat === undefined) {
        io.stderr.write(`find: ${quoteAlways(join(entry.path, name))}: No such file or directory\n`);
        status = 1;
        continue;
      }
      const path = entry.path.endsWith("/") ? `${entry.path}${name}` : `${entry.path}/${name}`;
      await walk(child, {
        path,
        startingPoint: entry.startingPoint,
        depth: entry.depth + 1,
        stat: child.stat,
      });
    }
  };
  for (const startingPoint of plan.startingPoints) {
    try {
      const start = await io.fs.resolveExisting(startingPoint, { followFinal: false });
      await walk(start, { path: startingPoint, startingPoint, depth: 0, stat: start.stat });
    } catch (err) {
      io.stderr.write(`find: ${quoteAlways(startingPoint)}: ${asNodeFsError(err).message}\n`);
      status = 1;
    }
  }
  return status;
};
