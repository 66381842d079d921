/**
 * Show commands: the plan's exact command lines as a thread reply, for whoever reviews the plan before approving. From
 * this process's plan message, or from the journal for a plan posted before a restart. Read-only: anyone may ask.
 */
import { renderPlanCommands } from "../blocks/plan-commands.ts";
import { type Click, onClick, refuse } from "./clicks.ts";
import type { SlackFlows } from "./context.ts";
import { ThreadPosts } from "./thread-posts.ts";

export function showCommandsClick(flows: SlackFlows, click: Click): void {
  onClick(flows, "show-commands", click, async (remediation) => {
    const tracked = flows.plans.plan(click.runId);
    const plan = tracked?.view.plan ?? (await remediation.planOf(click.runId))?.plan;
    if (!plan) return refuse(flows, click, `run ${click.runId} is not in this cluster's journal.`);
    const thread = flows.plans.threadOf(click);
    const posts = new ThreadPosts(flows, thread);
    const rendered = renderPlanCommands(click.runId, plan);
    // The same key on every click: the commands are posted once per plan.
    await posts.post(rendered.message, `${click.runId}:commands`, `the commands of run ${click.runId}`);
    if (rendered.truncated) {
      await posts.attempt("the whole plan as a file", () =>
        flows.messenger.attachIfPossible(
          thread,
          {
            filename: "plan.json",
            title: "Full plan with every command",
            content: JSON.stringify(plan, null, 2),
          },
          `${click.runId}:plan-file`,
          `The commands above are cut short; \`cni-doctor fix --dry-run --json\` at a terminal prints them whole (run ${click.runId}).`,
        ),
      );
    }
    await posts.reportLost(
      `${click.runId}:commands`,
      "`cni-doctor fix --dry-run` at a terminal prints every command.",
    );
  });
}
