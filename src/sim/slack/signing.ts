/**
 * Requests as Slack sends them to an app's HTTP endpoint: the body signed with the app's signing secret
 * (`v0=` HMAC-SHA256 over `v0:<timestamp>:<raw body>`, docs.slack.dev authentication/verifying-requests-from-slack).
 */
import { createHmac } from "node:crypto";

export interface SignedRequestOptions {
  /** Unix seconds to sign with; defaults to now. An old one tests the replay window. */
  timestamp?: number;
  /** Replace the computed signature (a forged request). */
  signature?: string;
  /** Slack's retry headers, sent when Slack re-delivers an event it thinks was not acknowledged. */
  retryNum?: number;
  retryReason?: string;
}

export interface SlackHttpResponse {
  status: number;
  body: string;
  contentType: string | null;
}

export function signBody(signingSecret: string, timestamp: number, body: string): string {
  return `v0=${createHmac("sha256", signingSecret).update(`v0:${timestamp}:${body}`).digest("hex")}`;
}

/** POSTs a body to the app the way Slack does, signed, and returns the app's answer. */
export async function sendSignedRequest(
  url: string,
  signingSecret: string,
  body: { form: Record<string, string> } | { json: unknown },
  options: SignedRequestOptions = {},
): Promise<SlackHttpResponse> {
  const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
  const [raw, contentType] =
    "form" in body
      ? [new URLSearchParams(body.form).toString(), "application/x-www-form-urlencoded"]
      : [JSON.stringify(body.json), "application/json"];
  const headers: Record<string, string> = {
    "content-type": contentType,
    "x-slack-request-timestamp": String(timestamp),
    "x-slack-signature": options.signature ?? signBody(signingSecret, timestamp, raw),
    "user-agent": "Slackbot 1.0 (+https://api.slack.com/robots)",
  };
  if (options.retryNum !== undefined) {
    headers["x-slack-retry-num"] = String(options.retryNum);
    headers["x-slack-retry-reason"] = options.retryReason ?? "http_timeout";
  }
  const response = await fetch(url, {
    method: "POST",
    headers,
    body: raw,
    signal: AbortSignal.timeout(10_000),
  });
  return {
    status: response.status,
    body: await response.text(),
    contentType: response.headers.get("content-type"),
  };
}

/** Interactivity (buttons, shortcuts) arrives as a form with one field, `payload`, holding the JSON. */
export const interactivityBody = (payload: unknown) => ({ form: { payload: JSON.stringify(payload) } });
