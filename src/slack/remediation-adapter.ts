/**
 * The RemediationService as the Slack bot's RemediationPort. The service decides everything; this only turns its
 * thrown refusals into answers the bot can show, and keeps `/cni pause|resume` to approvers (the rule for the
 * Slack command), using the service's own approver check.
 */
import type { Diagnosis } from "../diagnosis/index.ts";
import {
  type Actor,
  isListedApprover,
  type ProgressReporter,
  RemediationRefused,
  type RemediationService,
} from "../remediation/index.ts";
import type { RemediationPort, RunOrigin } from "./remediation-port.ts";

export function remediationPort(service: RemediationService): RemediationPort {
  const mustBeApprover = (by: Actor, what: string) => {
    if (!isListedApprover(by, service.policy.approvers)) {
      throw new RemediationRefused(
        `only approvers may ${what} remediation from Slack; ${by.id} is not in CNI_DOCTOR_APPROVERS`,
      );
    }
  };
  return {
    propose: (diagnosis: Diagnosis, options: { requestedBy: Actor; origin?: RunOrigin }) =>
      service.propose(diagnosis, options),
    approve: (runId, approver) => service.approve(runId, approver),
    reject: (runId, by) => service.reject(runId, by),
    execute: (runId, reporter: ProgressReporter, options) => service.execute(runId, reporter, options),
    stop: async (runId, by) => {
      try {
        await service.stop(runId, by);
        return { status: "requested", message: `Stop requested for run ${runId}.` };
      } catch (err) {
        if (err instanceof RemediationRefused) return { status: "refused", message: err.message };
        throw err;
      }
    },
    pause: async (by) => {
      mustBeApprover(by, "pause");
      await service.pause(by);
    },
    resume: async (by) => {
      mustBeApprover(by, "resume");
      await service.resume(by);
    },
    isPaused: () => service.isPaused(),
    recentRuns: () => service.recentRuns(),
    stopForShutdown: (reason) => service.stopForShutdown(reason),
  };
}
