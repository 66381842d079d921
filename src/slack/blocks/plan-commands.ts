/**
 * A plan's exact commands, step by step, for the reply Show commands posts: what an approver reads before approving,
 * the same lines the journal keeps. Pure. Steps go in while they fit Slack's size budget; the plan file has them all.
 */
import type { Plan, PlanStep } from "../../remediation/plan.ts";
import { clusterContext } from "./cluster.ts";
import { capList } from "./limits.ts";
import { code, codeBlock, escapeMrkdwn } from "./mrkdwn.ts";
import { type Block, context, type Message, section } from "./types.ts";

const MAX_STEPS = 30;
/** Slack refuses messages whose blocks run to about 13k characters (bolt-js#2509); steps get most of it. */
const STEP_BUDGET_CHARS = 9_000;
const MAX_COMMANDS_PER_STEP = 15;
const MAX_PODS_PER_STEP = 10;

export function renderPlanCommands(runId: string, plan: Plan): { message: Message; truncated: boolean } {
  let truncated = false;
  const blocks: Block[] = [section(`*Commands of run ${code(runId)}*, step by step, as they will run:`)];
  let shownSteps = 0;
  for (const [i, step] of plan.steps.slice(0, MAX_STEPS).entries()) {
    const rendered = renderStep(step, i + 1);
    const block = section(rendered.text);
    if (JSON.stringify([...blocks, block]).length > STEP_BUDGET_CHARS) break;
    truncated ||= rendered.truncated;
    blocks.push(block);
    shownSteps += 1;
  }
  if (shownSteps < plan.steps.length) {
    truncated = true;
    blocks.push(context(`…and ${plan.steps.length - shownSteps} more steps, in the attached plan.json.`));
  }
  blocks.push(clusterContext(plan.cluster));
  return { message: { text: `Commands of run ${escapeMrkdwn(runId)}`, blocks }, truncated };
}

function renderStep(step: PlanStep, n: number): { text: string; truncated: boolean } {
  let truncated = false;
  const lines = [
    `*${n}. ${escapeMrkdwn(step.description)}*${step.node ? ` on ${code(step.node)}` : ""} (${code(step.kind)})`,
  ];
  if (step.pods && step.pods.length > 0) {
    const pods = capList(step.pods, MAX_PODS_PER_STEP);
    truncated ||= pods.more > 0;
    lines.push(
      `pods: ${pods.shown.map((p) => code(p)).join(", ")}${pods.more > 0 ? `, and ${pods.more} more` : ""}`,
    );
  }
  if (step.commands && step.commands.length > 0) {
    const commands = capList(step.commands, MAX_COMMANDS_PER_STEP);
    truncated ||= commands.more > 0;
    lines.push(codeBlock(commands.shown));
    if (commands.more > 0) lines.push(`…and ${commands.more} more commands, in the attached plan.json`);
  }
  const text = lines.join("\n");
  // Commands are never silently cut: if a step is still too long, it points at the file instead.
  if (text.length > 2900)
    return {
      text: `${lines[0]}\n_(commands too long to show here: see the attached plan.json)_`,
      truncated: true,
    };
  return { text, truncated };
}
