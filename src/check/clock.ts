/** Clock skew between this host, the API server (its Date header) and a node: pure judgement of the readings. */
import { type CheckLine, fail, pass } from "./model.ts";

/**
 * Tokens and certificates are judged against clocks: a node whose clock is off by more than this may see tokens as
 * not yet valid or expired. The API server's Date header has one-second resolution, so it is compared with a second's
 * allowance on top.
 */
export const MAX_SKEW_MS = 5_000;

export interface ClockReadings {
  /** API server Date minus our midpoint, ms; undefined when not read. */
  apiServerOffsetMs: number | undefined;
  apiServerUncertaintyMs: number;
  /** Node clock minus ours at the midpoint, ms. */
  node?: { name: string; offsetMs: number; uncertaintyMs: number };
}

const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export function judgeClocks(r: ClockReadings): CheckLine[] {
  const lines: CheckLine[] = [];
  const fix = "run NTP (chrony, systemd-timesyncd) on this host, the control plane and the nodes";
  if (r.apiServerOffsetMs !== undefined) {
    const allowance = MAX_SKEW_MS + 1000 + r.apiServerUncertaintyMs;
    const text = `API server clock is ${seconds(Math.abs(r.apiServerOffsetMs))} ${r.apiServerOffsetMs >= 0 ? "ahead of" : "behind"} this host (Date header, ±1 s)`;
    lines.push(
      Math.abs(r.apiServerOffsetMs) > allowance
        ? fail("clock", "clock:api-server", text, fix)
        : pass("clock", "clock:api-server", text),
    );
  }
  if (r.node) {
    const allowance = MAX_SKEW_MS + r.node.uncertaintyMs;
    const text = `node ${r.node.name} clock is ${seconds(Math.abs(r.node.offsetMs))} ${r.node.offsetMs >= 0 ? "ahead of" : "behind"} this host`;
    lines.push(
      Math.abs(r.node.offsetMs) > allowance
        ? fail("clock", `clock:${r.node.name}`, text, fix)
        : pass("clock", `clock:${r.node.name}`, text),
    );
    if (r.apiServerOffsetMs !== undefined) {
      const between = r.node.offsetMs - r.apiServerOffsetMs;
      const t = `node ${r.node.name} and the API server differ by ${seconds(Math.abs(between))}`;
      const limit = MAX_SKEW_MS + 1000 + r.node.uncertaintyMs + r.apiServerUncertaintyMs;
      lines.push(
        Math.abs(between) > limit
          ? fail("clock", "clock:node-vs-api-server", t, fix)
          : pass("clock", "clock:node-vs-api-server", t),
      );
    }
  }
  return lines;
}
