/**
 * GNU getopt_long-style option parsing, as coreutils programs do it: short options may be bundled (`-pm0700`), a
 * short option's argument may be attached or the next word, long options take `--name=value` or the next word,
 * options and operands may be interleaved (GNU permutes), and `--` ends the options.
 */

export interface OptionSpec {
  /** Short option letters; a letter followed by ":" takes an argument (getopt's syntax), e.g. "pm:v". */
  short: string;
  /** Long option name → the key it sets (usually the equivalent short letter) and whether it takes an argument. */
  long: Readonly<Record<string, { key: string; argument: boolean }>>;
}

export type ParsedOptions =
  | { ok: true; options: Array<{ key: string; value: string | undefined }>; operands: string[] }
  | { ok: false; message: string };

export function parseOptions(args: readonly string[], spec: OptionSpec): ParsedOptions {
  const options: Array<{ key: string; value: string | undefined }> = [];
  const operands: string[] = [];
  const takesArgument = (letter: string): boolean | undefined => {
    const at = spec.short.indexOf(letter);
    if (at === -1 || letter === ":") return undefined;
    return spec.short[at + 1] === ":";
  };
  for (let i = 0; i < args.length; i++) {
    const arg = args[i] as string;
    if (arg === "--") {
      operands.push(...args.slice(i + 1));
      break;
    }
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      const name = arg.slice(2, eq === -1 ? undefined : eq);
      const long = spec.long[name];
      if (long === undefined) return { ok: false, message: `unrecognized option '${arg}'` };
      if (!long.argument) {
        if (eq !== -1) return { ok: false, message: `option '--${name}' doesn't allow an argument` };
        options.push({ key: long.key, value: undefined });
        continue;
      }
      if (eq !== -1) {
        options.push({ key: long.key, value: arg.slice(eq + 1) });
        continue;
      }
      const value = args[i + 1];
      if (value === undefined) return { ok: false, message: `option '--${name}' requires an argument` };
      options.push({ key: long.key, value });
      i++;
      continue;
    }
    if (arg.startsWith("-") && arg !== "-") {
      for (let j = 1; j < arg.length; j++) {
        const letter = arg[j] as string;
        const needs = takesArgument(letter);
        if (needs === undefined) return { ok: false, message: `invalid option -- '${letter}'` };
        if (!needs) {
          options.push({ key: letter, value: undefined });
          continue;
        }
        const attached = arg.slice(j + 1);
        if (attached !== "") {
          options.push({ key: letter, value: attached });
        } else {
          const value = args[i + 1];
          if (value === undefined)
            return { ok: false, message: `option requires an argument -- '${letter}'` };
          options.push({ key: letter, value });
          i++;
        }
        break;
      }
      continue;
    }
    operands.push(arg);
  }
  return { ok: true, options, operands };
}

/** The last value given for an option (later options override earlier ones, as in coreutils). */
export function lastValue(
  parsed: { options: Array<{ key: string; value: string | undefined }> },
  key: string,
) {
  let found: { value: string | undefined } | undefined;
  for (const option of parsed.options) if (option.key === key) found = option;
  return found;
}
