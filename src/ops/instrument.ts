/**
 * Metrics and readiness fed from the seams, without the wrapped modules knowing: a Kubernetes reader or writer whose
 * calls are observed, and a remediation port whose run outcomes and step durations are counted. The wrapped objects
 * behave exactly as before — same results, same errors.
 */
import { KubeAccessError } from "../kube/errors.ts";
import type { ProgressReporter, RunEvent } from "../remediation/run.ts";
import type { RemediationPort } from "../slack/remediation-port.ts";
import type { OpsMetrics } from "./metrics.ts";

export interface KubeCallObserver {
  /** The API server answered (a success, or an HTTP error status). */
  answered(): void;
  failed(failure: string): void;
}

/**
 * Observes every async method of a ClusterReader or ClusterWriter. A KubeAccessError carrying an HTTP status still
 * proves the API server is there; one without (timeout, unreachable) does not.
 */
export function observeKubeCalls<T extends object>(target: T, observer: KubeCallObserver): T {
  return new Proxy(target, {
    get(obj, prop) {
      const value = Reflect.get(obj, prop, obj) as unknown;
      if (typeof value !== "function") return value;
      return (...args: unknown[]) => {
        const result = (value as (...a: unknown[]) => unknown).apply(obj, args);
        if (!(result instanceof Promise)) return result;
        return result.then(
          (ok) => {
            observer.answered();
            return ok;
          },
          (err: unknown) => {
            if (err instanceof KubeAccessError) {
              observer.failed(err.failure);
              if (err.status !== undefined) observer.answered();
            }
            throw err;
          },
        );
      };
    },
  });
}

/** Counts each run's outcome (dry runs are not remediations) and the duration of every step that finished. */
export function instrumentRemediation(
  port: RemediationPort,
  metrics: Pick<OpsMetrics, "remediation" | "stepFinished">,
): RemediationPort {
  return {
    ...port,
    async execute(runId, reporter, options) {
      if (options.dryRun) return port.execute(runId, reporter, options);
      const timed: ProgressReporter = {
        report(event: RunEvent) {
          if (event.type === "step-finished" && event.status !== "skipped")
            metrics.stepFinished(event.kind, event.durationMs);
          return reporter.report(event);
        },
      };
      try {
        const result = await port.execute(runId, timed, options);
        if (result.status !== "dry-run") metrics.remediation(result.status);
        return result;
      } catch (err) {
        metrics.remediation("failed");
        throw err;
      }
    },
  };
}
