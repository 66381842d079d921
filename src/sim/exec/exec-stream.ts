/**
 * `pods/exec` as kube-apiserver and the kubelet serve it to a WebSocket client (kubectl 1.31+, client-node's Exec):
 * the remotecommand channel protocol, `v5.channel.k8s.io` or `v4.channel.k8s.io` (k8s.io/apimachinery
 * pkg/util/httpstream/wsstream/conn.go; k8s.io/apiserver pkg/util/proxy/streamtranslator and
 * kubernetes/kubernetes pkg/kubelet/cri/streaming/remotecommand/websocket.go). Each binary message starts with its
 * channel: 0 stdin, 1 stdout, 2 stderr, 3 error (one metav1.Status when the command ends), 4 resize; v5 adds 255, the
 * client's "this channel is closed". Older protocols (v1–v3, base64 text) and SPDY are not served: a client that offers
 * only those is refused at the handshake, as the real server refuses a protocol it does not speak.
 */
import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { WebSocketServer } from "ws";
import { ApiError, errors } from "../apiserver/status.ts";
import type { KubeObject } from "../objects.ts";

export const EXEC_PROTOCOLS = ["v5.channel.k8s.io", "v4.channel.k8s.io"] as const;

const STDOUT = 1;
const STDERR = 2;
const ERROR = 3;

/** What running the command came to. */
export type ExecResult =
  | { kind: "exited"; stdout: Buffer; stderr: Buffer; exitCode: number }
  /** The runtime could not start the process (no such executable, ...): an InternalError on the error channel. */
  | { kind: "not-started"; message: string };

export interface ExecTarget {
  pod: KubeObject;
  container: string;
  command: string[];
}

/** How a session may be cut short by a test's fault: before the command runs, or after it ran but before its status. */
export type ExecDrop = "before-running" | "after-running";

/**
 * The checks the API server and the kubelet make before a stream opens, with their texts:
 * kubernetes pkg/registry/core/pod/strategy.go (streamLocation: host assigned, container name), pkg/apis/core/validation
 * ValidatePodExecOptions (a command; at least one stream), and the kubelet's "container not found" for a container that
 * is not running.
 */
export function execTarget(pod: KubeObject, query: URLSearchParams): ExecTarget {
  const name = pod.metadata.name;
  const command = query.getAll("command");
  if (command.length === 0) throw errors.badRequest("you must specify at least 1 command");
  if (!["stdin", "stdout", "stderr"].some((s) => isTrue(query.get(s))))
    throw errors.badRequest("you must specify at least one of stdin, stdout, stderr");
  if (!pod.spec?.nodeName) throw errors.badRequest(`pod ${name} does not have a host assigned`);
  const containers: string[] = (pod.spec.containers ?? []).map((c: { name: string }) => c.name);
  let container = query.get("container") ?? "";
  if (container === "") {
    if (containers.length !== 1)
      throw errors.badRequest(
        `a container name must be specified for pod ${name}, choose one of: [${containers.join(" ")}]`,
      );
    container = containers[0] as string;
  }
  if (!containers.includes(container))
    throw errors.badRequest(`container ${container} is not valid for pod ${name}`);
  const status = (pod.status?.containerStatuses ?? []).find((c: { name: string }) => c.name === container);
  if (!status?.state?.running)
    throw new ApiError(404, "NotFound", `container not found ("${container}")`, {});
  return { pod, container, command };
}

/** The metav1.Status written on the error channel when the command ends (remotecommand/exec.go, httpstream.go). */
export function exitStatus(result: ExecResult): Record<string, unknown> {
  if (result.kind === "not-started") {
    return {
      metadata: {},
      status: "Failure",
      message: `Internal error occurred: error executing command in container: ${result.message}`,
      reason: "InternalError",
      details: { causes: [{ message: `error executing command in container: ${result.message}` }] },
      code: 500,
    };
  }
  if (result.exitCode === 0) return { metadata: {}, status: "Success" };
  return {
    metadata: {},
    status: "Failure",
    message: `command terminated with non-zero exit code: command terminated with exit code ${result.exitCode}`,
    reason: "NonZeroExitCode",
    details: { causes: [{ reason: "ExitCode", message: String(result.exitCode) }] },
  };
}

/** Picks the first channel protocol both sides speak, in the client's order; undefined when there is none. */
export function chooseProtocol(offered: Iterable<string>): string | undefined {
  for (const p of offered) if ((EXEC_PROTOCOLS as readonly string[]).includes(p)) return p;
  return undefined;
}

const server = new WebSocketServer({
  noServer: true,
  handleProtocols: (offered) => chooseProtocol(offered) ?? false,
});

/**
 * Completes the WebSocket handshake and runs the command: stdout and stderr as they were produced, then the Status on
 * the error channel, then a normal close. Input on stdin is read and ignored (no simulated program reads it).
 */
export function serveExec(
  req: IncomingMessage,
  socket: Duplex,
  head: Buffer,
  run: (signal: AbortSignal) => Promise<ExecResult>,
  drop?: ExecDrop,
): void {
  server.handleUpgrade(req, socket, head, (ws) => {
    const aborted = new AbortController();
    ws.on("close", () => aborted.abort());
    ws.on("message", () => {});
    if (drop === "before-running") {
      ws.terminate();
      return;
    }
    run(aborted.signal).then(
      (result) => {
        if (drop === "after-running") {
          ws.terminate();
          return;
        }
        if (result.kind === "exited") {
          if (result.stdout.length > 0) ws.send(framed(STDOUT, result.stdout));
          if (result.stderr.length > 0) ws.send(framed(STDERR, result.stderr));
        }
        ws.send(framed(ERROR, Buffer.from(JSON.stringify(exitStatus(result)))));
        ws.close(1000);
      },
      () => ws.terminate(),
    );
  });
}

/** Answers a refused upgrade on the raw socket with the API server's Status, as a plain HTTP response. */
export function refuseUpgrade(socket: Duplex, err: ApiError): void {
  const body = JSON.stringify(err.toStatus());
  socket.end(
    `HTTP/1.1 ${err.code} ${STATUS_TEXT[err.code] ?? "Error"}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}

const STATUS_TEXT: Record<number, string> = {
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  500: "Internal Server Error",
};

function framed(channel: number, data: Buffer): Buffer {
  return Buffer.concat([Buffer.from([channel]), data]);
}

function isTrue(v: string | null): boolean {
  return v === "1" || v === "true";
}
