/**
 * `/cni …` and `@cni-doctor …` text → a request. Pure and total: any input, however malformed, yields either a
 * request or `help` with the problem in plain words; it never throws (a fast-check property pins this).
 */

export type CniRequest =
  | { kind: "diagnose"; namespace?: string; node?: string; cluster?: string }
  | { kind: "fix"; namespace?: string; node?: string; cluster?: string }
  | { kind: "status"; cluster?: string }
  | { kind: "pause"; cluster?: string }
  | { kind: "resume"; cluster?: string }
  | { kind: "check"; cluster?: string }
  | { kind: "help"; problem?: string };

const MAX_INPUT = 500;
/** RFC 1123 label: namespaces. */
const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** RFC 1123 subdomain: node names. */
const DNS_SUBDOMAIN = /^(?=.{1,253}$)[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
/** kubeconfig context names are free-form; keep to printable characters without spaces or markup. */
const CONTEXT_NAME = /^[A-Za-z0-9_.:@/+=-]{1,253}$/;

export function parseCniCommand(input: unknown): CniRequest {
  if (typeof input !== "string") return { kind: "help" };
  if (input.length > MAX_INPUT) return help(`the command is longer than ${MAX_INPUT} characters`);
  // Slack turns `--` into an en/em dash in some clients, and mentions of the bot may be left in the text.
  const words = input
    .replace(/<@[A-Z0-9]+(\|[^>]*)?>/g, " ")
    .replace(/[\u2013\u2014]/g, "--")
    .replace(/[\u00a0\u2000-\u200b]/g, " ")
    .trim()
    .split(/\s+/)
    .filter((w) => w !== "");
  const [verb, ...rest] = words;
  if (verb === undefined) return { kind: "help" };
  const command = verb.toLowerCase();
  switch (command) {
    case "help":
    case "-h":
    case "--help":
      return { kind: "help" };
    case "diagnose":
    case "fix":
      return parseTarget(command, rest);
    case "status":
    case "pause":
    case "resume":
    case "check": {
      const options = parseOptions(rest, ["cluster"]);
      if ("problem" in options) return help(`${command}: ${options.problem}`);
      if (options.positionals.length > 0) return help(`${command} takes no arguments besides --cluster`);
      return { kind: command, ...(options.values.cluster ? { cluster: options.values.cluster } : {}) };
    }
    default:
      return help(`unknown command '${verb.slice(0, 40)}'`);
  }
}

function parseTarget(kind: "diagnose" | "fix", rest: string[]): CniRequest {
  const options = parseOptions(rest, ["node", "cluster", "namespace"]);
  if ("problem" in options) return help(`${kind}: ${options.problem}`);
  if (options.positionals.length > 1) return help(`${kind} takes at most one namespace`);
  const namespace = options.values.namespace ?? options.positionals[0];
  if (options.values.namespace && options.positionals[0]) {
    return help(`${kind}: give the namespace once, either as a word or with --namespace`);
  }
  if (namespace !== undefined && !DNS_LABEL.test(namespace)) {
    return help(`'${namespace.slice(0, 63)}' is not a namespace name (lower-case letters, digits and '-')`);
  }
  const node = options.values.node;
  if (node !== undefined && !DNS_SUBDOMAIN.test(node)) {
    return help(`'${node.slice(0, 63)}' is not a node name`);
  }
  return {
    kind,
    ...(namespace ? { namespace } : {}),
    ...(node ? { node } : {}),
    ...(options.values.cluster ? { cluster: options.values.cluster } : {}),
  };
}

type Options = { values: Partial<Record<string, string>>; positionals: string[] } | { problem: string };

function parseOptions(words: string[], allowed: string[]): Options {
  const values: Partial<Record<string, string>> = {};
  const positionals: string[] = [];
  for (let i = 0; i < words.length; i++) {
    const word = words[i] as string;
    if (!word.startsWith("-")) {
      positionals.push(word);
      continue;
    }
    const [flag, inline] = splitOnce(word.replace(/^--?/, ""), "=");
    const name = flag === "n" ? "namespace" : flag;
    if (!allowed.includes(name)) return { problem: `unknown option '${word.slice(0, 40)}'` };
    const value = inline ?? words[++i];
    if (value === undefined || value === "" || value.startsWith("--")) {
      return { problem: `--${name} needs a value` };
    }
    if (values[name] !== undefined) return { problem: `--${name} is given twice` };
    if (name === "cluster" && !CONTEXT_NAME.test(value)) {
      return { problem: `'${value.slice(0, 40)}' is not a cluster (kubeconfig context) name` };
    }
    values[name] = value;
  }
  return { values, positionals };
}

function splitOnce(text: string, separator: string): [string, string | undefined] {
  const at = text.indexOf(separator);
  return at < 0 ? [text, undefined] : [text.slice(0, at), text.slice(at + 1)];
}

function help(problem: string): CniRequest {
  return { kind: "help", problem };
}
