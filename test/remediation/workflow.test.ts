/** The workflow's decisions, with the diagnosis and remediation services as recording fakes (no cluster, no I/O). */
import { describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/diagnosis.ts";
import type {
  Actor,
  ApprovalOutcome,
  Plan,
  ProgressReporter,
  ProposedRun,
  RunResult,
  RunSummary,
} from "../../src/remediation/index.ts";
import { type PlanningRemediation, RemediationWorkflow } from "../../src/remediation/workflow.ts";

const alice: Actor = { id: "U_ALICE", via: "slack" };
const run = { id: "run-1" } as RunSummary;

const diagnosisWith = (fields: Partial<Diagnosis>): Diagnosis =>
  ({ healthy: false, errors: [], findings: [], ...fields }) as Diagnosis;
const planWith = (fields: Partial<Plan>): Plan =>
  ({ nothingToDo: false, manualActions: [], steps: [], ...fields }) as Plan;

function fakes(
  options: { plan?: Plan; policyViolations?: string[]; approval?: ApprovalOutcome; result?: RunResult } = {},
) {
  const calls: string[] = [];
  const reporters: ProgressReporter[] = [];
  const plan = options.plan ?? planWith({});
  const remediation: PlanningRemediation = {
    plan: async () => {
      calls.push("plan");
      return plan;
    },
    propose: async (_diagnosis, opts): Promise<ProposedRun> => {
      calls.push(`propose by ${opts.requestedBy.id}`);
      return { run, plan, policyViolations: options.policyViolations ?? [], expiresAt: "", quorum: 1 };
    },
    approve: async (runId, approver) => {
      calls.push(`approve ${runId} by ${approver.id}`);
      return options.approval ?? { status: "approved", run, approvals: 1, quorum: 1, message: "approved" };
    },
    reject: async (runId) => {
      calls.push(`reject ${runId}`);
      return { status: "rejected", run, message: "rejected" };
    },
    execute: async (runId, reporter, opts) => {
      calls.push(`execute ${runId}${opts.dryRun ? " (dry run)" : ""}`);
      reporters.push(reporter);
      return options.result ?? { status: "dry-run", runId, message: "", plan };
    },
  };
  const workflow = new RemediationWorkflow({
    diagnose: async (scope) => {
      calls.push(`diagnose ${JSON.stringify(scope)}`);
      return diagnosisWith({});
    },
    remediation,
    progress: async (approved) => {
      calls.push(`progress for ${approved.run.id}`);
      return { report: () => undefined };
    },
  });
  return { workflow, calls, reporters };
}

const succeeded: RunResult = {
  status: "succeeded",
  runId: "run-1",
  message: "healed",
  steps: [],
  rollbacks: [],
  verification: null,
};

describe("RemediationWorkflow", () => {
  it("diagnoses the scope it is given, the whole cluster by default", async () => {
    const { workflow, calls } = fakes();
    await workflow.diagnose({ node: "worker2" });
    await workflow.diagnose();
    expect(calls).toEqual(['diagnose {"node":"worker2"}', "diagnose {}"]);
  });

  it("asks for a plan only when the diagnosis is not healthy", () => {
    const { workflow } = fakes();
    expect(workflow.needsFix(diagnosisWith({ healthy: true }))).toBe(false);
    expect(workflow.needsFix(diagnosisWith({ healthy: false }))).toBe(true);
  });

  it("says why a preview has nothing to run: a partial diagnosis first, then manual actions, else healed", async () => {
    const partial = diagnosisWith({
      errors: [{ operation: "list pods", message: "timeout" }] as Diagnosis["errors"],
    });
    const manual = planWith({ nothingToDo: true, manualActions: [{}] as Plan["manualActions"] });
    const nothing = planWith({ nothingToDo: true });
    const verdicts = [
      await fakes({ plan: manual }).workflow.preview(partial),
      await fakes({ plan: manual }).workflow.preview(diagnosisWith({})),
      await fakes({ plan: nothing }).workflow.preview(diagnosisWith({})),
    ].map((p) => (p.kind === "nothing-to-do" ? p.verdict : p.kind));
    expect(verdicts).toEqual(["incomplete", "needs-human", "healed"]);
    expect((await fakes().workflow.preview(diagnosisWith({}))).kind).toBe("changes");
  });

  it("marks a proposal the policy forbids, or one with no automatic step, as not approvable", async () => {
    const verdict = async (options: Parameters<typeof fakes>[0]) =>
      (await fakes(options).workflow.propose(diagnosisWith({}), { requestedBy: alice })).verdict;
    expect(await verdict({})).toBe("approvable");
    expect(await verdict({ policyViolations: ["control-plane node"] })).toBe("policy-refused");
    expect(await verdict({ plan: planWith({ nothingToDo: true }) })).toBe("nothing-to-do");
  });

  it("runs when an approval completes the quorum, with the reporter made for it", async () => {
    const { workflow, calls } = fakes({ result: succeeded });
    const step = await workflow.approve("run-1", alice);
    expect(step).toMatchObject({ kind: "ran", result: { status: "succeeded" }, replan: false });
    expect(calls).toEqual(["approve run-1 by U_ALICE", "progress for run-1", "execute run-1"]);
  });

  it("neither makes a reporter nor runs while approvals are missing or refused", async () => {
    for (const approval of [
      { status: "recorded", run, approvals: 1, quorum: 2, message: "1 of 2" },
      { status: "already-approved", run, approvals: 1, quorum: 2, message: "again" },
      { status: "refused", reason: "self-approval", run, message: "not your own" },
    ] satisfies ApprovalOutcome[]) {
      const { workflow, calls } = fakes({ approval });
      expect(await workflow.approve("run-1", alice)).toEqual({ kind: "not-approved", approval });
      expect(calls).toEqual(["approve run-1 by U_ALICE"]);
    }
  });

  it("asks for a fresh plan when the run was refused for drift, and only then", async () => {
    const refused = (reason: "drift" | "paused"): RunResult => ({
      status: "refused",
      runId: "run-1",
      reason,
      message: reason,
    });
    const drift = await fakes({ result: refused("drift") }).workflow.approve("run-1", alice);
    const paused = await fakes({ result: refused("paused") }).workflow.approve("run-1", alice);
    expect(drift).toMatchObject({ kind: "ran", replan: true });
    expect(paused).toMatchObject({ kind: "ran", replan: false });
  });

  it("dry-runs without a progress reporter of the front end's, and rejects through the service", async () => {
    const { workflow, calls } = fakes();
    expect((await workflow.dryRun("run-1")).status).toBe("dry-run");
    expect((await workflow.reject("run-1", alice)).status).toBe("rejected");
    expect(calls).toEqual(["execute run-1 (dry run)", "reject run-1"]);
  });
});
