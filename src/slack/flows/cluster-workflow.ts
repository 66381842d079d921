/**
 * The remediation workflow as Slack drives it for one cluster: the diagnosis service reads the cluster and, for the
 * length of one diagnosis, its nodes (the shell is opened per job and closed after); the remediation service is the
 * cluster's RemediationPort.
 */
import type { Diagnosis } from "../../diagnosis/index.ts";
import { diagnoseCluster } from "../../diagnosis/index.ts";
import type { ProgressReporter } from "../../remediation/run.ts";
import {
  type DiagnoseScope,
  RemediationWorkflow,
  type WorkflowCollaborators,
} from "../../remediation/workflow.ts";
import type { ClusterHandle } from "../clusters.ts";
import type { RemediationPort } from "../remediation-port.ts";

/** The diagnosis service for one cluster. Without node access it diagnoses from the cluster side only. */
export function diagnosisOf(
  cluster: ClusterHandle,
  options: { concurrency?: number; onNodesUnreachable?: (err: Error) => Promise<void> } = {},
): DiagnoseScope {
  return async (scope): Promise<Diagnosis> => {
    const shell = await cluster.openNodeReader().catch(async (err: Error) => {
      await options.onNodesUnreachable?.(err);
      return null;
    });
    try {
      return await diagnoseCluster(cluster.reader, {
        scope,
        ...(options.concurrency ? { concurrency: options.concurrency } : {}),
        ...(shell ? { nodeReader: shell } : {}),
      });
    } finally {
      await shell?.close();
    }
  };
}

/** Only the approve flow starts runs; every other flow's workflow says so if asked to. */
const noRunFromThisFlow: WorkflowCollaborators["progress"] = async (approved): Promise<ProgressReporter> => {
  throw new Error(
    `run ${approved.run.id} was approved outside an approval click, so no thread reports its progress`,
  );
};

export function workflowFor(
  cluster: ClusterHandle,
  remediation: RemediationPort,
  options: {
    diagnose?: DiagnoseScope;
    progress?: WorkflowCollaborators["progress"];
  } = {},
): RemediationWorkflow<RemediationPort> {
  return new RemediationWorkflow({
    diagnose: options.diagnose ?? diagnosisOf(cluster),
    remediation,
    progress: options.progress ?? noRunFromThisFlow,
  });
}
