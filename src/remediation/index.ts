/** Public surface of remediation: what the CLI and the Slack bot call. */
export { approverKey, decideApproval, isListedApprover, ownApprovalRefusal } from "./approval-gate.ts";
export { NODE_EVENT_REASON, REDACTED_FIELDS } from "./audit.ts";
export { canonicalJson, digestOf } from "./digest.ts";
export { KILL_SWITCH_NAME } from "./kill-switch.ts";
export { LEASE_NAME } from "./lease.ts";
export { createAuditLogger, createLogger, REDACTED, SecretScrubber } from "./logger.ts";
export {
  type AgentDetail,
  DEFAULT_BACKUP_ROOT,
  type EvidenceBasis,
  type ExcludedPod,
  type ManualAction,
  type Plan,
  type PlanOptions,
  type PlanStep,
  planRemediation,
  type QuarantineDetail,
  type StepKind,
} from "./plan.ts";
export { isControlPlaneNode, policyViolations, type RemediationPolicy } from "./policy.ts";
export { type RestoreOutcome, restoreRefusal } from "./restore-run.ts";
export type {
  Actor,
  ApprovalOutcome,
  ApprovalRefusal,
  ExecutionRefusal,
  ProgressReporter,
  ProposedRun,
  RejectOutcome,
  RollbackRecord,
  RunEvent,
  RunOrigin,
  RunRecord,
  RunResult,
  RunState,
  RunSummary,
  StepRecord,
  VerificationResult,
} from "./run.ts";
export { RemediationRefused, RemediationService, type RemediationServiceDeps } from "./service.ts";
