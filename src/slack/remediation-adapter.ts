/**
 * The RemediationService as the Slack bot's RemediationPort. The service decides everything (who may pause and
 * resume included); this only turns its thrown refusals into answers the bot can show.
 */
import type { Diagnosis } from "../diagnosis/index.ts";
import type { ClusterReader } from "../kube/reader.ts";
import { lookForHalfDoneRuns } from "../remediation/half-done.ts";
import {
  type Actor,
  type ProgressReporter,
  RemediationRefused,
  type RemediationService,
} from "../remediation/index.ts";
import type { RequestClaims } from "../remediation/request-claims.ts";
import type { RemediationPort, RunOrigin } from "./remediation-port.ts";

/**
 * `reader` reads the journal for halfDoneRuns without the service, which would mark a dead runner's run; `claims`
 * remembers requests across replicas.
 */
export function remediationPort(
  service: RemediationService,
  parts: { reader: ClusterReader; claims: RequestClaims },
): RemediationPort {
  const { reader, claims } = parts;
  return {
    propose: (diagnosis: Diagnosis, options: { requestedBy: Actor; origin?: RunOrigin }) =>
      service.propose(diagnosis, options),
    plan: (diagnosis) => service.plan(diagnosis),
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
    pause: (by) => service.pause(by),
    resume: (by) => service.resume(by),
    isPaused: () => service.isPaused(),
    recentRuns: () => service.recentRuns(),
    halfDoneRuns: () => lookForHalfDoneRuns(reader, service.policy.namespace, new Date()),
    claimRequest: (requestId) => claims.claim(requestId),
    planOf: (runId) => service.planOf(runId),
    stopForShutdown: (reason) => service.stopForShutdown(reason),
  };
}
