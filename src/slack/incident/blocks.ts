/** The messages of the threads the bot opens itself: the parent (open or resolved) and the short replies. Pure. */
import type { ClusterIdentity } from "../../kube/types.ts";
import { clusterLine, clusterPlain } from "../blocks/cluster.ts";
import { code, escapeMrkdwn, plural, slackDate } from "../blocks/mrkdwn.ts";
import { context, type Message, section } from "../blocks/types.ts";

export interface IncidentParentInput {
  cluster: ClusterIdentity;
  /** What opened it: "CNI failures seen in the cluster" or the alert group's names. */
  source: string;
  headline: string;
  openedAt: string;
  failures: number;
  /** Set once it is over. */
  resolvedAt: string | null;
  /** Alertmanager's groupKey or the scope, shown small. */
  detail?: string;
}

export function renderIncidentParent(input: IncidentParentInput): Message {
  const lasted = input.resolvedAt ? duration(input.openedAt, input.resolvedAt) : null;
  const status = lasted
    ? `:white_check_mark: *Resolved* after ${lasted} (opened ${slackDate(input.openedAt)})`
    : `:rotating_light: *Open* since ${slackDate(input.openedAt)} · ${plural(input.failures, "failure")} seen`;
  const words = lasted ? `resolved after ${lasted}` : "open";
  return {
    text: `cni-doctor incident (${words}) on ${clusterPlain(input.cluster)}: ${escapeMrkdwn(input.headline)}`,
    blocks: [
      section(
        `*cni-doctor incident*: ${escapeMrkdwn(input.source)}\n${escapeMrkdwn(input.headline)}\n${status}`,
      ),
      context(clusterLine(input.cluster), ...(input.detail ? [escapeMrkdwn(input.detail)] : [])),
    ],
  };
}

export function renderMoreFailures(input: { failures: number; headline: string; total: number }): Message {
  const text = `${plural(input.failures, "more CNI failure")} (${input.total} in all); diagnosed again: ${input.headline}`;
  return { text: escapeMrkdwn(text), blocks: [section(`:repeat: ${escapeMrkdwn(text)}`)] };
}

export function renderResolved(input: { openedAt: string; resolvedAt: string; why: string }): Message {
  const text = `Resolved after ${duration(input.openedAt, input.resolvedAt)}: ${input.why}`;
  return { text: escapeMrkdwn(text), blocks: [section(`:white_check_mark: ${escapeMrkdwn(text)}`)] };
}

export function renderAlertUpdate(input: { firing: string[]; names: string[]; status: string }): Message {
  const text = `Alertmanager: ${input.status}, ${plural(input.firing.length, "alert")} firing (${input.names.join(", ")})`;
  return {
    text: escapeMrkdwn(text),
    blocks: [
      section(`:bell: ${escapeMrkdwn(text)}`),
      context(`fingerprints ${input.firing.map(code).join(" ")}`),
    ],
  };
}

/** "3 min", "1 h 12 min", "45 s". */
export function duration(fromIso: string, toIso: string): string {
  const seconds = Math.max(0, Math.round((Date.parse(toIso) - Date.parse(fromIso)) / 1000));
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
