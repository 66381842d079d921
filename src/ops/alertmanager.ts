/**
 * POST /alertmanager: Alertmanager's webhook receiver (payload version 4, prometheus/alertmanager
 * notify/webhook/webhook.go `Message`, template/template.go `Data`). Only with CNI_DOCTOR_ALERTMANAGER_TOKEN set;
 * every request must carry it as `Authorization: Bearer …` (Alertmanager's `http_config.authorization`), compared in
 * constant time. The body is read up to a limit (413 beyond), parsed and validated (400 with the reason); a valid
 * notification is handed on and answered 202 at once, so Alertmanager never waits for a diagnosis. Nothing about the
 * token is ever written back or logged.
 */
import { createHash, timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { z } from "zod";

export const ALERTMANAGER_PATH = "/alertmanager";
/** Alertmanager sends every alert of a group in one body (max_alerts 0: all); a megabyte is thousands of alerts. */
export const MAX_ALERTMANAGER_BODY_BYTES = 1024 * 1024;

const labelSet = z.record(z.string(), z.string());

const AlertSchema = z.object({
  status: z.enum(["firing", "resolved"]),
  labels: labelSet,
  annotations: labelSet.default({}),
  startsAt: z.string(),
  endsAt: z.string().default(""),
  generatorURL: z.string().default(""),
  fingerprint: z.string().default(""),
});

export const AlertmanagerPayloadSchema = z.object({
  version: z.literal("4", { error: 'version must be "4" (Alertmanager\'s webhook payload version)' }),
  groupKey: z.string().min(1, "groupKey is empty"),
  truncatedAlerts: z.number().int().min(0).default(0),
  status: z.enum(["firing", "resolved"]),
  receiver: z.string(),
  groupLabels: labelSet,
  commonLabels: labelSet,
  commonAnnotations: labelSet.default({}),
  externalURL: z.string().default(""),
  alerts: z.array(AlertSchema).min(1, "alerts is empty"),
});

export type AlertmanagerPayload = z.infer<typeof AlertmanagerPayloadSchema>;
export type AlertmanagerAlert = AlertmanagerPayload["alerts"][number];

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { "content-type": "application/json", "cache-control": "no-store" });
  res.end(JSON.stringify(body));
}

/** Constant time whatever the lengths: both sides are hashed first. */
export function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

function bearerOf(req: IncomingMessage): string | null {
  const header = req.headers.authorization;
  if (typeof header !== "string") return null;
  const match = /^Bearer[ \t]+(\S+)\s*$/i.exec(header);
  return match ? (match[1] as string) : null;
}

/** The body, or null after answering 413 once it grows past the limit. */
function readBody(req: IncomingMessage, res: ServerResponse, limit: number): Promise<string | null> {
  return new Promise((resolve) => {
    const declared = Number(req.headers["content-length"] ?? "0");
    if (declared > limit) {
      json(res, 413, { status: "error", reason: `the body is larger than ${limit} bytes` });
      req.resume();
      return resolve(null);
    }
    const chunks: Buffer[] = [];
    let size = 0;
    let done = false;
    req.on("data", (chunk: Buffer) => {
      if (done) return;
      size += chunk.length;
      if (size > limit) {
        done = true;
        json(res, 413, { status: "error", reason: `the body is larger than ${limit} bytes` });
        resolve(null);
        return;
      }
      chunks.push(chunk);
    });
    req.on("end", () => {
      if (!done) resolve(Buffer.concat(chunks).toString("utf8"));
      done = true;
    });
    req.on("error", () => {
      if (!done) resolve(null);
      done = true;
    });
  });
}

/** What was wrong with a body, in a line: the first few zod issues with their paths. */
function reasonOf(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.length > 0 ? i.path.join(".") : "body"}: ${i.message}`)
    .join("; ");
}

export interface AlertmanagerReceiverOptions {
  token: string;
  /** A valid notification; returns false when it could not be taken (shutting down), answered 503. */
  onNotification: (payload: AlertmanagerPayload) => boolean;
  maxBodyBytes?: number;
}

export function alertmanagerHandler(options: AlertmanagerReceiverOptions) {
  const limit = options.maxBodyBytes ?? MAX_ALERTMANAGER_BODY_BYTES;
  return (req: IncomingMessage, res: ServerResponse): void => {
    if (req.method !== "POST") {
      res.setHeader("allow", "POST");
      json(res, 405, { status: "error", reason: "use POST" });
      return;
    }
    const given = bearerOf(req);
    if (given === null || !sameSecret(given, options.token)) {
      req.resume();
      res.setHeader("www-authenticate", 'Bearer realm="cni-doctor"');
      json(res, 401, { status: "error", reason: "a valid bearer token is required" });
      return;
    }
    void readBody(req, res, limit).then((body) => {
      if (body === null) return;
      let parsed: unknown;
      try {
        parsed = JSON.parse(body);
      } catch (err) {
        json(res, 400, { status: "error", reason: `the body is not JSON: ${(err as Error).message}` });
        return;
      }
      const result = AlertmanagerPayloadSchema.safeParse(parsed);
      if (!result.success) {
        json(res, 400, { status: "error", reason: reasonOf(result.error) });
        return;
      }
      const taken = options.onNotification(result.data);
      json(
        res,
        taken ? 202 : 503,
        taken ? { status: "accepted" } : { status: "error", reason: "shutting down" },
      );
    });
  };
}
