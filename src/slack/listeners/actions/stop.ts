/** Stop: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import { stopClick } from "../../flows/clicks.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { buttonListener } from "./click.ts";

export const stopActionId = ACTIONS.stop;

export function stopAction(flows: SlackFlows) {
  return buttonListener((click) => stopClick(flows, click));
}
