/**
 * Event-loop delay on /metrics: prom-client's default metrics already sample it with perf_hooks.monitorEventLoopDelay
 * (nodejs_eventloop_lag_{min,max,mean,stddev,p50,p90,p99}_seconds, the histogram reset on each scrape), so BotMetrics
 * adds no gauge of its own. This checks the series are there, once, and that a blocked loop shows up in them.
 */
import { describe, expect, it } from "vitest";
import { BotMetrics } from "../../src/ops/metrics.ts";

function value(body: string, name: string): number | undefined {
  const line = body.split("\n").find((l) => l.startsWith(`${name} `));
  return line === undefined ? undefined : Number(line.slice(name.length + 1));
}

describe("event-loop delay on /metrics", () => {
  it("exposes p50, p90 and p99 from monitorEventLoopDelay, once each", async () => {
    const { body } = await new BotMetrics().render();
    for (const q of ["p50", "p90", "p99"]) {
      const name = `nodejs_eventloop_lag_${q}_seconds`;
      expect(body.split("\n").filter((l) => l === `# TYPE ${name} gauge`)).toHaveLength(1);
      expect(Number.isFinite(value(body, name))).toBe(true);
    }
    expect(body).not.toContain("cni_doctor_event_loop");
  });

  it("a blocked loop raises the p99 above zero", async () => {
    const metrics = new BotMetrics();
    await metrics.render(); // resets the histogram
    const until = Date.now() + 60;
    while (Date.now() < until) {
      // block the loop on purpose
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
    const p99 = value((await metrics.render()).body, "nodejs_eventloop_lag_p99_seconds");
    expect(p99).toBeGreaterThan(0);
  });
});
