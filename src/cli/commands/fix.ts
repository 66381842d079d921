import { createInterface } from "node:readline/promises";
import { diagnoseCluster } from "../../diagnosis/index.ts";
import type { ProgressReporter } from "../../remediation/index.ts";
import { type CommandIO, type CommandSpec, UsageError } from "../command.ts";
import { CLUSTER_OPTIONS, openRemediation, terminalActor } from "../remediation-setup.ts";
import { renderPlanText, renderRunEvent, renderRunsText } from "../render/plan-text.ts";
import { styleFor } from "../render/style.ts";

/** Exit codes of `fix`, documented in the README. */
export const FIX_EXIT = { healed: 0, failed: 1, usage: 2, needsHuman: 3, refused: 4 } as const;

export const fixCommand: CommandSpec = {
  name: "fix",
  summary:
    "Diagnose, show the remediation plan, ask for approval (type the cluster's context name), run it node by node with live progress, verify, and roll back a node whose agent does not come back.",
  options: {
    ...CLUSTER_OPTIONS,
    "nodes-file": {
      type: "string",
      valueName: "FILE",
      description:
        "Nodes file (YAML) for SSH access to the nodes (default: $CNI_DOCTOR_NODES_FILE). Required.",
    },
    node: { type: "string", valueName: "NODE", description: "Only this node." },
    "dry-run": {
      type: "boolean",
      description: "Print exactly what would run; change nothing (no journal entry either).",
    },
    yes: {
      type: "boolean",
      short: "y",
      description:
        "Approve without the prompt (automation). Policy limits still apply; see the README on self-approval.",
    },
    "include-bare-pods": {
      type: "boolean",
      description: "Also delete stuck pods no controller recreates (they are gone for good).",
    },
    json: {
      type: "boolean",
      description: "Print {plan, run, result} as JSON on stdout; progress goes to stderr.",
    },
    verbose: {
      type: "boolean",
      short: "v",
      description: "Log each node command (line, duration) to stderr.",
    },
  },
  details: [
    "At the terminal you are both requester and approver. Your approval (typing the context name, or --yes) counts",
    "only if CNI_DOCTOR_APPROVERS lists cli:<your OS user> and CNI_DOCTOR_SELF_APPROVAL is cli or all; otherwise the",
    "run stays pending in the journal for a second approver (Slack), and fix exits 4.",
    "Audit log lines (JSON) go to stderr. Exit status: 0 healed or nothing to fix, 1 the run failed, rolled back or",
    "stopped, 2 bad usage, 3 only manual actions remain, 4 refused (policy, approval, drift, pause, busy).",
  ].join("\n"),
  async run(args, io) {
    const v = args.values;
    const json = Boolean(v.json);
    const style = styleFor(json ? { isTTY: false } : io.stdout, io.env);
    const progressOut = json ? io.stderr : io.stdout;
    const nodesFile = (v["nodes-file"] as string | undefined) ?? io.env.CNI_DOCTOR_NODES_FILE;
    if (!nodesFile)
      throw new UsageError("fix needs node access: pass --nodes-file FILE (or set CNI_DOCTOR_NODES_FILE).");
    const setup = await openRemediation(args, io, { nodesFile, verbose: Boolean(v.verbose) });
    const { service } = setup;
    const dryRun = Boolean(v["dry-run"]);
    const output: Record<string, unknown> = {};
    const finish = (code: number) => {
      if (json) io.stdout.write(`${JSON.stringify(output, null, 2)}\n`);
      return code;
    };
    try {
      if (!dryRun) {
        // A run the last process left half-done is reported first.
        const interrupted = (await service.recentRuns()).filter(
          (r) => r.state === "interrupted" && r.outcome?.startsWith("interrupted"),
        );
        if (interrupted.length > 0) {
          progressOut.write(
            style.red(`Interrupted runs in the journal:\n`) + renderRunsText(interrupted, style),
          );
          output.interrupted = interrupted;
        }
      }
      const diagnosis = await diagnoseCluster(setup.reader, {
        scope: { node: v.node as string | undefined },
        nodeReader: setup.nodeShell,
        concurrency: setup.config.concurrency,
      });
      const includeBarePods = Boolean(v["include-bare-pods"]);
      const plan = await service.plan(diagnosis, { includeBarePods });
      output.plan = plan;
      if (plan.nothingToDo) {
        progressOut.write(renderPlanText(plan, [], style));
        if (diagnosis.errors.length > 0) {
          progressOut.write(
            style.red(
              `The diagnosis was incomplete: ${diagnosis.errors.map((e) => `${e.operation}: ${e.message}`).join("; ")}\n`,
            ),
          );
          return finish(FIX_EXIT.failed);
        }
        return finish(plan.manualActions.length > 0 ? FIX_EXIT.needsHuman : FIX_EXIT.healed);
      }
      if (dryRun) {
        progressOut.write(renderPlanText(plan, [], style));
        progressOut.write(style.bold("Dry run: nothing was changed.\n"));
        return finish(FIX_EXIT.healed);
      }

      const me = terminalActor();
      const proposed = await service.propose(diagnosis, { requestedBy: me, includeBarePods });
      output.run = proposed.run;
      progressOut.write(renderPlanText(proposed.plan, proposed.policyViolations, style));
      if (proposed.policyViolations.length > 0) return finish(FIX_EXIT.refused);

      if (!v.yes) {
        const typed = await ask(
          io,
          `Type the cluster's context name (${setup.identity.context}) to approve run ${proposed.run.id}: `,
        );
        if (typed !== setup.identity.context) {
          await service.reject(proposed.run.id, me).catch(() => {});
          progressOut.write(
            style.red(`Not approved (typed ${JSON.stringify(typed)}); nothing was changed.\n`),
          );
          return finish(FIX_EXIT.refused);
        }
      }
      const approval = await service.approve(proposed.run.id, me);
      output.approval = approval;
      if (approval.status !== "approved") {
        progressOut.write(
          style.red(
            `${approval.message}\nRun ${proposed.run.id} stays ${approval.status === "refused" ? "unapproved" : "pending"} in the journal; nothing was changed.\n`,
          ),
        );
        return finish(FIX_EXIT.refused);
      }
      const reporter: ProgressReporter = { report: (e) => void progressOut.write(renderRunEvent(e, style)) };
      const result = await service.execute(proposed.run.id, reporter);
      output.result = result;
      if (result.status === "refused") {
        progressOut.write(style.red(`Refused: ${result.message}\n`));
        if (result.newPlan) progressOut.write(renderPlanText(result.newPlan, [], style));
        return finish(FIX_EXIT.refused);
      }
      return finish(result.status === "succeeded" ? FIX_EXIT.healed : FIX_EXIT.failed);
    } finally {
      await setup.close();
    }
  },
};

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
