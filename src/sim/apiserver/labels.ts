/**
 * Label selectors as k8s.io/apimachinery/pkg/labels parses them: the same lexer tokens, operators, validation and
 * error texts, so a bad selector is refused with the message the real server sends.
 */
export type LabelOperator = "=" | "==" | "!=" | "in" | "notin" | "exists" | "!" | "gt" | "lt";

export interface LabelRequirement {
  key: string;
  operator: LabelOperator;
  values: string[];
}

export type LabelSelector = LabelRequirement[];

export class SelectorParseError extends Error {
  override name = "SelectorParseError";
}

type TokenKind =
  | "identifier"
  | "end"
  | "("
  | ")"
  | ","
  | "="
  | "=="
  | "!="
  | "!"
  | ">"
  | "<"
  | "in"
  | "notin"
  | "error";

interface Token {
  kind: TokenKind;
  literal: string;
}

const SYMBOLS = new Set(["!", "!=", "(", ")", ",", "=", "==", ">", "<"]);
const SPECIAL_CHARS = new Set(["!", "(", ")", ",", "=", ">", "<"]);

function isWhitespace(ch: string): boolean {
  return ch === " " || ch === "\t" || ch === "\r" || ch === "\n";
}

function lex(input: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < input.length) {
    const ch = input[i] as string;
    if (isWhitespace(ch)) {
      i++;
      continue;
    }
    if (SPECIAL_CHARS.has(ch)) {
      // Longest run of special characters that is still a known symbol, as the real lexer scans.
      let symbol = "";
      while (i < input.length && SYMBOLS.has(symbol + (input[i] as string))) symbol += input[i++] as string;
      if (symbol === "") {
        tokens.push({ kind: "error", literal: ch });
        i++;
        continue;
      }
      tokens.push({ kind: symbol as TokenKind, literal: symbol });
      continue;
    }
    let word = "";
    while (i < input.length && !isWhitespace(input[i] as string) && !SPECIAL_CHARS.has(input[i] as string))
      word += input[i++] as string;
    tokens.push({ kind: word === "in" || word === "notin" ? word : "identifier", literal: word });
  }
  tokens.push({ kind: "end", literal: "" });
  return tokens;
}

const BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

class Parser {
  private pos = 0;
  private readonly tokens: Token[];
  constructor(tokens: Token[]) {
    this.tokens = tokens;
  }
  private lookahead(): Token {
    return this.tokens[this.pos] as Token;
  }
  private consume(): Token {
    const t = this.tokens[this.pos] as Token;
    if (this.pos < this.tokens.length - 1) this.pos++;
    return t;
  }

  parse(): LabelSelector {
    const out: LabelSelector = [];
    for (;;) {
      const t = this.lookahead();
      if (t.kind === "end") return out;
      if (t.kind !== "identifier" && t.kind !== "!") {
        throw new SelectorParseError(`found '${t.literal}', expected: !, identifier, or 'end of string'`);
      }
      try {
        out.push(this.parseRequirement());
      } catch (e) {
        throw new SelectorParseError(`unable to parse requirement: ${(e as Error).message}`);
      }
      const next = this.consume();
      if (next.kind === "end") return out;
      if (next.kind !== ",")
        throw new SelectorParseError(`found '${next.literal}', expected: ',' or 'end of string'`);
      const after = this.lookahead();
      if (after.kind !== "identifier" && after.kind !== "!") {
        throw new SelectorParseError(`found '${after.literal}', expected: identifier after ','`);
      }
    }
  }

  private parseRequirement(): LabelRequirement {
    let t = this.consume();
    let negated = false;
    if (t.kind === "!") {
      negated = true;
      t = this.consume();
    }
    if (t.kind !== "identifier") throw new Error(`found '${t.literal}', expected: identifier`);
    const key = t.literal;
    validateLabelKey(key);
    const next = this.lookahead();
    if (next.kind === "end" || next.kind === ",") {
      return { key, operator: negated ? "!" : "exists", values: [] };
    }
    if (negated) throw new Error(`found '${next.literal}', expected: ',' or 'end of string'`);
    const op = this.consume();
    let operator: LabelOperator;
    switch (op.kind) {
      case "=":
      case "==":
      case "!=":
      case "in":
      case "notin":
        operator = op.kind;
        break;
      case ">":
        operator = "gt";
        break;
      case "<":
        operator = "lt";
        break;
      default:
        throw new Error(`found '${op.literal}', expected: ${BINARY_OPERATORS}`);
    }
    const values =
      operator === "in" || operator === "notin" ? this.parseValueSet() : [this.parseExactValue()];
    if ((operator === "in" || operator === "notin") && values.length === 0) {
      throw new Error("for 'in', 'notin' operators, values set can't be empty");
    }
    if (operator === "gt" || operator === "lt") {
      if (!/^-?\d+$/.test(values[0] ?? "")) {
        throw new Error(`for 'Gt', 'Lt' operators, the value must be an integer`);
      }
    } else {
      values.forEach((v, i) => {
        validateLabelValue(key, v, i);
      });
    }
    return { key, operator, values };
  }

  private parseExactValue(): string {
    const t = this.lookahead();
    if (t.kind === "end" || t.kind === ",") return "";
    const v = this.consume();
    if (v.kind === "identifier" || v.kind === "in" || v.kind === "notin") return v.literal;
    throw new Error(`found '${v.literal}', expected: identifier`);
  }

  private parseValueSet(): string[] {
    const open = this.consume();
    if (open.kind !== "(") throw new Error(`found '${open.literal}' expected: '('`);
    const first = this.lookahead();
    if (first.kind === ")") {
      this.consume();
      return [""];
    }
    if (first.kind !== "identifier" && first.kind !== ",") {
      throw new Error(`found '${first.literal}', expected: ',', ')' or identifier`);
    }
    const values = new Set<string>();
    let expectValue = true;
    for (;;) {
      const t = this.consume();
      if (t.kind === "identifier" || t.kind === "in" || t.kind === "notin") {
        if (!expectValue) throw new Error(`found '${t.literal}', expected: ',' or ')'`);
        values.add(t.literal);
        expectValue = false;
      } else if (t.kind === ",") {
        if (expectValue) values.add("");
        expectValue = true;
      } else if (t.kind === ")") {
        if (expectValue) values.add("");
        return [...values];
      } else {
        throw new Error(`found '${t.literal}', expected: ',', or identifier`);
      }
    }
  }
}

const NAME_PART = /^([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]$/;
const DNS_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const NAME_PART_MESSAGE =
  "name part must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyName',  or 'my.name',  or '123-abc', regex used for validation is '([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]')";

function validateLabelKey(key: string): void {
  const slash = key.indexOf("/");
  const name = slash >= 0 ? key.slice(slash + 1) : key;
  const prefix = slash >= 0 ? key.slice(0, slash) : undefined;
  const problems: string[] = [];
  if (prefix !== undefined && (prefix.length === 0 || prefix.length > 253 || !DNS_SUBDOMAIN.test(prefix))) {
    problems.push(
      "prefix part a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or '.', and must start and end with an alphanumeric character (e.g. 'example.com', regex used for validation is '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*')",
    );
  }
  if (name.length === 0) problems.push("name part must be non-empty");
  else if (name.length > 63) problems.push("name part must be no more than 63 characters");
  else if (!NAME_PART.test(name)) problems.push(NAME_PART_MESSAGE);
  if (problems.length > 0) throw new Error(`key: Invalid value: "${key}": ${problems.join("; ")}`);
}

function validateLabelValue(key: string, value: string, index: number): void {
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw new Error(
      `values[${index}][${key}]: Invalid value: "${value}": ${
        value.length > 63
          ? "must be no more than 63 characters"
          : "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or '.', and must start and end with an alphanumeric character (e.g. 'MyValue',  or 'my_value',  or '12345', regex used for validation is '(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?')"
      }`,
    );
  }
}

export function parseLabelSelector(text: string): LabelSelector {
  const tokens = lex(text);
  const bad = tokens.find((t) => t.kind === "error");
  if (bad)
    throw new SelectorParseError(`unable to parse requirement: found '${bad.literal}', expected: identifier`);
  return new Parser(tokens).parse();
}

export function matchesLabels(selector: LabelSelector, labels: Record<string, string> | undefined): boolean {
  for (const r of selector) {
    const has = labels !== undefined && Object.hasOwn(labels, r.key);
    const value = has ? (labels as Record<string, string>)[r.key] : undefined;
    switch (r.operator) {
      case "exists":
        if (!has) return false;
        break;
      case "!":
        if (has) return false;
        break;
      case "=":
      case "==":
      case "in":
        if (!has || !r.values.includes(value as string)) return false;
        break;
      case "!=":
      case "notin":
        if (has && r.values.includes(value as string)) return false;
        break;
      case "gt":
      case "lt": {
        if (!has || !/^-?\d+$/.test(value as string)) return false;
        const n = Number(value);
        const bound = Number(r.values[0]);
        if (r.operator === "gt" ? !(n > bound) : !(n < bound)) return false;
        break;
      }
    }
  }
  return true;
}

/** metav1.LabelSelector (matchLabels/matchExpressions) printed as labels.Selector.String() prints it. */
export function formatLabelSelector(
  selector:
    | {
        matchLabels?: Record<string, string>;
        matchExpressions?: { key: string; operator: string; values?: string[] }[];
      }
    | undefined,
): string {
  if (!selector) return "<none>";
  const parts: { key: string; text: string }[] = [];
  for (const [k, v] of Object.entries(selector.matchLabels ?? {})) parts.push({ key: k, text: `${k}=${v}` });
  for (const e of selector.matchExpressions ?? []) {
    const values = [...(e.values ?? [])].sort().join(",");
    switch (e.operator) {
      case "In":
        parts.push({ key: e.key, text: `${e.key} in (${values})` });
        break;
      case "NotIn":
        parts.push({ key: e.key, text: `${e.key} notin (${values})` });
        break;
      case "Exists":
        parts.push({ key: e.key, text: e.key });
        break;
      case "DoesNotExist":
        parts.push({ key: e.key, text: `!${e.key}` });
        break;
    }
  }
  if (parts.length === 0) return "<none>";
  parts.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  return parts.map((p) => p.text).join(",");
}

/** labels.FormatLabels: sorted k=v pairs, "<none>" when empty. */
export function formatLabels(labels: Record<string, string> | undefined): string {
  const keys = Object.keys(labels ?? {}).sort();
  if (keys.length === 0) return "<none>";
  return keys.map((k) => `${k}=${(labels as Record<string, string>)[k]}`).join(",");
}
