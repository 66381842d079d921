/** A dry run: every step of the plan reported as skipped, nothing sent to a node or the cluster. */
import {
  type ProgressReporter,
  type RunRecord,
  type RunResult,
  reportSafely,
  runStartedEvent,
  stepStartedEvent,
} from "./run.ts";

export async function dryRun(run: RunRecord, reporter: ProgressReporter): Promise<RunResult> {
  const plan = run.plan;
  await reportSafely(reporter, runStartedEvent(run, true));
  for (const [index, step] of plan.steps.entries()) {
    await reportSafely(reporter, stepStartedEvent(run.id, index, step));
    await reportSafely(reporter, {
      type: "step-finished",
      runId: run.id,
      index,
      kind: step.kind,
      node: step.node ?? null,
      status: "skipped",
      durationMs: 0,
      output: ["dry run: not executed"],
      error: null,
    });
  }
  const message = `Dry run: ${plan.steps.length} steps shown, nothing changed.`;
  await reportSafely(reporter, {
    type: "run-finished",
    runId: run.id,
    status: "dry-run",
    message,
    verification: null,
  });
  return { status: "dry-run", runId: run.id, message, plan };
}
