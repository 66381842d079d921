/**
 * A long-running child's own resource use, read from /proc (Linux): its resident set now (VmRSS) and at its peak
 * (VmHWM), and its CPU time (utime + stime). For a process that keeps running (the bot), where bench/lib/process.ts's
 * runTimed, which measures a command until it exits, does not fit.
 */
import { readFile } from "node:fs/promises";
import { percentile } from "./stats.ts";

export interface MemoryNow {
  rssBytes: number;
  /** The high-water mark of the resident set since the process started. */
  hwmBytes: number;
}

export async function memoryOf(pid: number): Promise<MemoryNow> {
  const status = await readFile(`/proc/${pid}/status`, "utf8");
  const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? Number.NaN);
  return { rssBytes: kb("VmRSS") * 1024, hwmBytes: kb("VmHWM") * 1024 };
}

/** utime + stime of a process, in ms (clock ticks are 100 Hz on Linux). */
export async function cpuMsOf(pid: number): Promise<number> {
  const stat = await readFile(`/proc/${pid}/stat`, "utf8");
  const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface ProcessWindow {
  wallMs: number;
  cpuMs: number;
  /** CPU time over wall time, in % of one core. */
  cpuPctOfCore: number;
  rssSamples: number;
  rssMedianBytes: number;
  rssMaxBytes: number;
  /** VmHWM at the window's end: the peak since the process started, not only within the window. */
  hwmBytes: number;
}

/** Samples a process's VmRSS every `everyMs` for `ms` and its CPU time at both ends. */
export async function observeProcess(pid: number, ms: number, everyMs = 100): Promise<ProcessWindow> {
  const rss: number[] = [];
  const cpuBefore = await cpuMsOf(pid);
  const started = performance.now();
  const until = started + ms;
  while (performance.now() < until) {
    rss.push((await memoryOf(pid)).rssBytes);
    await new Promise((r) => setTimeout(r, Math.min(everyMs, Math.max(0, until - performance.now()))));
  }
  const cpuMs = (await cpuMsOf(pid)) - cpuBefore;
  const wallMs = performance.now() - started;
  const sorted = rss.sort((a, b) => a - b);
  return {
    wallMs,
    cpuMs,
    cpuPctOfCore: (cpuMs / wallMs) * 100,
    rssSamples: sorted.length,
    rssMedianBytes: percentile(sorted, 50),
    rssMaxBytes: sorted[sorted.length - 1] ?? Number.NaN,
    hwmBytes: (await memoryOf(pid)).hwmBytes,
  };
}
