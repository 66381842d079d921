import type { KubeObject } from "../objects.ts";
import type { ResourceDef } from "../resources.ts";
import { SelectorParseError } from "./labels.ts";

/**
 * Field selectors as k8s.io/apimachinery/pkg/fields parses them (`=`, `==`, `!=`, comma-AND, backslash escapes),
 * restricted to the fields the real server indexes for each type: anything else is refused with
 * "field label not supported", the error the type's field label conversion returns.
 */
export interface FieldRequirement {
  field: string;
  negated: boolean;
  value: string;
  read: (obj: KubeObject) => string;
}

export type FieldSelector = FieldRequirement[];

function splitTerms(selector: string): string[] {
  const terms: string[] = [];
  let current = "";
  for (let i = 0; i < selector.length; i++) {
    const ch = selector[i] as string;
    if (ch === "\\" && i + 1 < selector.length) {
      current += ch + (selector[i + 1] as string);
      i++;
    } else if (ch === ",") {
      terms.push(current);
      current = "";
    } else {
      current += ch;
    }
  }
  terms.push(current);
  return terms;
}

function splitTerm(term: string): { lhs: string; op: string; rhs: string } | undefined {
  for (let i = 0; i < term.length; i++) {
    for (const op of ["!=", "==", "="]) {
      if (term.startsWith(op, i)) return { lhs: term.slice(0, i), op, rhs: term.slice(i + op.length) };
    }
    if (term[i] === "\\") i++;
  }
  return undefined;
}

function unescapeValue(value: string): string {
  let out = "";
  for (let i = 0; i < value.length; i++) {
    const ch = value[i] as string;
    if (ch === "\\") {
      const next = value[i + 1];
      if (next === "\\" || next === "," || next === "=") {
        out += next;
        i++;
        continue;
      }
      throw new SelectorParseError(`invalid field selector: invalid escape sequence: ${value}`);
    }
    if (ch === "," || ch === "=")
      throw new SelectorParseError(`invalid field selector: unescaped character: ${value}`);
    out += ch;
  }
  return out;
}

const metadataName = (o: KubeObject): string => o.metadata.name;
const metadataNamespace = (o: KubeObject): string => o.metadata.namespace ?? "";

export function parseFieldSelector(text: string, def: ResourceDef): FieldSelector {
  const terms = splitTerms(text).sort();
  const out: FieldSelector = [];
  for (const term of terms) {
    if (term === "") continue;
    const parts = splitTerm(term);
    if (!parts) throw new SelectorParseError(`invalid selector: '${text}'; can't understand '${term}'`);
    const field = parts.lhs.trim();
    const value = unescapeValue(parts.rhs);
    let read: ((obj: KubeObject) => string) | undefined;
    if (field === "metadata.name") read = metadataName;
    else if (field === "metadata.namespace") read = metadataNamespace;
    else read = def.fields[field];
    if (!read) throw new SelectorParseError(`field label not supported: ${field}`);
    out.push({ field, negated: parts.op === "!=", value, read });
  }
  return out;
}

export function matchesFields(selector: FieldSelector, obj: KubeObject): boolean {
  for (const r of selector) {
    if ((r.read(obj) === r.value) === r.negated) return false;
  }
  return true;
}

/** The single metadata.name the selector pins, if any: lets a list by name skip the scan. */
export function exactName(selector: FieldSelector): string | undefined {
  return selector.find((r) => r.field === "metadata.name" && !r.negated)?.value;
}
