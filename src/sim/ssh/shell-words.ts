/**
 * Splits an SSH exec command line into argv the way a POSIX `sh -c` would for ONE simple command, and refuses
 * everything else. A real sshd hands the line to the login shell; the simulated node has no shell, so anything that
 * would make a shell do more than run one program (pipes, lists, redirections, expansions, globs, assignments,
 * comments) is refused rather than half-imitated. cni-doctor's templates are plain argv quoted with single quotes, so
 * they never need any of it.
 */

export type ParsedCommandLine =
  | { ok: true; argv: string[] }
  | { ok: false; stderr: string; exitCode: number };

/** Characters that are literal in any position of an unquoted POSIX shell word (the product's bare-word set). */
const LITERAL_UNQUOTED = /[A-Za-z0-9_@%+=:,./-]/;
const WORD_SEPARATOR = /[ \t]/;

/** dash's own wording for an unterminated quote, exit status 2 (a shell syntax error). */
function unterminated(): ParsedCommandLine {
  return { ok: false, stderr: "sh: 1: Syntax error: Unterminated quoted string\n", exitCode: 2 };
}

function unsupported(character: string, offset: number): ParsedCommandLine {
  const shown = JSON.stringify(character);
  return {
    ok: false,
    stderr:
      `sh: 1: simulated node: refusing unquoted shell syntax ${shown} at offset ${offset}: ` +
      "only one simple command with quoted arguments is supported\n",
    exitCode: 2,
  };
}

/**
 * Parses `line` into words. Quoting follows POSIX: inside '...' nothing is special; inside "..." a backslash escapes
 * only $ ` " \ and newline, and $ or ` would start an expansion (refused); outside quotes a backslash makes the next
 * character literal and backslash-newline is a line continuation.
 */
export function parseCommandLine(line: string): ParsedCommandLine {
  const argv: string[] = [];
  let word = "";
  /** Whether the current word exists (an empty '' is still a word). */
  let inWord = false;
  /** Whether any part of the current word was quoted: assignments and `~`/`#` only matter in unquoted text. */
  let wordHasQuotedPart = false;
  let i = 0;
  const endWord = () => {
    if (!inWord) return;
    argv.push(word);
    word = "";
    inWord = false;
    wordHasQuotedPart = false;
  };
  while (i < line.length) {
    const c = line[i] as string;
    if (WORD_SEPARATOR.test(c)) {
      endWord();
      i++;
      continue;
    }
    if (c === "'") {
      const close = line.indexOf("'", i + 1);
      if (close === -1) return unterminated();
      word += line.slice(i + 1, close);
      inWord = true;
      wordHasQuotedPart = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      i++;
      let closed = false;
      while (i < line.length) {
        const d = line[i] as string;
        if (d === '"') {
          closed = true;
          i++;
          break;
        }
        if (d === "$" || d === "`") return unsupported(d, i);
        if (d === "\\" && i + 1 < line.length && '$`"\\\n'.includes(line[i + 1] as string)) {
          if (line[i + 1] !== "\n") word += line[i + 1];
          i += 2;
          continue;
        }
        word += d;
        i++;
      }
      if (!closed) return unterminated();
      inWord = true;
      wordHasQuotedPart = true;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= line.length) {
        // A trailing backslash is kept literally by dash.
        word += "\\";
        inWord = true;
        i++;
        continue;
      }
      const next = line[i + 1] as string;
      if (next !== "\n") {
        word += next;
        inWord = true;
        wordHasQuotedPart = true;
      }
      i += 2;
      continue;
    }
    if (!LITERAL_UNQUOTED.test(c)) return unsupported(c, i);
    // `VAR=value cmd` would set the environment: not a simple command the node simulates.
    if (c === "=" && argv.length === 0 && !wordHasQuotedPart && /^[A-Za-z_][A-Za-z0-9_]*$/.test(word)) {
      return unsupported("=", i);
    }
    word += c;
    inWord = true;
    i++;
  }
  endWord();
  return { ok: true, argv };
}

/** Quotes a file name in diagnostics the way GNU tools do in the C locale: bare when safe, else '...'. */
export function quoteForMessage(name: string): string {
  if (name !== "" && /^[A-Za-z0-9_@%+=:,./-]+$/.test(name)) return name;
  return `'${name.replaceAll("'", `'\\''`)}'`;
}

/** GNU's `quote()`: always in quotes (C locale uses '...'), as in "cannot stat 'x'". */
export function quoteAlways(name: string): string {
  return name.includes("'") ? `"${name}"` : `'${name}'`;
}
