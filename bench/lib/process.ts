/**
 * Runs a command as a child process and times it, sampling its /proc/<pid>/status for the high-water mark of its
 * resident set (VmHWM), so memory is the child's own and not the benchmark harness's or the simulator's.
 */
import { spawn } from "node:child_process";
import { readFile } from "node:fs/promises";

export interface ProcessRun {
  wallMs: number;
  /** Peak resident set size in bytes (VmHWM, last sample before exit); 0 if never sampled. */
  peakRssBytes: number;
  /**
   * CPU time (user + system, all threads) in ms from /proc/<pid>/stat, last sample before exit: up to one sampling
   * interval short, in 10 ms clock ticks. Steadier than wall time when other work shares the machine.
   */
  cpuMs: number;
  exitCode: number | null;
  stdout: string;
  stdoutBytes: number;
  stderr: string;
}

export interface RunOptions {
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  /** Keep stdout in memory (for JSON results); otherwise only count its bytes. */
  captureStdout?: boolean;
  timeoutMs?: number;
  sampleEveryMs?: number;
  /** Called with each complete stdout line as it arrives (progress marks from the child). */
  onStdoutLine?: (line: string) => void;
}

export async function runTimed(
  command: string,
  args: string[],
  options: RunOptions = {},
): Promise<ProcessRun> {
  const started = performance.now();
  const child = spawn(command, args, {
    env: options.env ?? process.env,
    cwd: options.cwd,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let peak = 0;
  let cpuMs = 0;
  const sample = async () => {
    if (child.pid === undefined) return;
    try {
      const [status, stat] = await Promise.all([
        readFile(`/proc/${child.pid}/status`, "utf8"),
        readFile(`/proc/${child.pid}/stat`, "utf8"),
      ]);
      const m = /VmHWM:\s+(\d+) kB/.exec(status);
      if (m) peak = Math.max(peak, Number(m[1]) * 1024);
      // Fields 14 and 15 (utime, stime), counted after the command name, which may contain spaces.
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      const ticks = Number(fields[11]) + Number(fields[12]);
      if (Number.isFinite(ticks)) cpuMs = Math.max(cpuMs, ticks * 10);
    } catch {
      // The process may have exited between samples.
    }
  };
  const sampler = setInterval(() => void sample(), options.sampleEveryMs ?? 10);
  const out: Buffer[] = [];
  let stdoutBytes = 0;
  let stderr = "";
  let partial = "";
  child.stdout.on("data", (chunk: Buffer) => {
    stdoutBytes += chunk.length;
    if (options.captureStdout) out.push(chunk);
    if (options.onStdoutLine) {
      const lines = (partial + chunk.toString("utf8")).split("\n");
      partial = lines.pop() ?? "";
      for (const line of lines) options.onStdoutLine(line);
    }
  });
  child.stderr.on("data", (chunk: Buffer) => {
    if (stderr.length < 64 * 1024) stderr += chunk.toString("utf8");
  });
  const timer = setTimeout(() => child.kill("SIGKILL"), options.timeoutMs ?? 300_000);
  const exitCode = await new Promise<number | null>((resolve, reject) => {
    child.on("error", reject);
    child.on("exit", (code) => resolve(code));
  });
  const wallMs = performance.now() - started;
  clearInterval(sampler);
  clearTimeout(timer);
  return {
    wallMs,
    peakRssBytes: peak,
    cpuMs,
    exitCode,
    stdout: Buffer.concat(out).toString("utf8"),
    stdoutBytes,
    stderr,
  };
}
