/**
 * Keeps the parent message current while a run goes: "fixing k8s-worker2 (step 3 of 5)" as each step starts, then
 * healed or failed when it ends. Updates are chained, so they land in order, and a failed update is noted by
 * ThreadPosts, never in the run's way (the run does not wait for Slack).
 */
import type { ProgressReporter, RunEvent } from "../../remediation/run.ts";
import type { ParentStatus } from "../blocks/messages.ts";
import type { ParentRef } from "./diagnosis-cards.ts";
import type { ThreadPosts } from "./thread-posts.ts";

export function withParentProgress(
  inner: ProgressReporter,
  parent: ParentRef | undefined,
  posts: ThreadPosts,
): ProgressReporter & { settled(): Promise<void> } {
  let chain: Promise<unknown> = Promise.resolve();
  let steps = 0;
  let dryRun = false;
  let shownPhase: string | undefined;
  const show = (status: ParentStatus) => {
    if (!parent) return;
    chain = chain.then(() =>
      posts.update(parent.ts, parent.render(status), "the status at the top of the thread"),
    );
  };
  return {
    report(event: RunEvent) {
      if (event.type === "run-started") {
        steps = event.steps;
        dryRun = event.dryRun;
      }
      // A dry run changes nothing, so the parent keeps saying what it said. The thread's progress message has every
      // step; the parent changes when the work moves to another node, once to the pods and the check, and at the end.
      const status = dryRun ? null : parentStatusOf(event, steps);
      const phase = status?.kind === "fixing" ? (status.node ?? "") : null;
      if (phase !== null && phase === shownPhase) return inner.report(event);
      if (phase !== null) shownPhase = phase;
      if (status) show(status);
      return inner.report(event);
    },
    settled: () => chain.then(() => undefined),
  };
}

/** The parent's status after an event, or null when the event changes nothing there. */
export function parentStatusOf(event: RunEvent, steps: number): ParentStatus | null {
  switch (event.type) {
    case "step-started":
      // Recycling pods and verifying are one phase for the parent, whatever node a recycle is on.
      return event.kind === "recycle-pods" || event.kind === "verify"
        ? { kind: "fixing", node: null, step: event.index + 1, of: steps }
        : { kind: "fixing", node: event.node, step: event.index + 1, of: steps };
    case "run-finished":
      if (event.status === "dry-run") return null;
      return event.status === "succeeded"
        ? { kind: "healed", words: short(event.message) }
        : { kind: "failed", words: `fix ${event.status}: ${short(event.message)}` };
    default:
      return null;
  }
}

/** The parent is a status line, not the report: the run's summary in the thread has the whole message. */
function short(message: string): string {
  return message.length > 240 ? `${message.slice(0, 239)}…` : message;
}
