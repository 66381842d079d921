/**
 * The one way cni-doctor makes a logger: pino JSON lines with secrets removed twice over.
 * - By path (pino `redact`): fields named like a secret are blanked wherever they appear.
 * - By value (a scrubber on every serialised line, pino's `hooks.streamWrite`): free text is not safe by field name
 *   alone — an error message can quote a header, Bolt's debug lines print whole payloads, a command line can carry a
 *   token. The scrubber removes the bot's own known secrets by exact value and anything shaped like a Slack token, a
 *   bearer token, a JWT (service-account and Calico CNI tokens are JWTs) or a PEM private key.
 * It works on the serialised line, so it sees message, fields, error stacks and child bindings alike; every
 * replacement is plain text without quotes or backslashes, so the line stays valid JSON.
 */
import { type DestinationStream, type Logger, pino } from "pino";
import { REDACTED_FIELDS } from "./audit.ts";

export const REDACTED = "[redacted]";

/** Field names that carry secrets in the Slack front end, on top of the audit's. */
const SECRET_PATHS = [
  ...REDACTED_FIELDS,
  "botToken",
  "appToken",
  "signingSecret",
  "headers.authorization",
  "*.headers.authorization",
  "headers.Authorization",
  "*.headers.Authorization",
];

/** Shapes of secrets; character classes exclude `"` and `\` so a match never eats JSON syntax. */
const SECRET_SHAPES: RegExp[] = [
  // Slack tokens: bot, user, app-level, configuration, refresh.
  /\bxox[abeoprs]-[A-Za-z0-9-]{6,}/g,
  /\bxapp-[A-Za-z0-9-]{6,}/g,
  // JWTs: Kubernetes service-account tokens, a node's Calico CNI token.
  /\beyJ[A-Za-z0-9_-]{4,}\.eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*/g,
  // Bearer credentials in a header or text, whatever the token looks like.
  /\b([Bb]earer)(\s|%20)+[A-Za-z0-9._~+/=-]{8,}/g,
  // PEM private keys (RSA, EC, OpenSSH, PKCS#8); in a JSON line their newlines are the two characters \n.
  /-----BEGIN [A-Z0-9 ]*PRIVATE KEY-----[\s\S]*?-----END [A-Z0-9 ]*PRIVATE KEY-----/g,
];

/**
 * Removes secrets from text: the known values given (and later added, e.g. a kubeconfig's token once loaded) and
 * anything shaped like one. Exposed for the log line hook and for tests.
 */
export class SecretScrubber {
  readonly #known = new Set<string>();

  constructor(known: Iterable<string | undefined> = []) {
    for (const value of known) this.add(value);
  }

  /** Values shorter than 8 characters are ignored: redacting them would blank ordinary words. */
  add(secret: string | undefined): void {
    if (!secret || secret.length < 8) return;
    this.#known.add(secret);
    // The same value as it appears inside a JSON string (a secret with quotes or backslashes is escaped there).
    const escaped = JSON.stringify(secret).slice(1, -1);
    if (escaped !== secret) this.#known.add(escaped);
  }

  scrub(text: string): string {
    let out = text;
    for (const secret of this.#known) if (out.includes(secret)) out = out.split(secret).join(REDACTED);
    for (const shape of SECRET_SHAPES) {
      out = out.replace(shape, (_match, bearer?: string) =>
        typeof bearer === "string" && /^bearer$/i.test(bearer) ? `${bearer} ${REDACTED}` : REDACTED,
      );
    }
    return out;
  }
}

export interface LoggerOptions {
  destination: DestinationStream;
  level?: string;
  /** Bound into every line, e.g. "slack" or "remediation". */
  component: string;
  /** Known secret values to remove from every line; more can be added later through the returned scrubber. */
  scrubber?: SecretScrubber;
}

export function createLogger(options: LoggerOptions): Logger {
  const scrubber = options.scrubber ?? new SecretScrubber();
  return pino(
    {
      name: "cni-doctor",
      level: options.level ?? "info",
      base: { component: options.component },
      redact: { paths: SECRET_PATHS, censor: REDACTED },
      hooks: { streamWrite: (line) => scrubber.scrub(line) },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    options.destination,
  );
}

/** The terminal's audit log (`cni-doctor fix`): the same logger, for the remediation component. */
export function createAuditLogger(destination: DestinationStream, level = "info"): Logger {
  return createLogger({ destination, level, component: "remediation" });
}
