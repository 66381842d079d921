/**
 * The remediation workflow every front end drives: diagnose → plan → propose → approve → run. The terminal (`fix`)
 * and Slack (a thread, buttons) take different paths through it at different times, but the decisions are made here
 * once: whether a diagnosis needs a fix, whether a plan has anything to approve, when an approval starts the run, and
 * when a refused run needs a fresh plan. Front ends parse, render and ask; they never repeat these rules.
 *
 * Its collaborators come in as arguments: the diagnosis service (one diagnosis of a scope, with whatever node access
 * the front end opened), the remediation service (the approval gate and the runner), and the progress reporter the
 * run reports to, made only when a run is about to start (Slack's reporter posts a progress message).
 */
import type { Diagnosis } from "../diagnosis/diagnosis.ts";
import type { DiagnoseOptions } from "../diagnosis/service.ts";
import type { Plan } from "./plan.ts";
import type {
  Actor,
  ApprovalOutcome,
  ProgressReporter,
  ProposedRun,
  RejectOutcome,
  RunOrigin,
  RunResult,
} from "./run.ts";

export type DiagnosisScope = NonNullable<DiagnoseOptions["scope"]>;

/** The diagnosis service as the workflow uses it: one diagnosis of a scope. */
export type DiagnoseScope = (scope: DiagnosisScope) => Promise<Diagnosis>;

/** The RemediationService calls the workflow makes (the Slack bot's RemediationPort is one of these too). */
export interface WorkflowRemediation {
  propose(
    diagnosis: Diagnosis,
    options: { requestedBy: Actor; includeBarePods?: boolean; origin?: RunOrigin },
  ): Promise<ProposedRun>;
  approve(runId: string, approver: Actor): Promise<ApprovalOutcome>;
  reject(runId: string, by: Actor): Promise<RejectOutcome>;
  execute(runId: string, reporter: ProgressReporter, options: { dryRun: boolean }): Promise<RunResult>;
}

/** A preview needs the plan alone, without a journal entry (the terminal's dry run and "nothing to fix"). */
export interface PlanningRemediation extends WorkflowRemediation {
  plan(diagnosis: Diagnosis, options: { includeBarePods?: boolean }): Promise<Plan>;
}

export interface WorkflowCollaborators<R extends WorkflowRemediation = WorkflowRemediation> {
  diagnose: DiagnoseScope;
  remediation: R;
  /** The reporter for a run that is about to start (called once per run, only after its approval completed). */
  progress: (approved: Extract<ApprovalOutcome, { status: "approved" }>) => Promise<ProgressReporter>;
}

/** A plan looked at before anything is journaled. */
export type PlanPreview =
  | {
      kind: "nothing-to-do";
      plan: Plan;
      /** healed: nothing is wrong; needs-human: only manual actions are left; incomplete: the diagnosis was partial. */
      verdict: "healed" | "needs-human" | "incomplete";
    }
  | { kind: "changes"; plan: Plan };

/** A proposed run and whether anyone can approve it. */
export interface Proposal {
  proposed: ProposedRun;
  /** approvable: awaiting approvals; policy-refused: the policy forbids this plan; nothing-to-do: no automatic step. */
  verdict: "approvable" | "policy-refused" | "nothing-to-do";
}

/** What an approval led to. */
export type ApprovalStep =
  | { kind: "not-approved"; approval: Exclude<ApprovalOutcome, { status: "approved" }> }
  | {
      kind: "ran";
      approval: Extract<ApprovalOutcome, { status: "approved" }>;
      result: RunResult;
      /** The cluster changed since the plan was made: a fresh diagnosis and a new proposal are due. */
      replan: boolean;
    };

export class RemediationWorkflow<R extends WorkflowRemediation = WorkflowRemediation> {
  readonly #deps: WorkflowCollaborators<R>;

  constructor(collaborators: WorkflowCollaborators<R>) {
    this.#deps = collaborators;
  }

  diagnose(scope: DiagnosisScope = {}): Promise<Diagnosis> {
    return this.#deps.diagnose(scope);
  }

  /**
   * Whether a diagnosis calls for a proposal at all: a healthy cluster gets none. A proposal whose plan has only
   * manual actions is still made, so a thread shows them under the plan; `preview` is for a front end that journals
   * nothing unless a step would run (the terminal).
   */
  needsFix(diagnosis: Diagnosis): boolean {
    return !diagnosis.healthy;
  }

  /** The plan a diagnosis calls for, with nothing journaled: what a dry run prints, or why nothing will run. */
  async preview(
    this: RemediationWorkflow<PlanningRemediation>,
    diagnosis: Diagnosis,
    options: { includeBarePods?: boolean } = {},
  ): Promise<PlanPreview> {
    const plan = await this.#deps.remediation.plan(diagnosis, options);
    if (!plan.nothingToDo) return { kind: "changes", plan };
    const verdict =
      diagnosis.errors.length > 0 ? "incomplete" : plan.manualActions.length > 0 ? "needs-human" : "healed";
    return { kind: "nothing-to-do", plan, verdict };
  }

  /** A run in the journal for this diagnosis, pending approval unless the policy or the plan rules it out. */
  async propose(
    diagnosis: Diagnosis,
    options: { requestedBy: Actor; includeBarePods?: boolean; origin?: RunOrigin },
  ): Promise<Proposal> {
    const proposed = await this.#deps.remediation.propose(diagnosis, options);
    const verdict =
      proposed.policyViolations.length > 0
        ? "policy-refused"
        : proposed.plan.nothingToDo
          ? "nothing-to-do"
          : "approvable";
    return { proposed, verdict };
  }

  /** One approval; the one that completes the quorum starts the run at once, reporting to a fresh reporter. */
  async approve(runId: string, approver: Actor): Promise<ApprovalStep> {
    const approval = await this.#deps.remediation.approve(runId, approver);
    if (approval.status !== "approved") return { kind: "not-approved", approval };
    const reporter = await this.#deps.progress(approval);
    const result = await this.#deps.remediation.execute(runId, reporter, { dryRun: false });
    return {
      kind: "ran",
      approval,
      result,
      replan: result.status === "refused" && result.reason === "drift",
    };
  }

  reject(runId: string, by: Actor): Promise<RejectOutcome> {
    return this.#deps.remediation.reject(runId, by);
  }

  /** What a run would do, command by command, changing nothing (no progress to report). */
  dryRun(runId: string): Promise<RunResult> {
    return this.#deps.remediation.execute(runId, { report: () => undefined }, { dryRun: true });
  }
}
