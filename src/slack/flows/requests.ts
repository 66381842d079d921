/**
 * A parsed request (`/cni …` or a mention) to the flow that serves it, by kind. Each entry returns at once: the work
 * runs as a job after the listener acked.
 */
import { renderHelp } from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import type { CniRequest } from "../command-parser.ts";
import { pauseOrResume, showStatus } from "./admin.ts";
import { runSlackCheck } from "./check.ts";
import { inBackground, type RequestContext, type SlackFlows } from "./context.ts";
import { startDiagnosis } from "./diagnose.ts";

type RequestFlow<K extends CniRequest["kind"]> = (
  flows: SlackFlows,
  request: Extract<CniRequest, { kind: K }>,
  ctx: RequestContext,
) => void;

const REQUEST_FLOWS: { [K in CniRequest["kind"]]: RequestFlow<K> } = {
  help: (flows, request, ctx) =>
    inBackground(flows, "help", ctx, async () => {
      if (ctx.threadTs) {
        await flows.messenger.post(
          { channel: ctx.channel, threadTs: ctx.threadTs },
          helpMessage(flows, request.problem),
          `help:${ctx.channel}:${ctx.threadTs}:${ctx.text}:${Date.now()}`,
        );
      } else {
        await flows.messenger.ephemeral(
          { channel: ctx.channel, user: ctx.user },
          helpMessage(flows, request.problem),
        );
      }
    }),
  diagnose: startDiagnosis,
  fix: startDiagnosis,
  status: (flows, request, ctx) =>
    inBackground(flows, "status", ctx, () => showStatus(flows, request.cluster, ctx)),
  pause: (flows, request, ctx) =>
    inBackground(flows, "pause", ctx, () => pauseOrResume(flows, true, request.cluster, ctx)),
  resume: (flows, request, ctx) =>
    inBackground(flows, "resume", ctx, () => pauseOrResume(flows, false, request.cluster, ctx)),
  check: (flows, request, ctx) =>
    inBackground(flows, "check", ctx, () => runSlackCheck(flows, request.cluster, ctx)),
};

/** A request from a slash command, a mention or a shortcut. Returns at once; the work runs as a job. */
export function handleRequest(flows: SlackFlows, request: CniRequest, ctx: RequestContext): void {
  (REQUEST_FLOWS[request.kind] as RequestFlow<CniRequest["kind"]>)(flows, request, ctx);
}

export function helpMessage(flows: SlackFlows, problem?: string): Message {
  return renderHelp(problem, flows.clusters.names());
}
