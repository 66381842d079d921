/**
 * `@cni-doctor diagnose` answers in the thread it was said in (or starts one under the mention). Slack re-delivers
 * an event it thinks was not received; the event id makes sure a re-delivery does not diagnose twice.
 */
import type { AllMiddlewareArgs, SlackEventMiddlewareArgs } from "@slack/bolt";
import { parseCniCommand } from "../../command-parser.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { handleRequest } from "../../flows/requests.ts";
import { RecentIds } from "../recent-ids.ts";

export function appMention(flows: SlackFlows) {
  const seen = new RecentIds(1000);
  return async ({
    event,
    body,
  }: SlackEventMiddlewareArgs<"app_mention"> & AllMiddlewareArgs): Promise<void> => {
    const eventId = (body as { event_id?: string }).event_id ?? `${event.channel}:${event.ts}`;
    if (!seen.add(eventId)) return;
    if (!event.user) return;
    const request = parseCniCommand(event.text);
    handleRequest(flows, request, {
      user: event.user,
      channel: event.channel,
      threadTs: event.thread_ts ?? event.ts,
      text: event.text.replace(/<@[A-Z0-9]+>/g, "").trim(),
      requestId: `event:${eventId}`,
    });
  };
}
