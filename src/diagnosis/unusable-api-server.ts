/**
 * A diagnosis that read nothing because the API server could not be used (refused, TLS, timed out, 401, 403 on every
 * check) is reported as that one cause, by the terminal and by Slack alike, instead of one identical failure per check
 * under "Incomplete". Pure.
 */
import { type ApiServerFailure, apiServerFailure } from "../kube/errors.ts";
import type { Diagnosis } from "./model.ts";

/** Did any check return something? With nothing read, failures are the API server's, not the checks'. */
function readAnything(d: Diagnosis): boolean {
  const c = d.checked;
  return (
    c.nodes > 0 || c.pendingPods > 0 || c.sandboxEvents > 0 || c.cniAgents.length > 0 || d.findings.length > 0
  );
}

export function unusableApiServer(d: Diagnosis): ApiServerFailure | null {
  return apiServerFailure(d.errors, readAnything(d), d.cluster);
}
