/**
 * `/cni check [--cluster C]`: the installation check (`cni-doctor check`) against a cluster the bot may use, for
 * approvers only (it shows how the bot is set up: its identity, namespaces, nodes, channels). Everything, refusal
 * included, is shown only to the person who asked (ephemeral), in the thread they asked in when there is one.
 */
import { approversOnlyRefusal } from "../../remediation/approval-gate.ts";
import { renderCheckReport } from "../blocks/check.ts";
import { renderError, renderNotice, renderRefusal } from "../blocks/messages.ts";
import type { Message } from "../blocks/types.ts";
import { chooseCluster } from "../clusters.ts";
import { actorFor, type RequestContext, type SlackFlows } from "./context.ts";

export async function runSlackCheck(
  flows: SlackFlows,
  requested: string | undefined,
  ctx: RequestContext,
): Promise<void> {
  const toAsker = (message: Message) =>
    flows.messenger.ephemeral(
      { channel: ctx.channel, user: ctx.user, ...(ctx.threadTs ? { threadTs: ctx.threadTs } : {}) },
      message,
    );
  const actor = await actorFor(flows, ctx.user);
  const approvers = [...(flows.settings.approverIds ?? []), ...flows.settings.approverGroups];
  const refusal = approversOnlyRefusal(actor, "run /cni check", approvers);
  if (refusal) {
    flows.logger.info({ user: ctx.user }, "/cni check refused: not an approver");
    await toAsker(renderRefusal(refusal));
    return;
  }
  let name: string;
  try {
    name = chooseCluster(flows.clusters, flows.settings.channelDefaults, ctx.channel, requested);
  } catch (err) {
    await toAsker(
      renderError("Unknown cluster", (err as Error).message, "Use --cluster with one of the allowed names."),
    );
    return;
  }
  if (!flows.checkInstallation) {
    await toAsker(
      renderNotice("The installation check is not available in this bot; run `cni-doctor check`."),
    );
    return;
  }
  await toAsker(renderNotice(`Checking ${name}: permissions, CNI, node access, Slack and clocks…`));
  const report = await flows.checkInstallation(name);
  flows.logger.info(
    {
      user: ctx.user,
      cluster: name,
      ok: report.ok,
      failed: report.lines.filter((l) => l.status === "fail").length,
    },
    "/cni check",
  );
  await toAsker(renderCheckReport(report));
}
