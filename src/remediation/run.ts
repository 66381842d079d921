/**
 * Runs as plain data: what the journal stores (one ConfigMap per run), what the service returns, and the progress
 * events front ends render (terminal now, Slack thread next). Nothing here holds a secret.
 */
import type { ClusterIdentity } from "../kube/types.ts";
import { leftMoved } from "./moves-left.ts";
import type { Plan, PlanStep, StepKind } from "./plan.ts";
import type { QuarantineRecord } from "./steps/quarantine-cni-config.ts";

export interface Actor {
  id: string;
  displayName?: string;
  /** Slack user-group IDs the actor belongs to (looked up at click time by the front end). */
  groups?: string[];
  /** "process": the bot itself, e.g. stopping its runs on SIGTERM; such an actor never approves anything. */
  via: "slack" | "cli" | "process";
}

export type RunState =
  | "pending"
  | "approved"
  | "running"
  | "succeeded"
  | "failed"
  | "rolled-back"
  | "stopped"
  | "rejected"
  | "expired"
  /** The cluster changed after approval: the plan no longer matches; a new plan needs a new approval. */
  | "superseded"
  /** The runner died mid-run (its lease lapsed): found and marked by the next start. */
  | "interrupted";

export const FINAL_STATES: ReadonlySet<RunState> = new Set([
  "succeeded",
  "failed",
  "rolled-back",
  "stopped",
  "rejected",
  "expired",
  "superseded",
  "interrupted",
]);

export interface Approval {
  actor: Actor;
  at: string;
}

export interface StepRecord {
  index: number;
  kind: StepKind;
  node: string | null;
  status: "running" | "ok" | "failed" | "skipped";
  startedAt: string;
  finishedAt: string | null;
  durationMs: number | null;
  /** What ran: command lines and API calls, in order. */
  ran: string[];
  /** Exit codes of the node commands, in order (null: killed by a signal). */
  exitCodes: Array<number | null>;
  /** Key output, for people: what moved, which pod replaced which, verification lines. */
  output: string[];
  error: string | null;
}

export interface RollbackRecord {
  node: string;
  at: string;
  ok: boolean;
  restored: string[];
  /** Files found in the conf dir after the move (e.g. written by install-cni), moved aside, never deleted. */
  displaced: string[];
  displacedTo: string | null;
  message: string;
}

export interface VerificationResult {
  ok: boolean;
  /** One line per check, saying what was checked and what was found. */
  checks: Array<{ name: string; ok: boolean; detail: string }>;
}

/**
 * Where a run was asked for, kept with the run so a front end can report into the same place later (a restarted
 * Slack bot reports an interrupted run in its incident thread). Opaque to remediation.
 */
export interface RunOrigin {
  kind: "slack";
  channel: string;
  threadTs: string;
}

export interface RunRecord {
  id: string;
  cluster: ClusterIdentity;
  state: RunState;
  plan: Plan;
  requestedBy: Actor;
  requestedAt: string;
  expiresAt: string;
  includeBarePods: boolean;
  /** Policy limits the plan breaks (max nodes, control plane); a run with any cannot be approved. */
  policyViolations: string[];
  approvals: Approval[];
  quorum: number;
  rejectedBy: Approval | null;
  stopRequested: Approval | null;
  execution: {
    executor: string;
    startedAt: string;
    finishedAt: string | null;
    heartbeatAt: string;
  } | null;
  steps: StepRecord[];
  rollbacks: RollbackRecord[];
  verification: VerificationResult | null;
  /** Why the run ended as it did, in one line. */
  outcome: string | null;
  /** Set when a drift refusal superseded this run. */
  supersededBy: { digest: string } | null;
  /** Where the run was asked for; absent in records written before it existed. */
  origin?: RunOrigin | null;
  /**
   * Each node's move, journaled just before its `mv` runs, so a run cut short (a killed process) can still be
   * restored byte for byte by `cni-doctor rollback`. Absent in records written before it existed.
   */
  quarantines?: QuarantineRecord[];
}

export interface RunSummary {
  id: string;
  state: RunState;
  digest: string;
  cluster: string;
  nodes: string[];
  requestedBy: string;
  approvedBy: string[];
  requestedAt: string;
  expiresAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The last step that started: for an interrupted run, where it died. */
  lastStep: string | null;
  outcome: string | null;
  /** Where each node's moved files are, so an operator can find them after any outcome. */
  backups: Array<{ node: string; dir: string }>;
  origin: RunOrigin | null;
  /**
   * Nodes this run left with files moved aside and neither healed nor restored (an interrupted or failed run), and
   * the command that restores them; empty when there is nothing to restore.
   */
  filesLeftMoved: Array<{ node: string; dir: string }>;
  restoreCommand: string | null;
}

export interface ProposedRun {
  run: RunSummary;
  plan: Plan;
  policyViolations: string[];
  expiresAt: string;
  quorum: number;
}

export type ApprovalRefusal =
  | "not-found"
  | "not-an-approver"
  | "self-approval"
  | "expired"
  | "policy-violation"
  | "not-pending"
  | "nothing-to-do";

export type ApprovalOutcome =
  /** Quorum reached: the run may execute. */
  | { status: "approved"; run: RunSummary; approvals: number; quorum: number; message: string }
  /** Counted; more approvals are needed. */
  | { status: "recorded"; run: RunSummary; approvals: number; quorum: number; message: string }
  /** This approver had already approved (double click, retry): nothing changed. */
  | { status: "already-approved"; run: RunSummary; approvals: number; quorum: number; message: string }
  | { status: "refused"; reason: ApprovalRefusal; run: RunSummary | null; message: string };

export type RejectOutcome =
  | { status: "rejected"; run: RunSummary; message: string }
  | {
      status: "refused";
      reason: "not-found" | "not-an-approver" | "not-pending";
      run: RunSummary | null;
      message: string;
    };

export type ExecutionRefusal =
  | "not-found"
  | "paused"
  | "not-approved"
  | "expired"
  | "drift"
  /** The fresh diagnosis before the run failed in part, so drift could be neither ruled out nor proven. */
  | "incomplete-check"
  | "already-executed"
  | "busy"
  | "policy-violation"
  | "nothing-to-do";

export type RunResult =
  | {
      status: "succeeded" | "failed" | "rolled-back" | "stopped";
      runId: string;
      message: string;
      steps: StepRecord[];
      rollbacks: RollbackRecord[];
      verification: VerificationResult | null;
      /** Pods left stuck, each with the command that gets it going (absent from older results). */
      stillStuck?: Array<{ pod: string; node: string; command: string }>;
    }
  | {
      status: "refused";
      runId: string;
      reason: ExecutionRefusal;
      message: string;
      /** For drift: the plan for the cluster as it is now, to be proposed and approved afresh. */
      newPlan?: Plan;
    }
  | { status: "dry-run"; runId: string; message: string; plan: Plan };

/** Progress of a run, in order. Front ends render these; none carries a secret. */
export type RunEvent =
  | {
      type: "run-started";
      runId: string;
      cluster: ClusterIdentity;
      digest: string;
      dryRun: boolean;
      requestedBy: string;
      approvedBy: string[];
      steps: number;
    }
  | {
      type: "step-started";
      runId: string;
      index: number;
      kind: StepKind;
      node: string | null;
      description: string;
      commands: string[];
      pods: string[];
    }
  | {
      type: "step-finished";
      runId: string;
      index: number;
      kind: StepKind;
      node: string | null;
      status: "ok" | "failed" | "skipped";
      durationMs: number;
      output: string[];
      error: string | null;
    }
  | {
      type: "node-finished";
      runId: string;
      node: string;
      status: "healed" | "failed" | "rolled-back" | "stopped";
    }
  | { type: "rolled-back"; runId: string; rollback: RollbackRecord }
  | {
      type: "run-finished";
      runId: string;
      status: "succeeded" | "failed" | "rolled-back" | "stopped" | "dry-run";
      message: string;
      verification: VerificationResult | null;
    };

export interface ProgressReporter {
  report(event: RunEvent): void | Promise<void>;
}

/** Progress is best effort: a reporter that fails must not break a repair half-way (the journal and log have it). */
export async function reportSafely(reporter: ProgressReporter, event: RunEvent): Promise<void> {
  try {
    await reporter.report(event);
  } catch {
    // Swallowed on purpose; see above.
  }
}

export function runStartedEvent(r: RunRecord, dryRun: boolean): RunEvent {
  return {
    type: "run-started",
    runId: r.id,
    cluster: r.cluster,
    digest: r.plan.digest,
    dryRun,
    requestedBy: actorName(r.requestedBy),
    approvedBy: r.approvals.map((a) => actorName(a.actor)),
    steps: r.plan.steps.length,
  };
}

export function stepStartedEvent(runId: string, index: number, step: PlanStep): RunEvent {
  return {
    type: "step-started",
    runId,
    index,
    kind: step.kind,
    node: step.node ?? null,
    description: step.description,
    commands: step.commands ?? [],
    pods: step.pods ?? [],
  };
}

export function summarizeRun(r: RunRecord): RunSummary {
  const last = [...r.steps].reverse()[0];
  return {
    id: r.id,
    state: r.state,
    digest: r.plan.digest,
    cluster: r.cluster.context,
    nodes: r.plan.blastRadius.nodes,
    requestedBy: actorName(r.requestedBy),
    approvedBy: r.approvals.map((a) => actorName(a.actor)),
    requestedAt: r.requestedAt,
    expiresAt: r.expiresAt,
    startedAt: r.execution?.startedAt ?? null,
    finishedAt: r.execution?.finishedAt ?? null,
    lastStep: last
      ? `${last.index + 1}. ${last.kind}${last.node ? ` on ${last.node}` : ""} (${last.status})`
      : null,
    outcome: r.outcome,
    backups: r.plan.steps.flatMap((s) =>
      s.kind === "quarantine-cni-config" && s.node && s.quarantine
        ? [{ node: s.node, dir: s.quarantine.backupDir }]
        : [],
    ),
    origin: r.origin ?? null,
    ...leftMoved(r),
  };
}

export function actorName(a: Actor): string {
  const who = a.displayName ? `${a.displayName} (${a.id})` : a.id;
  return `${who} via ${a.via}`;
}
