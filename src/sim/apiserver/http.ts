import type { IncomingMessage, ServerResponse } from "node:http";
import { parse as parseYaml } from "yaml";
import { decodeProtobufPod } from "./protobuf.ts";
import { ApiError, errors } from "./status.ts";

/** Request bodies above this are refused, as kube-apiserver refuses bodies over 3 MiB. */
const MAX_BODY_BYTES = 3 * 1024 * 1024;

export async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES)
      throw new ApiError(413, "RequestEntityTooLarge", "Request entity too large: limit is 3145728");
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/** Decodes a JSON or YAML request body; protobuf is refused since the simulator speaks JSON only. */
export function decodeBody(raw: Buffer, contentType: string | undefined): unknown {
  const type = (contentType ?? "application/json").split(";")[0]?.trim().toLowerCase() ?? "";
  const text = raw.toString("utf8");
  if (type === "application/yaml") {
    try {
      return parseYaml(text);
    } catch (e) {
      throw errors.badRequest(`error converting YAML to JSON: ${(e as Error).message}`);
    }
  }
  if (type === "application/vnd.kubernetes.protobuf") return decodeProtobufPod(raw);
  if (type.includes("protobuf")) {
    throw errors.unsupportedMediaType(
      `the body of the request was in an unknown format - accepted media types include: application/json, application/yaml, application/vnd.kubernetes.protobuf`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw errors.badRequest(
      `the object provided is unrecognized (must be of type JSON): ${(e as Error).message}`,
    );
  }
}

export interface TableRequest {
  /** meta.k8s.io version the client asked for: v1, or v1beta1 from old clients. */
  version: "v1" | "v1beta1";
}

/** Does the Accept header ask for server-side printing (kubectl get's human output)? */
export function tableRequested(accept: string | undefined): TableRequest | undefined {
  if (!accept) return undefined;
  for (const clause of accept.split(",")) {
    const params = new Map<string, string>();
    const [mediaType, ...rest] = clause.split(";").map((s) => s.trim());
    if (mediaType !== "application/json") continue;
    for (const p of rest) {
      const eq = p.indexOf("=");
      if (eq > 0) params.set(p.slice(0, eq).trim(), p.slice(eq + 1).trim());
    }
    if (params.get("as") === "Table" && params.get("g") === "meta.k8s.io") {
      const v = params.get("v");
      if (v === "v1" || v === "v1beta1") return { version: v };
    }
  }
  return undefined;
}

export interface ResponseMeter {
  addBytes(n: number): void;
}

export function sendJsonText(
  res: ServerResponse,
  meter: ResponseMeter,
  code: number,
  body: string,
  headers: Record<string, string | string[]> = {},
): void {
  const bytes = Buffer.byteLength(body);
  meter.addBytes(bytes);
  res.writeHead(code, {
    "Content-Type": "application/json",
    "Cache-Control": "no-cache, private",
    "Content-Length": String(bytes),
    ...headers,
  });
  res.end(body);
}

export function sendJson(res: ServerResponse, meter: ResponseMeter, code: number, body: unknown): void {
  sendJsonText(res, meter, code, JSON.stringify(body));
}

export function sendError(res: ServerResponse, meter: ResponseMeter, err: ApiError): void {
  const headers: Record<string, string> = {};
  if (err.details?.retryAfterSeconds !== undefined)
    headers["Retry-After"] = String(err.details.retryAfterSeconds);
  sendJsonText(res, meter, err.code, JSON.stringify(err.toStatus()), headers);
}

export function sendText(res: ServerResponse, meter: ResponseMeter, code: number, text: string): void {
  const bytes = Buffer.byteLength(text);
  meter.addBytes(bytes);
  res.writeHead(code, {
    "Content-Type": "text/plain; charset=utf-8",
    "X-Content-Type-Options": "nosniff",
    "Content-Length": String(bytes),
  });
  res.end(text);
}
