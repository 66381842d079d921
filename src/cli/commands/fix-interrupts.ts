/**
 * What `fix` does on SIGINT, SIGTERM and SIGHUP (see src/ops/interrupt.ts for the three stages). Before a run starts
 * nothing has changed, so the first signal exits at once. Once an approved run is under way, the first signal asks
 * the runner to stop after the step in flight — the same stop `serve` makes on SIGTERM, which rolls a half-done node
 * back byte for byte and journals the run as stopped — and the run's own report then says what was restored.
 */
import { onTerminalInterrupts } from "../../ops/interrupt.ts";
import type { Plan, RunEvent } from "../../remediation/index.ts";
import type { CommandIO } from "../command.ts";

/** Exit status of a process ended by a signal before anything changed (128 + SIGINT, as shells report it). */
const INTERRUPTED_EXIT = 130;

type StepStarted = Extract<RunEvent, { type: "step-started" }>;

export class FixInterrupts {
  readonly #io: CommandIO;
  readonly #write: (text: string) => void;
  readonly #stop: (reason: string) => Promise<void>;
  #run: { id: string; plan: Plan | null } | null = null;
  #executing = false;
  #inFlight: StepStarted | null = null;
  #startedSteps: StepStarted[] = [];

  constructor(io: CommandIO, write: (text: string) => void, stop: (reason: string) => Promise<void>) {
    this.#io = io;
    this.#write = write;
    this.#stop = stop;
  }

  /** Listens until the returned function is called; a no-op when the command runs in-process (no signal source). */
  install(): () => void {
    const source = this.#io.signals;
    if (!source) return () => {};
    return onTerminalInterrupts(source, {
      first: (signal) => this.#first(signal),
      second: (signal) => this.#second(signal),
      third: (signal) => this.#third(signal),
    });
  }

  /** The run about to be approved and executed: from here on a signal stops it instead of exiting. */
  executing(runId: string, plan: Plan | null): void {
    this.#run = { id: runId, plan };
    this.#executing = true;
  }

  /** Follows the run's progress, to say what is in flight and which nodes' files may be moved. */
  track(e: RunEvent): void {
    if (e.type === "step-started") {
      this.#inFlight = e;
      this.#startedSteps.push(e);
    } else if (e.type === "step-finished" || e.type === "run-finished") this.#inFlight = null;
  }

  #first(signal: string): void {
    if (!this.#executing || !this.#run) {
      this.#write(`${signal}: stopped before any change; nothing was changed on the cluster.\n`);
      this.#exit();
      return;
    }
    this.#write(
      `${signal}: stopping run ${this.#run.id} after ${this.#describeInFlight()}; a node left half-done is restored byte for byte from its backup. A second signal says what is still running; a third forces exit.\n`,
    );
    this.#stop(`interrupted at the terminal (${signal})`).catch((err: Error) =>
      this.#write(`Could not journal the stop (${err.message}); the run still stops after this step.\n`),
    );
  }

  #second(signal: string): void {
    const id = this.#run?.id ?? "?";
    this.#write(
      `${signal}: still in flight: run ${id}, ${this.#describeInFlight()}. Waiting for it to finish or roll back; one more signal forces exit and leaves the node as it is.\n`,
    );
  }

  #third(signal: string): void {
    const id = this.#run?.id ?? "?";
    const touched = new Set(this.#startedSteps.flatMap((s) => (s.node ? [s.node] : [])));
    const backups = (this.#run?.plan?.steps ?? []).flatMap((s) =>
      s.kind === "quarantine-cni-config" && s.node && s.quarantine && touched.has(s.node)
        ? [`${s.node}:${s.quarantine.backupDir}`]
        : [],
    );
    this.#write(
      `${signal}: forced exit during ${this.#describeInFlight()}. Run ${id} stays running in the journal until its lease lapses, then is reported as interrupted.${backups.length > 0 ? ` Moved files, if any, are in ${backups.join(", ")}; restore with: cni-doctor rollback ${id}` : " No node's files were moved."}\n`,
    );
    this.#exit();
  }

  #describeInFlight(): string {
    const s = this.#inFlight;
    if (!s) return "the step in flight (none right now: the run is between steps or writing its journal)";
    return `step ${s.index + 1}. ${s.kind}${s.node ? ` on ${s.node}` : ""}`;
  }

  #exit(): void {
    (this.#io.exit ?? ((code: number) => process.exit(code)))(INTERRUPTED_EXIT);
  }
}
