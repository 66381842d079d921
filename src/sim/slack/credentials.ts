/**
 * Slack credentials in the shapes Slack issues them (a bot token `xoxb-…`, an app-level token `xapp-1-…`, a signing
 * secret), fresh for each run of the demo or a benchmark and never printed. Real shapes, so the bot's redaction and
 * token checks see what they would see in production.
 */
import { randomBytes } from "node:crypto";

const digits = (n: number) => Array.from(randomBytes(n), (b) => String(b % 10)).join("");

export interface SlackCredentials {
  botToken: string;
  appToken: string;
  signingSecret: string;
}

export function freshSlackCredentials(): SlackCredentials {
  return {
    botToken: `xoxb-${digits(10)}-${digits(13)}-${randomBytes(12).toString("hex")}`,
    appToken: `xapp-1-A0CNIDOCTR-${digits(13)}-${randomBytes(32).toString("hex")}`,
    signingSecret: randomBytes(16).toString("hex"),
  };
}
