/** The structured audit log: pino JSON lines, with secret-looking fields blanked wherever they appear. */
import { type DestinationStream, type Logger, pino } from "pino";
import { REDACTED_FIELDS } from "./audit.ts";

export function createAuditLogger(destination: DestinationStream, level = "info"): Logger {
  return pino(
    {
      name: "cni-doctor",
      level,
      base: { component: "remediation" },
      redact: { paths: REDACTED_FIELDS, censor: "[redacted]" },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}
