/** Dry run: ack at once; the remediation service decides, at click time, whether this person may. */
import { ACTIONS } from "../../blocks/plan.ts";
import { dryRunClick } from "../../flows/clicks.ts";
import type { SlackFlows } from "../../flows/context.ts";
import { buttonListener } from "./click.ts";

export const dryRunActionId = ACTIONS.dryRun;

export function dryRunAction(flows: SlackFlows) {
  return buttonListener((click) => dryRunClick(flows, click));
}
