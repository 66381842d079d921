/**
 * Turns one untrusted event or node-condition message into a canonical form the catalog can match with plain
 * substring tests. Anyone who can create a pod can shape parts of these messages, so this code runs in linear time,
 * reads a bounded prefix, and never uses a regular expression that can backtrack more than a constant amount.
 */

/** How much of a message the classifier reads. Real sandbox events are well under 4 KiB; the rest is noise or abuse. */
export const MAX_MESSAGE_CHARS = 16 * 1024;

export interface NormalizedMessage {
  /** Single line, control characters removed, escaped quotes undone, aggregation noise stripped. */
  text: string;
  /** `text` with ASCII letters lower-cased: same length, so an index found in one is valid in the other. */
  lower: string;
  truncated: boolean;
}

const COMBINED_PREFIX = "(combined from similar events): ";
/** `(x158 over 6m)` as `kubectl describe` prints it; every part is bounded, so matching cannot blow up. */
const REPEAT_COUNT = /\(x\d{1,9} over [0-9a-z]{1,16}\) ?/g;
const WHITESPACE_RUN = /\s+/g;

export function normalizeMessage(raw: string): NormalizedMessage {
  const truncated = raw.length > MAX_MESSAGE_CHARS;
  const bounded = truncated ? raw.slice(0, MAX_MESSAGE_CHARS) : raw;
  const text = unescapeAndClean(bounded)
    .replace(WHITESPACE_RUN, " ")
    .split(COMBINED_PREFIX)
    .join("")
    .replace(REPEAT_COUNT, "")
    .trim();
  return { text, lower: asciiLowerCase(text), truncated };
}

/**
 * One pass over the characters:
 * - a run of backslashes before a quote is dropped (`\"`, `\\\"` …): messages nested in `KillPodSandboxError: "…"`
 *   or copied from kubelet logs carry one or more levels of Go quoting;
 * - typographic quotes become ASCII quotes (issue trackers and chat tools rewrite them);
 * - control characters (C0, DEL, C1) become spaces, so nothing printed later can drive a terminal.
 * Other backslashes stay: Windows paths such as `c:\opt\cni\bin` must survive.
 */
function unescapeAndClean(input: string): string {
  const out: string[] = [];
  let i = 0;
  while (i < input.length) {
    const code = input.charCodeAt(i);
    if (code === 0x5c) {
      let end = i;
      while (end < input.length && input.charCodeAt(end) === 0x5c) end++;
      if (input.charCodeAt(end) === 0x22) {
        out.push('"');
        i = end + 1;
      } else {
        out.push(input.slice(i, end));
        i = end;
      }
      continue;
    }
    if (code === 0x201c || code === 0x201d) out.push('"');
    else if (isControlCharacter(code)) out.push(" ");
    else out.push(input[i] as string);
    i++;
  }
  return out.join("");
}

/** Lower-cases ASCII only, so `lower[i]` always corresponds to `text[i]` (full Unicode lower-casing can change lengths). */
export function asciiLowerCase(text: string): string {
  return text.replace(/[A-Z]+/g, (run) => run.toLowerCase());
}

/** Removes control characters so untrusted text is safe to print on a terminal or post to chat. */
export function stripControlCharacters(text: string): string {
  let out = "";
  for (let i = 0; i < text.length; i++) {
    const code = text.charCodeAt(i);
    out += isControlCharacter(code) ? " " : text[i];
  }
  return out;
}

/** True when the text holds any C0, DEL or C1 control character (newlines included). */
export function hasControlCharacter(text: string): boolean {
  for (let i = 0; i < text.length; i++) if (isControlCharacter(text.charCodeAt(i))) return true;
  return false;
}

function isControlCharacter(code: number): boolean {
  return code < 0x20 || (code >= 0x7f && code <= 0x9f);
}
