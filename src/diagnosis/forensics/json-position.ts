/**
 * Where a JSON text stops being JSON, without quoting any of it. V8's JSON.parse errors quote up to ~10 characters of
 * the source around the fault (`Unexpected token 'x', ..."k8s_auth_t"... is not valid JSON`; v8 src/common/
 * message-template.h, kJsonParseUnexpectedTokenSurroundStringWithContext), and a CNI config on a node may hold a
 * token: so the product reports only a position, found by this scanner of the JSON grammar (RFC 8259 / ECMA-404, the
 * grammar JSON.parse accepts). Pure.
 */

class JsonFault {
  readonly offset: number;
  constructor(offset: number) {
    this.offset = offset;
  }
}

const WHITESPACE = new Set([" ", "\t", "\n", "\r"]);
const SIMPLE_ESCAPES = new Set(['"', "\\", "/", "b", "f", "n", "r", "t"]);

function isDigit(c: string | undefined): boolean {
  return c !== undefined && c >= "0" && c <= "9";
}

/** A recursive-descent walk of the JSON grammar that only tracks where it is; it builds no values. */
class JsonScanner {
  #i = 0;
  readonly #text: string;

  constructor(text: string) {
    this.#text = text;
  }

  /** Scans the whole text; throws a JsonFault at the first character that does not fit. */
  document(): void {
    this.value();
    this.skipWhitespace();
    if (this.#i < this.#text.length) this.fail(this.#i);
  }

  private get current(): string | undefined {
    return this.#text[this.#i];
  }

  private fail(at: number): never {
    throw new JsonFault(Math.min(at, this.#text.length));
  }

  private skipWhitespace(): void {
    while (this.#i < this.#text.length && WHITESPACE.has(this.current as string)) this.#i++;
  }

  private expect(c: string): void {
    if (this.current !== c) this.fail(this.#i);
    this.#i++;
  }

  private digits(): void {
    const start = this.#i;
    while (isDigit(this.current)) this.#i++;
    if (this.#i === start) this.fail(this.#i);
  }

  private value(): void {
    this.skipWhitespace();
    const c = this.current;
    if (c === "{") this.members("}", () => this.member());
    else if (c === "[") this.members("]", () => this.value());
    else if (c === '"') this.string();
    else if (c === "t" || c === "f" || c === "n") {
      for (const letter of c === "t" ? "true" : c === "f" ? "false" : "null") this.expect(letter);
    } else if (c === "-" || isDigit(c)) this.number();
    else this.fail(this.#i);
  }

  private member(): void {
    this.string();
    this.skipWhitespace();
    this.expect(":");
    this.value();
  }

  private members(close: string, item: () => void): void {
    this.#i++;
    this.skipWhitespace();
    if (this.current === close) {
      this.#i++;
      return;
    }
    for (;;) {
      item();
      this.skipWhitespace();
      if (this.current !== ",") break;
      this.#i++;
      this.skipWhitespace();
    }
    this.expect(close);
  }

  private string(): void {
    this.expect('"');
    for (;;) {
      const c = this.current;
      if (c === undefined) this.fail(this.#i);
      if (c === '"') {
        this.#i++;
        return;
      }
      if (c.charCodeAt(0) < 0x20) this.fail(this.#i);
      if (c === "\\") this.escapeSequence();
      else this.#i++;
    }
  }

  private escapeSequence(): void {
    const after = this.#text[this.#i + 1];
    if (after !== undefined && SIMPLE_ESCAPES.has(after)) {
      this.#i += 2;
      return;
    }
    if (after !== "u") this.fail(this.#i + 1);
    this.#i += 2;
    for (let k = 0; k < 4; k++) {
      if (!/^[0-9a-fA-F]$/.test(this.current ?? "")) this.fail(this.#i);
      this.#i++;
    }
  }

  private number(): void {
    if (this.current === "-") this.#i++;
    if (this.current === "0") this.#i++;
    else this.digits();
    if (this.current === ".") {
      this.#i++;
      this.digits();
    }
    if (this.current === "e" || this.current === "E") {
      this.#i++;
      const sign = this.#text[this.#i];
      if (sign === "+" || sign === "-") this.#i++;
      this.digits();
    }
  }
}

/** The UTF-16 offset of the first character that is not valid JSON (the length for a truncated text), or null. */
export function jsonSyntaxErrorOffset(text: string): number | null {
  try {
    new JsonScanner(text).document();
    return null;
  } catch (err) {
    if (err instanceof JsonFault) return err.offset;
    throw err;
  }
}

/** "line 3, column 7" (both from 1) for a UTF-16 offset into `text`. */
export function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf("\n");
  return { line: before.split("\n").length, column: offset - lastNewline };
}

/** Why a text is not JSON, by position only: never a character of the text itself. */
export function describeJsonSyntaxError(text: string): string {
  const offset = jsonSyntaxErrorOffset(text);
  if (offset === null) return "not valid JSON";
  if (offset >= text.length)
    return `not valid JSON (it ends early, at line ${lineAndColumn(text, offset).line})`;
  const { line, column } = lineAndColumn(text, offset);
  return `not valid JSON (syntax error at line ${line}, column ${column})`;
}
