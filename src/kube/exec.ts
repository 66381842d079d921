/**
 * Runs one argv (no shell) in a pod's container through the `pods/exec` subresource, over client-node's WebSocket
 * Exec (it offers v5.channel.k8s.io, then v4). The exit status comes from channel 3, as the kubelet writes it
 * (k8s.io/kubelet/pkg/cri/streaming/remotecommand/websocket.go; staging/src/k8s.io/client-go/tools/remotecommand/
 * v4.go errorDecoderV4: a Failure Status with reason NonZeroExitCode carries the code in a cause of type ExitCode).
 *
 * Three endings are told apart, as the SSH transport does: the command exited (its code, whatever it is); the
 * exec was refused or failed before the command ran (PodExecError with what the server said); and the stream closed
 * without a status, when the command may or may not have run ("dropped": outcome unknown, never retried).
 */
import { Writable } from "node:stream";
import { Exec, type KubeConfig, type V1Status } from "@kubernetes/client-node";

export interface PodExecTarget {
  namespace: string;
  pod: string;
  container: string;
}

export interface PodExecOptions {
  timeoutMs: number;
  maxStdoutBytes: number;
  maxStderrBytes: number;
}

/** Same shape as the nodes' CommandResult, so node templates interpret it unchanged (exec reports no signal). */
export interface PodExecResult {
  stdout: Buffer;
  stderr: Buffer;
  stdoutTruncated: boolean;
  stderrTruncated: boolean;
  exitCode: number;
  signal: null;
  startedAtMs: number;
  finishedAtMs: number;
}

export type PodExecFailure =
  /** The API server refused the upgrade: 403 (RBAC), 404 (no such pod or container not running), 400... */
  | "refused"
  /** The kubelet answered with a Failure Status other than an exit code (e.g. executable not found). */
  | "failed"
  /** No exit status within the timeout; the stream was closed. */
  | "timeout"
  /** The stream closed without a status: the command may or may not have run. */
  | "dropped"
  /** The WebSocket could not be opened (network, TLS). Nothing ran. */
  | "unreachable";

export class PodExecError extends Error {
  override name = "PodExecError";
  readonly failure: PodExecFailure;
  /** The HTTP status of a refused upgrade, when there was one. */
  readonly httpStatus: number | undefined;
  constructor(failure: PodExecFailure, message: string, httpStatus?: number) {
    super(message);
    this.failure = failure;
    this.httpStatus = httpStatus;
  }
}

/** Keeps the first `limit` bytes of what is written and notes whether more arrived. */
class CappedSink extends Writable {
  readonly #limit: number;
  readonly #chunks: Buffer[] = [];
  #size = 0;
  truncated = false;

  constructor(limit: number) {
    super();
    this.#limit = limit;
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    const room = this.#limit - this.#size;
    if (chunk.length > room) this.truncated = true;
    if (room > 0) {
      const kept = chunk.length > room ? chunk.subarray(0, room) : chunk;
      this.#chunks.push(kept);
      this.#size += kept.length;
    }
    done();
  }

  toBuffer(): Buffer {
    return Buffer.concat(this.#chunks, this.#size);
  }
}

/** The exit code of a NonZeroExitCode Status, or undefined for any other Failure. */
function exitCodeOf(status: V1Status): number | undefined {
  if (status.reason !== "NonZeroExitCode") return undefined;
  const cause = status.details?.causes?.find((c) => c.reason === "ExitCode");
  const code = Number(cause?.message);
  return Number.isInteger(code) ? code : undefined;
}

/** `ws` rejects a refused upgrade with "Unexpected server response: 403"; the status code is all it keeps. */
function refusedStatus(err: unknown): number | undefined {
  const m = /Unexpected server response: (\d{3})/.exec((err as Error)?.message ?? "");
  return m === null ? undefined : Number(m[1]);
}

interface ClosableSocket {
  close(): void;
  on(event: "close", listener: () => void): unknown;
}

export function execInPod(
  kubeConfig: KubeConfig,
  target: PodExecTarget,
  argv: readonly string[],
  options: PodExecOptions,
): Promise<PodExecResult> {
  const where = `pod ${target.namespace}/${target.pod}`;
  const startedAtMs = Date.now();
  const stdout = new CappedSink(options.maxStdoutBytes);
  const stderr = new CappedSink(options.maxStderrBytes);
  return new Promise<PodExecResult>((resolve, reject) => {
    let settled = false;
    let socket: ClosableSocket | undefined;
    const settle = (outcome: { result: PodExecResult } | { error: PodExecError }) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket?.close();
      if ("error" in outcome) reject(outcome.error);
      else resolve(outcome.result);
    };
    const timer = setTimeout(
      () =>
        settle({
          error: new PodExecError(
            "timeout",
            `no exit status from ${where} within ${options.timeoutMs} ms; the exec stream was closed`,
          ),
        }),
      options.timeoutMs,
    );
    const onStatus = (status: V1Status) => {
      const code = status.status === "Success" ? 0 : exitCodeOf(status);
      if (code === undefined) {
        settle({
          error: new PodExecError("failed", `${where}: ${status.message ?? status.reason ?? "exec failed"}`),
        });
        return;
      }
      settle({
        result: {
          stdout: stdout.toBuffer(),
          stderr: stderr.toBuffer(),
          stdoutTruncated: stdout.truncated,
          stderrTruncated: stderr.truncated,
          exitCode: code,
          signal: null,
          startedAtMs,
          finishedAtMs: Date.now(),
        },
      });
    };
    new Exec(kubeConfig)
      .exec(target.namespace, target.pod, target.container, [...argv], stdout, stderr, null, false, onStatus)
      .then(
        (ws: ClosableSocket) => {
          socket = ws;
          if (settled) ws.close();
          // The status message arrives before the close frame; a close without one is a stream cut mid-command.
          ws.on("close", () =>
            settle({
              error: new PodExecError(
                "dropped",
                `the exec stream to ${where} closed without an exit status; the command may or may not have taken effect`,
              ),
            }),
          );
        },
        (err: unknown) => {
          const httpStatus = refusedStatus(err);
          settle({
            error:
              httpStatus === undefined
                ? new PodExecError(
                    "unreachable",
                    `cannot open the exec stream to ${where}: ${(err as Error)?.message ?? String(err)}`,
                  )
                : new PodExecError(
                    "refused",
                    `the API server refused exec into ${where} (HTTP ${httpStatus})`,
                    httpStatus,
                  ),
          });
        },
      );
  });
}
