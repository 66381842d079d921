/**
 * What every step gets: the cluster (read, write, wait), the node writer, the policy, and a ledger that records each
 * command line it sends and its exit code, for the journal, the log and the node's Events.
 */
import type { RemediationPolicy } from "../../config.ts";
import type { Diagnosis } from "../../diagnosis/index.ts";
import type { ClusterReader } from "../../kube/reader.ts";
import type { PodWatcher } from "../../kube/wait.ts";
import type { ClusterWriter } from "../../kube/writer.ts";
import type { CommandTemplate, NodeWriter } from "../../nodes/index.ts";
import type { QuarantineRecord } from "./quarantine-cni-config.ts";

export interface RemediationDeps {
  reader: ClusterReader;
  writer: ClusterWriter;
  pods: PodWatcher;
  nodeWriter: NodeWriter;
  policy: RemediationPolicy;
  now: () => Date;
  /** Diagnoses the cluster again (same scope), for the drift check and the final verification. */
  diagnose: (scope: Diagnosis["scope"]) => Promise<Diagnosis>;
}

/** The record of one step as it runs: what was sent, exit codes, key output. */
export class StepLedger {
  readonly ran: string[] = [];
  readonly exitCodes: Array<number | null> = [];
  readonly output: string[] = [];

  note(line: string): void {
    this.output.push(line);
  }

  apiCall(description: string): void {
    this.ran.push(description);
  }
}

export interface StepContext {
  deps: RemediationDeps;
  runId: string;
  ledger: StepLedger;
  /** The step must be done by then; waits and polls stop there. */
  deadline: number;
  /** Runs a node command, recording its exact command line and exit code. */
  onNode<T>(node: string, template: CommandTemplate<T>): Promise<T>;
  /** The node's InternalIP (for reaching it) and uid (for its Events). */
  nodeInfo(node: string): Promise<{ internalIP: string | undefined; uid: string | undefined }>;
  /** Journals a node's move before it happens, so a run cut short can be restored later (absent: not journaled). */
  journalMove?(record: QuarantineRecord): Promise<void>;
}

/** Wraps a template so its raw exit code is recorded before it is interpreted (interpret may throw). */
export function recordingExitCode<T>(
  template: CommandTemplate<T>,
  sink: (exitCode: number | null) => void,
): CommandTemplate<T> {
  return {
    ...template,
    interpret(result, context) {
      sink(result.exitCode);
      return template.interpret(result, context);
    },
  };
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `check` until it says done or the deadline passes; returns the last answer. Bounded by the deadline. */
export async function pollUntil<T>(
  check: () => Promise<{ done: boolean; value: T }>,
  deadline: number,
  intervalMs: number,
): Promise<{ done: boolean; value: T }> {
  for (;;) {
    const answer = await check();
    if (answer.done) return answer;
    const left = deadline - Date.now();
    if (left <= 0) return answer;
    await sleep(Math.min(intervalMs, left));
  }
}

/** A step failure that says what failed, where and what to do next. */
export class StepFailure extends Error {
  override name = "StepFailure";
}
