/**
 * `cni-doctor check`: is this installation able to do its job? Each check is one line, passed or failed, and a failed
 * one says the fix in one line. Plain data: the CLI prints it, `serve` logs it and summarises it in /readyz, and
 * `/cni check` posts it.
 */

export const CHECK_AREAS = ["kubernetes", "permissions", "cni", "nodes", "slack", "clock"] as const;
export type CheckArea = (typeof CHECK_AREAS)[number];

export interface CheckLine {
  area: CheckArea;
  /** Stable, for automation: e.g. "api-server", "permission:list pods", "node-access:k8s-worker1". */
  id: string;
  /** "note": worth knowing, nothing to fix (e.g. Slack not configured); never fails the check. */
  status: "pass" | "fail" | "note";
  /** What was found, in one line. */
  summary: string;
  /** For a failure: what to do, in one line. */
  fix?: string;
}

export interface CheckReport {
  ok: boolean;
  checkedAt: string;
  cluster: { context: string; server: string; caFingerprint: string | null };
  lines: CheckLine[];
}

export const pass = (area: CheckArea, id: string, summary: string): CheckLine => ({
  area,
  id,
  status: "pass",
  summary,
});

export const fail = (area: CheckArea, id: string, summary: string, fix: string): CheckLine => ({
  area,
  id,
  status: "fail",
  summary,
  fix,
});

export const note = (area: CheckArea, id: string, summary: string): CheckLine => ({
  area,
  id,
  status: "note",
  summary,
});

export function buildReport(
  cluster: CheckReport["cluster"],
  lines: CheckLine[],
  now: Date = new Date(),
): CheckReport {
  return { ok: lines.every((l) => l.status !== "fail"), checkedAt: now.toISOString(), cluster, lines };
}

/** One line for logs and /readyz: "12 passed, 1 failed: permission:create pods/exec (…)". */
export function summariseReport(report: CheckReport): string {
  const failed = report.lines.filter((l) => l.status === "fail");
  const passed = report.lines.filter((l) => l.status === "pass").length;
  if (failed.length === 0) return `${passed} passed, none failed`;
  const shown = failed.slice(0, 3).map((l) => `${l.id} (${l.summary})`);
  const more = failed.length > 3 ? `; and ${failed.length - 3} more` : "";
  return `${passed} passed, ${failed.length} failed: ${shown.join("; ")}${more}`;
}

/** Terminal text: one line per check, ✓ / ✗ / ·, the fix under a failure. */
export function renderReportText(report: CheckReport): string {
  const out = [`cluster ${report.cluster.context} · ${report.cluster.server}`];
  for (const area of CHECK_AREAS) {
    const lines = report.lines.filter((l) => l.area === area);
    if (lines.length === 0) continue;
    out.push("", area);
    for (const l of lines) {
      const mark = l.status === "pass" ? "✓" : l.status === "fail" ? "✗" : "·";
      out.push(`  ${mark} ${l.summary}`);
      if (l.fix) out.push(`      fix: ${l.fix}`);
    }
  }
  out.push("", report.ok ? "All checks passed." : `Not ready: ${summariseReport(report)}`);
  return `${out.join("\n")}\n`;
}
