/**
 * The fixed catalogue of commands cni-doctor runs on nodes. Each template is a plain coreutils/findutils command built
 * from an argv array: no pipes, `&&` or redirections, so a node (real or simulated) only ever sees these exact forms.
 * Every argument is validated here and shell-quoted when rendered (see shell-quote.ts); nothing from Slack, events
 * or the cluster reaches a shell unquoted.
 */
import { posix } from "node:path";
import { NodeAccessError } from "./errors.ts";
import { shellJoin } from "./shell-quote.ts";

/** What came back from one remote command. Output beyond the cap is dropped and flagged. */
export interface CommandResult {
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  /** Exit status, or null when the process died from a signal. */
  exitCode: number | null;
  /** Signal name (e.g. "KILL") when the remote process died from one. */
  signal: string | null;
  /** Local clock (ms since epoch) just before the exec request and when the channel closed. */
  startedAtMs: number;
  finishedAtMs: number;
}

export interface CommandContext {
  /** Node name, for error messages. */
  node: string;
  /** The exact command line that ran (with any sudo prefix). */
  commandLine: string;
}

interface CommandTemplateFields<T> {
  /** Stable short name for logs and plans, e.g. "list-conf-dir". */
  readonly name: string;
  /** Program and arguments, already validated. Rendered with shellJoin. */
  readonly argv: readonly [string, ...string[]];
  /** Overrides the stdout cap when the template bounds its own output (bounded reads). */
  readonly maxStdoutBytes?: number;
  /** Turns the raw result into the template's typed answer; throws NodeAccessError for unexpected failures. */
  interpret(result: CommandResult, context: CommandContext): T;
}

/** A command that only looks at the node. The only kind a NodeReader runs (see node-reader.ts). */
export interface ReadOnlyCommand<T> extends CommandTemplateFields<T> {
  readonly changesNode: false;
}

/** A command that changes the node (remediation). Only a NodeWriter, given to an approved run, runs these. */
export interface NodeChangingCommand<T> extends CommandTemplateFields<T> {
  readonly changesNode: true;
}

/** Any command in the catalogue; `changesNode` tells the two kinds apart, for the type checker and at run time. */
export type CommandTemplate<T> = ReadOnlyCommand<T> | NodeChangingCommand<T>;

const SUDO_PREFIX = ["sudo", "-n", "--"] as const;

/** The argv actually executed: the template's, behind `sudo -n --` when the node is configured for sudo. */
export function effectiveArgv(template: CommandTemplate<unknown>, sudo: boolean): string[] {
  return sudo ? [...SUDO_PREFIX, ...template.argv] : [...template.argv];
}

/** The exact command line sent to the node; plans show this string to operators. */
export function renderCommandLine(template: CommandTemplate<unknown>, options: { sudo: boolean }): string {
  return shellJoin(effectiveArgv(template, options.sudo));
}

// ---------------------------------------------------------------------------------------------------------------
// Argument validation

export const MAX_PATH_LENGTH = 4096;
/** Hard ceiling for bounded reads: CNI configs and kubeconfigs are a few KiB. */
export const MAX_READ_BYTES = 16 * 1024 * 1024;
const MAX_PATHS_PER_COMMAND = 64;

function reject(what: string, value: string, problem: string): never {
  // JSON.stringify shows control characters visibly; the value is a path, not a secret.
  const shown = value.length > 200 ? `${JSON.stringify(value.slice(0, 200))}…` : JSON.stringify(value);
  throw new NodeAccessError(
    "argument-rejected",
    `${what} ${shown} rejected: ${problem}. Nothing was sent to the node.`,
  );
}

/**
 * An absolute, normalised path with no NUL, CR or LF, well-formed Unicode and bounded length. Normalised means no
 * `.`/`..` segments, no `//`, no trailing slash — so the "inside an allowed root" check cannot be sidestepped.
 */
export function validateAbsolutePath(value: unknown, what = "path"): string {
  if (typeof value !== "string") throw new NodeAccessError("argument-rejected", `${what} must be a string`);
  if (value.length === 0) reject(what, value, "it is empty");
  if (value.length > MAX_PATH_LENGTH) reject(what, value, `it is longer than ${MAX_PATH_LENGTH} characters`);
  if (/[\0\r\n]/.test(value)) reject(what, value, "it contains a NUL, carriage return or newline");
  if (!value.isWellFormed()) reject(what, value, "it contains an unpaired UTF-16 surrogate");
  if (!value.startsWith("/")) reject(what, value, "it is not absolute");
  if (posix.normalize(value) !== value || (value !== "/" && value.endsWith("/"))) {
    reject(what, value, "it is not normalised (no '.', '..', '//' or trailing '/')");
  }
  return value;
}

/** Validates `value` and checks it lies inside one of `roots` (or is a root itself when `allowRoot`). */
export function validatePathWithin(
  value: unknown,
  roots: readonly string[],
  what: string,
  allowRoot: boolean,
): string {
  const path = validateAbsolutePath(value, what);
  if (roots.length === 0) reject(what, path, "no allowed roots were given for it");
  for (const raw of roots) {
    const root = validateAbsolutePath(raw, "allowed root");
    if (path === root) {
      if (allowRoot) return path;
      continue;
    }
    if (root === "/" || path.startsWith(`${root}/`)) return path;
  }
  reject(
    what,
    path,
    `it is not inside the allowed ${roots.length === 1 ? "root" : "roots"} ${roots.join(", ")}`,
  );
}

function validatePathList(values: readonly unknown[], roots: readonly string[], what: string): string[] {
  if (values.length === 0)
    throw new NodeAccessError("argument-rejected", `${what}: at least one path is needed`);
  if (values.length > MAX_PATHS_PER_COMMAND) {
    throw new NodeAccessError(
      "argument-rejected",
      `${what}: at most ${MAX_PATHS_PER_COMMAND} paths per command`,
    );
  }
  return values.map((v) => validatePathWithin(v, roots, what, false));
}

// ---------------------------------------------------------------------------------------------------------------
// Result helpers

const STDERR_EXCERPT_BYTES = 500;

function stderrExcerpt(result: CommandResult): string {
  const text = result.stderr.subarray(0, STDERR_EXCERPT_BYTES).toString("utf8").trim();
  return text === "" ? "(no stderr)" : text;
}

/** The generic "this template did not expect that" error, with exit status and a bounded stderr excerpt. */
export function unexpectedFailure(
  result: CommandResult,
  context: CommandContext,
  hint?: string,
): NodeAccessError {
  const status =
    result.signal !== null ? `was killed by signal ${result.signal}` : `exited ${result.exitCode}`;
  const usedSudo = context.commandLine.startsWith("sudo ");
  const permission = !/Permission denied/i.test(result.stderr.toString("utf8"))
    ? ""
    : usedSudo
      ? " Permission denied even with sudo: check the path (SELinux, immutable files, read-only mounts)."
      : " Permission denied: set `sudo: true` for this node in the nodes file (with NOPASSWD for these commands).";
  return new NodeAccessError(
    "command-failed",
    `\`${context.commandLine}\` ${status}: ${stderrExcerpt(result)}.`,
    {
      node: context.node,
      command: context.commandLine,
      hint: (hint ?? "") + permission || undefined,
    },
  );
}

function succeeded(result: CommandResult): boolean {
  return result.exitCode === 0 && result.signal === null;
}

function isMissing(result: CommandResult): boolean {
  return result.exitCode === 1 && /No such file or directory/.test(result.stderr.toString("utf8"));
}

// ---------------------------------------------------------------------------------------------------------------
// list a directory

export type DirEntryType = "file" | "directory" | "symlink" | "other";

export interface DirEntry {
  name: string;
  sizeBytes: number;
  /** Modification time, ms since epoch (from find's %T@, sub-second precision kept). */
  mtimeMs: number;
  /** User and group names (numeric ids when the node has no name for them). */
  owner: string;
  group: string;
  /** Permission bits, e.g. 0o644. */
  mode: number;
  type: DirEntryType;
}

export type DirectoryListing =
  | { status: "ok"; directory: string; entries: DirEntry[] }
  | { status: "missing"; directory: string };

/**
 * Seven NUL-terminated fields per entry: name, size, mtime, owner, group, mode, type. NUL is the one byte a file name
 * (or a user name) cannot hold, so a name containing tabs and newlines cannot forge a record, as it could with
 * newline-separated records (`\0` is GNU find's -printf escape for NUL: findutils doc, "-printf format", Escapes).
 */
export const LIST_DIR_FORMAT = "%f\\0%s\\0%T@\\0%u\\0%g\\0%m\\0%y\\0";
const LISTING_FIELDS = 7;

function entryType(letter: string): DirEntryType {
  if (letter === "f") return "file";
  if (letter === "d") return "directory";
  if (letter === "l") return "symlink";
  return "other";
}

/**
 * C0 controls and DEL: legal in a file name, never in one a CNI or an operator wrote. A name holding one is reported,
 * never used as a path (see forensics' suspicious names).
 */
export function hasControlCharacters(name: string): boolean {
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i);
    if (code < 0x20 || code === 0x7f) return true;
  }
  return false;
}

/** Parses `find -printf` output in LIST_DIR_FORMAT. Exported for the simulator-independent unit tests. */
export function parseDirectoryListing(output: string): DirEntry[] | { unparsedFrom: number } {
  const entries: DirEntry[] = [];
  let at = 0;
  while (at < output.length) {
    const fields: string[] = [];
    let cursor = at;
    while (fields.length < LISTING_FIELDS) {
      const end = output.indexOf("\0", cursor);
      if (end === -1) return { unparsedFrom: at };
      fields.push(output.slice(cursor, end));
      cursor = end + 1;
    }
    const [name = "", size = "", mtime = "", owner = "", group = "", mode = "", type = ""] = fields;
    if (
      !/^\d+$/.test(size) ||
      !/^\d+(?:\.\d+)?$/.test(mtime) ||
      !/^[0-7]{1,4}$/.test(mode) ||
      !/^[a-zA-Z]$/.test(type)
    ) {
      return { unparsedFrom: at };
    }
    entries.push({
      name,
      sizeBytes: Number(size),
      mtimeMs: Math.round(Number(mtime) * 1000),
      owner,
      group,
      mode: Number.parseInt(mode, 8),
      type: entryType(type),
    });
    at = cursor;
  }
  return entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** `find DIR -mindepth 1 -maxdepth 1 -printf ...`: the entries of one directory, sorted by name (byte order). */
export function listDirectory(
  directory: string,
  options: { within: readonly string[] },
): ReadOnlyCommand<DirectoryListing> {
  const dir = validatePathWithin(directory, options.within, "directory to list", true);
  return {
    name: "list-directory",
    argv: ["find", dir, "-mindepth", "1", "-maxdepth", "1", "-printf", LIST_DIR_FORMAT],
    changesNode: false,
    interpret(result, context) {
      if (isMissing(result) && result.stdout.length === 0) return { status: "missing", directory: dir };
      if (!succeeded(result)) throw unexpectedFailure(result, context);
      if (result.stdoutTruncated) {
        throw unexpectedFailure(
          result,
          context,
          "The listing exceeded the output cap; raise maxOutputBytes.",
        );
      }
      const parsed = parseDirectoryListing(result.stdout.toString("utf8"));
      if (!Array.isArray(parsed)) {
        throw new NodeAccessError(
          "command-failed",
          `could not parse the listing of ${dir} from byte ${parsed.unparsedFrom} on.`,
          { node: context.node, command: context.commandLine, hint: "Is this GNU findutils `find`?" },
        );
      }
      return { status: "ok", directory: dir, entries: parsed };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// read a file, bounded

export type BoundedRead =
  | { status: "ok"; path: string; content: Buffer; truncated: boolean }
  | { status: "missing"; path: string };

/**
 * `head -c N+1 -- PATH`: at most maxBytes of the file. Reading one byte more than we keep tells a file of exactly
 * maxBytes apart from a longer one, which is then reported as truncated.
 */
export function readFileBounded(
  path: string,
  options: { within: readonly string[]; maxBytes: number },
): ReadOnlyCommand<BoundedRead> {
  const file = validatePathWithin(path, options.within, "file to read", false);
  const { maxBytes } = options;
  if (!Number.isInteger(maxBytes) || maxBytes < 1 || maxBytes > MAX_READ_BYTES) {
    throw new NodeAccessError(
      "argument-rejected",
      `read limit ${maxBytes} must be an integer 1..${MAX_READ_BYTES}`,
    );
  }
  return {
    name: "read-file",
    argv: ["head", "-c", String(maxBytes + 1), "--", file],
    changesNode: false,
    maxStdoutBytes: maxBytes + 1,
    interpret(result, context) {
      if (isMissing(result) && result.stdout.length === 0) return { status: "missing", path: file };
      if (!succeeded(result)) throw unexpectedFailure(result, context);
      const truncated = result.stdout.length > maxBytes || result.stdoutTruncated;
      return { status: "ok", path: file, content: result.stdout.subarray(0, maxBytes), truncated };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// node clock

export interface NodeClockReading {
  /** The node's clock, ms since epoch (sub-ms precision kept as a fraction). */
  nodeEpochMs: number;
  /** Node clock minus our clock at the midpoint of the round trip; positive = node ahead. */
  offsetMs: number;
  /** Half the round trip: the offset is accurate to within ± this. */
  uncertaintyMs: number;
}

/** `date +%s.%N`: the node's clock, read with a round-trip bound so clock skew can be judged honestly. */
export function readNodeClock(): ReadOnlyCommand<NodeClockReading> {
  return {
    name: "node-clock",
    argv: ["date", "+%s.%N"],
    changesNode: false,
    interpret(result, context) {
      if (!succeeded(result)) throw unexpectedFailure(result, context);
      const text = result.stdout.toString("utf8").trim();
      // A date without %N support prints "N" literally; whole seconds are still useful.
      const m = /^(\d+)(?:\.(\d+|N))?$/.exec(text);
      if (m === null) {
        throw new NodeAccessError(
          "command-failed",
          `unexpected output from \`date\`: ${JSON.stringify(text.slice(0, 80))}`,
          {
            node: context.node,
            command: context.commandLine,
          },
        );
      }
      const fraction = m[2] === undefined || m[2] === "N" ? 0 : Number(`0.${m[2]}`);
      const nodeEpochMs = (Number(m[1]) + fraction) * 1000;
      const midpoint = (result.startedAtMs + result.finishedAtMs) / 2;
      return {
        nodeEpochMs,
        offsetMs: nodeEpochMs - midpoint,
        uncertaintyMs: (result.finishedAtMs - result.startedAtMs) / 2,
      };
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// checksums

export type FileChecksum =
  | { path: string; status: "ok"; sha256: string }
  | { path: string; status: "missing" };

/** sha256sum escapes names holding a backslash or newline: the line starts with "\" and "\\", "\n" are escaped. */
function unescapeSha256sumName(name: string): string {
  return name.replace(/\\(.)/g, (_, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c));
}

/** `sha256sum -- PATH...`: a checksum per path, in argument order; missing files reported as such. */
export function checksumFiles(
  paths: readonly string[],
  options: { within: readonly string[] },
): ReadOnlyCommand<FileChecksum[]> {
  const files = validatePathList(paths, options.within, "file to checksum");
  return {
    name: "checksum-files",
    argv: ["sha256sum", "--", ...files],
    changesNode: false,
    interpret(result, context) {
      const sums = new Map<string, string>();
      for (const line of result.stdout.toString("utf8").split("\n")) {
        const m = /^(\\?)([0-9a-f]{64}) [ *](.*)$/.exec(line);
        if (m === null) continue;
        sums.set(m[1] === "\\" ? unescapeSha256sumName(m[3] ?? "") : (m[3] ?? ""), m[2] ?? "");
      }
      const out: FileChecksum[] = files.map((path) => {
        const sha256 = sums.get(path);
        return sha256 === undefined ? { path, status: "missing" } : { path, status: "ok", sha256 };
      });
      const stderr = result.stderr.toString("utf8");
      const everyFailureIsMissing = stderr
        .split("\n")
        .filter((l) => l.trim() !== "")
        .every((l) => /No such file or directory/.test(l));
      if (!succeeded(result) && !(result.exitCode === 1 && everyFailureIsMissing)) {
        throw unexpectedFailure(result, context);
      }
      return out;
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// changes (remediation): backup directory, move aside, restore. Never rm.

/** `mkdir -p -m 0700 -- DIR`: a private directory for files moved aside. */
export function makeBackupDirectory(
  directory: string,
  options: { within: readonly string[] },
): NodeChangingCommand<void> {
  const dir = validatePathWithin(directory, options.within, "backup directory", false);
  return {
    name: "make-backup-directory",
    argv: ["mkdir", "-p", "-m", "0700", "--", dir],
    changesNode: true,
    interpret(result, context) {
      if (!succeeded(result)) throw unexpectedFailure(result, context);
    },
  };
}

/**
 * `mv -n -t DIR -- FILE...`: moves files into a directory without ever overwriting (-n). Used both to move configs
 * aside into a backup directory and to restore them. `mv -n` may skip an existing target silently (GNU coreutils
 * versions differ), so callers verify the outcome with listDirectory or checksumFiles.
 */
export function moveIntoDirectory(
  files: readonly string[],
  destination: string,
  options: { within: readonly string[] },
): NodeChangingCommand<void> {
  const dest = validatePathWithin(destination, options.within, "destination directory", true);
  const sources = validatePathList(files, options.within, "file to move");
  for (const source of sources) {
    if (posix.dirname(source) === dest) {
      throw new NodeAccessError("argument-rejected", `${source} is already in ${dest}; nothing to move`);
    }
    if (dest === source || dest.startsWith(`${source}/`)) {
      throw new NodeAccessError("argument-rejected", `cannot move ${source} into itself (${dest})`);
    }
  }
  return {
    name: "move-into-directory",
    argv: ["mv", "-n", "-t", dest, "--", ...sources],
    changesNode: true,
    interpret(result, context) {
      if (!succeeded(result)) throw unexpectedFailure(result, context);
    },
  };
}

// ---------------------------------------------------------------------------------------------------------------
// sudo refusals, recognised for every template

/** Turns sudo's own refusals into clear errors; returns undefined when the failure (if any) is not sudo's. */
export function sudoRefusal(result: CommandResult, context: CommandContext): NodeAccessError | undefined {
  if (result.exitCode !== 1) return undefined;
  const stderr = result.stderr.toString("utf8");
  if (/^sudo: (a password is required|a terminal is required|no tty present)/m.test(stderr)) {
    return new NodeAccessError(
      "sudo-needs-password",
      `sudo wants a password for \`${context.commandLine}\`.`,
      {
        node: context.node,
        command: context.commandLine,
        hint:
          "cni-doctor only uses non-interactive sudo (`sudo -n`): give the SSH user NOPASSWD for these commands " +
          "(find, head, date, sha256sum, mkdir, mv) in /etc/sudoers.d/, or set `sudo: false` if it can read the files directly.",
      },
    );
  }
  if (
    /^(sudo: .*is not in the sudoers file|Sorry, user .* is not allowed to execute|Sorry, user .* may not run sudo)/m.test(
      stderr,
    )
  ) {
    return new NodeAccessError(
      "sudo-not-allowed",
      `sudo refused \`${context.commandLine}\`: ${stderrExcerpt(result)}`,
      {
        node: context.node,
        command: context.commandLine,
        hint: "Allow the SSH user to run these commands with NOPASSWD in /etc/sudoers.d/.",
      },
    );
  }
  return undefined;
}
