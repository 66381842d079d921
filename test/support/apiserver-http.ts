import { request } from "node:https";

/** Raw HTTPS calls to the simulated API server, for what client libraries hide (bodies of 401s, headers, streams). */
export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  // biome-ignore lint/suspicious/noExplicitAny: parsed JSON of any shape
  json(): any;
}

export interface RawRequest {
  method?: string;
  token?: string | undefined;
  accept?: string;
  contentType?: string;
  body?: unknown;
}

export function rawRequest(
  baseUrl: string,
  ca: string,
  path: string,
  opts: RawRequest = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const headers: Record<string, string> = {};
    if (opts.token) headers.Authorization = `Bearer ${opts.token}`;
    if (opts.accept) headers.Accept = opts.accept;
    const payload = opts.body === undefined ? undefined : JSON.stringify(opts.body);
    if (payload !== undefined) {
      headers["Content-Type"] = opts.contentType ?? "application/json";
      // Node sends DELETE bodies without chunking, so the length must be explicit.
      headers["Content-Length"] = String(Buffer.byteLength(payload));
    }
    const req = request(
      `${baseUrl}${path}`,
      { method: opts.method ?? "GET", ca, headers, timeout: 30_000 },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => {
          const text = Buffer.concat(chunks).toString("utf8");
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: () => JSON.parse(text) });
        });
        res.on("error", reject);
      },
    );
    req.on("error", reject);
    req.end(payload);
  });
}

/** Opens a watch and collects its newline-delimited events until the server ends the stream or `stop` is called. */
export function rawWatch(
  baseUrl: string,
  ca: string,
  path: string,
  token: string,
  onEvent?: (event: { type: string; object: Record<string, unknown> }) => void,
  accept?: string,
): {
  events: { type: string; object: Record<string, unknown> }[];
  ended: Promise<"ended" | "dropped">;
  stop(): void;
} {
  const events: { type: string; object: Record<string, unknown> }[] = [];
  let stopFn = () => {};
  const ended = new Promise<"ended" | "dropped">((resolve, reject) => {
    const headers: Record<string, string> = { Authorization: `Bearer ${token}` };
    if (accept) headers.Accept = accept;
    const req = request(`${baseUrl}${path}`, { ca, headers }, (res) => {
      let buffered = "";
      res.setEncoding("utf8");
      res.on("data", (chunk: string) => {
        buffered += chunk;
        let nl = buffered.indexOf("\n");
        while (nl >= 0) {
          const line = buffered.slice(0, nl);
          buffered = buffered.slice(nl + 1);
          if (line.trim()) {
            const event = JSON.parse(line);
            events.push(event);
            onEvent?.(event);
          }
          nl = buffered.indexOf("\n");
        }
      });
      res.on("end", () => resolve("ended"));
      res.on("aborted", () => resolve("dropped"));
      res.on("error", () => resolve("dropped"));
      res.on("close", () => resolve(res.complete ? "ended" : "dropped"));
    });
    req.on("error", (e) => (stopped ? resolve("ended") : reject(e)));
    let stopped = false;
    stopFn = () => {
      stopped = true;
      req.destroy();
      resolve("ended");
    };
    req.end();
  });
  return { events, ended, stop: () => stopFn() };
}
