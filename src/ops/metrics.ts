/**
 * Prometheus metrics for one bot: its own prom-client Registry (never the global one), so two bots in one process —
 * tests, the demo — count separately. The bot's modules never import this: they take an OpsMetrics sink, and the
 * wiring (src/slack/start.ts) wraps the seams — Slack Web API, Kubernetes reader and writer, SSH, the remediation
 * port and the bot's diagnoses — to feed it.
 */
import { Counter, collectDefaultMetrics, Histogram, Registry } from "prom-client";
import type { Diagnosis } from "../diagnosis/index.ts";

export type DiagnosisOutcome = "healthy" | "findings" | "incomplete" | "error";
export type RemediationOutcome = "succeeded" | "failed" | "rolled-back" | "refused" | "stopped";

/** What the bot reports; the Prometheus side is BotMetrics, tests may pass their own. */
export interface OpsMetrics {
  diagnosis(outcome: DiagnosisOutcome): void;
  remediation(outcome: RemediationOutcome): void;
  stepFinished(kind: string, durationMs: number): void;
  slackApiError(method: string, error: string): void;
  kubeApiError(failure: string): void;
  sshError(kind: string): void;
}

/** A diagnosis that ran: healthy only when complete and clean; findings win over gaps, as the CLI's exit codes do. */
export function diagnosisOutcome(diagnosis: Diagnosis): DiagnosisOutcome {
  if (diagnosis.findings.length > 0) return "findings";
  if (diagnosis.errors.length > 0) return "incomplete";
  return diagnosis.healthy ? "healthy" : "incomplete";
}

/** Label values come from other systems' error strings; anything not a short identifier is folded into "other". */
function boundedLabel(value: string): string {
  return /^[a-z0-9_.-]{1,64}$/i.test(value) ? value : "other";
}

export class BotMetrics implements OpsMetrics {
  readonly registry = new Registry();
  readonly #diagnoses: Counter<"outcome">;
  readonly #remediations: Counter<"outcome">;
  readonly #stepDuration: Histogram<"kind">;
  readonly #slackErrors: Counter<"method" | "error">;
  readonly #kubeErrors: Counter<"failure">;
  readonly #sshErrors: Counter<"kind">;

  constructor() {
    const registers = [this.registry];
    // Standard process_* and nodejs_* names, so stock dashboards work. They include event-loop delay from
    // perf_hooks.monitorEventLoopDelay: nodejs_eventloop_lag_{p50,p90,p99,min,max,mean,stddev}_seconds, over the time
    // since the previous scrape (prom-client resets the histogram on each collect). That is the event-loop gauge the
    // ack-latency goal is watched with, so there is no cni_doctor_* duplicate of it.
    collectDefaultMetrics({ register: this.registry });
    this.#diagnoses = new Counter({
      name: "cni_doctor_diagnoses_total",
      help: "Diagnoses asked for in Slack, by outcome (healthy, findings, incomplete, error).",
      labelNames: ["outcome"],
      registers,
    });
    this.#remediations = new Counter({
      name: "cni_doctor_remediations_total",
      help: "Remediation runs that were asked to start, by outcome (succeeded, failed, rolled-back, refused, stopped).",
      labelNames: ["outcome"],
      registers,
    });
    this.#stepDuration = new Histogram({
      name: "cni_doctor_remediation_step_duration_seconds",
      help: "Duration of finished remediation steps, by step kind.",
      labelNames: ["kind"],
      // Node-file steps take well under a second; agent restarts and pod recycling take tens of seconds to minutes.
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300],
      registers,
    });
    this.#slackErrors = new Counter({
      name: "cni_doctor_slack_api_errors_total",
      help: "Failed Slack Web API calls (each attempt, including rate-limited ones), by method and Slack error.",
      labelNames: ["method", "error"],
      registers,
    });
    this.#kubeErrors = new Counter({
      name: "cni_doctor_kube_api_errors_total",
      help: "Failed Kubernetes API calls, by failure kind (unauthorized, forbidden, timeout, unreachable, ...).",
      labelNames: ["failure"],
      registers,
    });
    this.#sshErrors = new Counter({
      name: "cni_doctor_ssh_errors_total",
      help: "Failed node commands over SSH, by NodeAccessError kind.",
      labelNames: ["kind"],
      registers,
    });
    // Every series with a known label set starts at 0, so rate() and alerts work before the first event.
    for (const o of ["healthy", "findings", "incomplete", "error"]) this.#diagnoses.inc({ outcome: o }, 0);
    for (const o of ["succeeded", "failed", "rolled-back", "refused", "stopped"])
      this.#remediations.inc({ outcome: o }, 0);
  }

  diagnosis(outcome: DiagnosisOutcome): void {
    this.#diagnoses.inc({ outcome });
  }

  remediation(outcome: RemediationOutcome): void {
    this.#remediations.inc({ outcome });
  }

  stepFinished(kind: string, durationMs: number): void {
    this.#stepDuration.observe({ kind: boundedLabel(kind) }, durationMs / 1000);
  }

  slackApiError(method: string, error: string): void {
    this.#slackErrors.inc({ method: boundedLabel(method), error: boundedLabel(error) });
  }

  kubeApiError(failure: string): void {
    this.#kubeErrors.inc({ failure: boundedLabel(failure) });
  }

  sshError(kind: string): void {
    this.#sshErrors.inc({ kind: boundedLabel(kind) });
  }

  /** The exposition text and its content type, for GET /metrics. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
