import { createInterface } from "node:readline/promises";
import { diagnoseCluster } from "../../diagnosis/index.ts";
import { type Actor, ownApprovalRefusal, type RemediationService } from "../../remediation/index.ts";
import { RemediationWorkflow } from "../../remediation/workflow.ts";
import { type CommandIO, type CommandSpec, UsageError } from "../command.ts";
import { openRemediation, terminalActor } from "../remediation-setup.ts";
import { renderPlanText, renderRunEvent, renderRunsText } from "../render/plan-text.ts";
import { type Style, styleFor } from "../render/style.ts";
import { FixInterrupts } from "./fix-interrupts.ts";
import { fixUsage } from "./usage/fix.ts";

/** Exit codes of `fix`, documented in the README. */
export const FIX_EXIT = { healed: 0, failed: 1, usage: 2, needsHuman: 3, refused: 4 } as const;

export const fixCommand: CommandSpec = {
  ...fixUsage,
  async run(args, io) {
    const v = args.values;
    const json = Boolean(v.json);
    const style = styleFor(json ? { isTTY: false } : io.stdout, io.env);
    const out: FixOutput = { progress: json ? io.stderr : io.stdout, style, json: {} };
    if (v["node-access"] === "none")
      throw new UsageError("fix needs node access: --node-access none leaves it none to change nodes with.");
    const setup = await openRemediation(args, io, { nodeAccess: true });
    if (!setup.hasNodeAccess) {
      await setup.close();
      throw new UsageError(
        "fix needs node access: create the agent namespace for --node-access kubernetes, or pass --nodes-file FILE (SSH).",
      );
    }
    const finish = (code: number) => {
      if (json) io.stdout.write(`${JSON.stringify(out.json, null, 2)}\n`);
      return code;
    };
    const interrupts = new FixInterrupts(
      io,
      (text) => void out.progress.write(style.red(text)),
      (reason) => setup.service.stopForShutdown(reason),
    );
    const stopListening = interrupts.install();
    try {
      return finish(
        await fixCluster(setup, out, {
          node: v.node as string | undefined,
          dryRun: Boolean(v["dry-run"]),
          includeBarePods: Boolean(v["include-bare-pods"]),
          askApproval: v.yes ? async () => null : (runId) => askAtTerminal(io, setup.identity.context, runId),
          interrupts,
        }),
      );
    } finally {
      stopListening();
      await setup.close();
    }
  },
};

/** Where `fix` writes: progress for a person (stdout, or stderr with --json) and the JSON document's parts. */
export interface FixOutput {
  progress: NodeJS.WritableStream;
  style: Style;
  json: Record<string, unknown>;
}

export type RemediationSetup = Awaited<ReturnType<typeof openRemediation>>;

/** The workflow at the terminal: one person requests and approves, and the run reports line by line. */
async function fixCluster(
  setup: RemediationSetup,
  out: FixOutput,
  options: {
    node: string | undefined;
    dryRun: boolean;
    includeBarePods: boolean;
    /** null when the person approved; otherwise the line that says why not. */
    askApproval: (runId: string) => Promise<string | null>;
    interrupts: FixInterrupts;
  },
): Promise<number> {
  const { style } = out;
  const workflow = terminalWorkflow(setup, out, options.interrupts);
  if (!options.dryRun) await reportInterruptedRuns(setup, out);
  const diagnosis = await workflow.diagnose({ node: options.node });
  const includeBarePods = options.includeBarePods;
  const preview = await workflow.preview(diagnosis, { includeBarePods });
  out.json.plan = preview.plan;
  if (preview.kind === "nothing-to-do") {
    out.progress.write(renderPlanText(preview.plan, [], style));
    if (preview.verdict === "incomplete") {
      out.progress.write(
        style.red(
          `The diagnosis was incomplete: ${diagnosis.errors.map((e) => `${e.operation}: ${e.message}`).join("; ")}\n`,
        ),
      );
    }
    return FIX_EXIT_OF_PREVIEW[preview.verdict];
  }
  if (options.dryRun) {
    out.progress.write(renderPlanText(preview.plan, [], style));
    out.progress.write(style.bold("Dry run: nothing was changed.\n"));
    return FIX_EXIT.healed;
  }
  const me = terminalActor();
  const { proposed, verdict } = await workflow.propose(diagnosis, { requestedBy: me, includeBarePods });
  out.json.run = proposed.run;
  out.progress.write(renderPlanText(proposed.plan, proposed.policyViolations, style));
  if (verdict === "policy-refused") return FIX_EXIT.refused;
  // The policy first: nobody types the context name for an approval that could not count.
  const cannot = ownApprovalRefusal(me, setup.service.policy);
  if (cannot) {
    out.progress.write(style.red(`${cannot}\n${secondApproverHint(proposed.run.id)}`));
    return FIX_EXIT.refused;
  }
  const notApproved = await options.askApproval(proposed.run.id);
  if (notApproved !== null) {
    await workflow.reject(proposed.run.id, me).catch(() => {});
    out.progress.write(style.red(notApproved));
    return FIX_EXIT.refused;
  }
  options.interrupts.executing(proposed.run.id, proposed.plan);
  return runApproved(workflow, proposed.run.id, me, out);
}

/** How someone else approves a pending run. */
export function secondApproverHint(runId: string): string {
  return `Run ${runId} stays pending in the journal; nothing was changed. Another approver approves it with \`cni-doctor approve ${runId}\` at a terminal, or with the run's Approve button in Slack (\`/cni status\` lists pending runs).\n`;
}

/** The workflow at the terminal: diagnosis through the node writer, progress printed line by line. */
export function terminalWorkflow(
  setup: RemediationSetup,
  out: FixOutput,
  interrupts: FixInterrupts,
): RemediationWorkflow<RemediationService> {
  return new RemediationWorkflow({
    diagnose: (scope) =>
      diagnoseCluster(setup.reader, {
        scope,
        nodeReader: setup.nodeWriter,
        concurrency: setup.config.concurrency,
      }),
    remediation: setup.service,
    progress: async () => ({
      report: (e) => {
        interrupts.track(e);
        out.progress.write(renderRunEvent(e, out.style));
      },
    }),
  });
}

const FIX_EXIT_OF_PREVIEW = {
  healed: FIX_EXIT.healed,
  "needs-human": FIX_EXIT.needsHuman,
  incomplete: FIX_EXIT.failed,
};

/** The approval the person gave, through the gate; the run when it completes the quorum. */
export async function runApproved(
  workflow: RemediationWorkflow,
  runId: string,
  me: Actor,
  out: FixOutput,
): Promise<number> {
  const { style } = out;
  const step = await workflow.approve(runId, me);
  out.json.approval = step.approval;
  if (step.kind === "not-approved") {
    const { approval } = step;
    out.progress.write(
      style.red(
        `${approval.message}\nRun ${runId} stays ${approval.status === "refused" ? "unapproved" : "pending"} in the journal; nothing was changed.\n`,
      ),
    );
    return FIX_EXIT.refused;
  }
  const { result } = step;
  out.json.result = result;
  if (result.status === "refused") {
    out.progress.write(style.red(`Refused: ${result.message}\n`));
    // The terminal shows the plan for the cluster as it is now; running fix again proposes it.
    if (result.newPlan) out.progress.write(renderPlanText(result.newPlan, [], style));
    return FIX_EXIT.refused;
  }
  return result.status === "succeeded" ? FIX_EXIT.healed : FIX_EXIT.failed;
}

/** A run the last process left half-done is reported first. */
async function reportInterruptedRuns(setup: RemediationSetup, out: FixOutput): Promise<void> {
  const interrupted = (await setup.service.recentRuns()).filter(
    (r) => r.state === "interrupted" && r.outcome?.startsWith("interrupted"),
  );
  if (interrupted.length === 0) return;
  out.progress.write(
    out.style.red(`Interrupted runs in the journal:\n`) + renderRunsText(interrupted, out.style),
  );
  out.json.interrupted = interrupted;
}

/** Approval at the terminal: the person types the cluster's context name. */
export async function askAtTerminal(io: CommandIO, context: string, runId: string): Promise<string | null> {
  const typed = await ask(io, `Type the cluster's context name (${context}) to approve run ${runId}: `);
  return typed === context ? null : `Not approved (typed ${JSON.stringify(typed)}); nothing was changed.\n`;
}

async function ask(io: CommandIO, question: string): Promise<string> {
  if (!io.stdin.isTTY && io.stdin === process.stdin && !process.stdin.readable) {
    throw new UsageError("no terminal to ask for approval on; pass --yes for automation");
  }
  const rl = createInterface({ input: io.stdin, output: io.stdout, terminal: false });
  try {
    return (await rl.question(question)).trim();
  } catch {
    return "";
  } finally {
    rl.close();
  }
}
