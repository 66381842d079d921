/**
 * The "done when" of making the simulator as strict as kube-apiserver: `cni-doctor fix --yes` heals stale-cni-config
 * with every request passing through a validating proxy that shares no code with the simulator. The proxy re-checks
 * each write against the real server's rules on its own (MicroTime: exactly six fractional digits,
 * apimachinery pkg/apis/meta/v1/micro_time.go; Time: RFC 3339, time.go; names: DNS-1123 subdomains,
 * pkg/api/validate/content/dns.go; the four PATCH content types, apiserver endpoints/installer.go) and records any
 * write the simulator refused. A second opinion: if the simulator ever agreed with a product bug again, this would
 * still catch the shapes it knows.
 */

import { writeFile } from "node:fs/promises";
import { createServer, type IncomingMessage, type Server } from "node:http";
import { request as httpsRequest } from "node:https";
import { userInfo } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parse as parseYaml, stringify as toYaml } from "yaml";
import { runCli } from "../support/run-cli.ts";
import { type Harness, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const MICRO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{6}(Z|[+-]\d{2}:\d{2})$/;
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;
const MICRO_TIME_FIELDS = new Set(["acquireTime", "renewTime", "eventTime", "lastObservedTime"]);
const TIME_FIELDS = new Set(["firstTimestamp", "lastTimestamp", "creationTimestamp", "deletionTimestamp"]);
const SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
const PATCH_TYPES = new Set([
  "application/json-patch+json",
  "application/merge-patch+json",
  "application/strategic-merge-patch+json",
  "application/apply-patch+yaml",
]);

interface Observed {
  writes: { method: string; path: string; status: number }[];
  microTimes: string[];
  violations: string[];
}

function checkBody(method: string, path: string, body: unknown, seen: Observed): void {
  const walk = (v: unknown, at: string) => {
    if (Array.isArray(v)) {
      for (const [i, x] of v.entries()) walk(x, `${at}[${i}]`);
    } else if (v && typeof v === "object") {
      for (const [k, x] of Object.entries(v)) {
        const here = `${at}.${k}`;
        if (MICRO_TIME_FIELDS.has(k) && x !== null) {
          if (typeof x === "string" && MICRO_TIME.test(x)) seen.microTimes.push(x);
          else seen.violations.push(`${method} ${path}: ${here} = ${JSON.stringify(x)} is not a MicroTime`);
        } else if (TIME_FIELDS.has(k) && x !== null && !(typeof x === "string" && TIME.test(x))) {
          seen.violations.push(`${method} ${path}: ${here} = ${JSON.stringify(x)} is not a Time`);
        } else walk(x, here);
      }
    }
  };
  walk(body, "");
  const meta = (body as { metadata?: { name?: string; generateName?: string } } | null)?.metadata;
  const isCoreEvent = /^\/api\/v1\/namespaces\/[^/]+\/events/.test(path);
  if (meta?.name && !SUBDOMAIN.test(meta.name))
    seen.violations.push(`${method} ${path}: bad name ${meta.name}`);
  if (!isCoreEvent && meta?.generateName && !SUBDOMAIN.test(meta.generateName.replace(/-$/, "a")))
    seen.violations.push(`${method} ${path}: bad generateName ${meta.generateName}`);
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req) chunks.push(c as Buffer);
  return Buffer.concat(chunks);
}

/** A plain-HTTP proxy on 127.0.0.1 in front of the simulator's HTTPS, checking and recording every write. */
async function startValidatingProxy(target: string, ca: string, seen: Observed): Promise<Server> {
  const server = createServer(async (req, res) => {
    const body = await readAll(req);
    const method = req.method ?? "GET";
    const path = req.url ?? "/";
    const isWrite = ["POST", "PUT", "PATCH"].includes(method);
    if (isWrite && body.length > 0) {
      const type =
        String(req.headers["content-type"] ?? "")
          .split(";")[0]
          ?.trim() ?? "";
      if (method === "PATCH" && !PATCH_TYPES.has(type))
        seen.violations.push(`PATCH ${path}: content type ${type}`);
      try {
        checkBody(
          method,
          path,
          type.includes("yaml") ? parseYaml(body.toString()) : JSON.parse(body.toString()),
          seen,
        );
      } catch (e) {
        seen.violations.push(`${method} ${path}: body does not parse: ${(e as Error).message}`);
      }
    }
    const upstream = httpsRequest(
      `${target}${path}`,
      { method, ca, headers: { ...req.headers, host: new URL(target).host } },
      (up) => {
        if (isWrite || method === "DELETE") seen.writes.push({ method, path, status: up.statusCode ?? 0 });
        res.writeHead(up.statusCode ?? 502, up.headers);
        up.pipe(res);
      },
    );
    upstream.on("error", () => res.destroy());
    res.on("close", () => upstream.destroy());
    upstream.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return server;
}

let h: Harness | undefined;
let proxy: Server | undefined;
afterEach(async () => {
  proxy?.closeAllConnections();
  await new Promise((r) => (proxy ? proxy.close(r) : r(undefined)));
  await h?.stop();
  h = proxy = undefined;
});

describe("fix --yes through a validating proxy", () => {
  it("heals stale-cni-config with every write well-formed and none refused", async () => {
    h = await startHarness("stale-cni-config");
    await h.diagnoseUntil((d) => d.findings.flatMap((f) => f.nodes).length === 2);
    const seen: Observed = { writes: [], microTimes: [], violations: [] };
    const kubeconfig = parseYaml(h.sim.kubeconfig());
    const cluster = kubeconfig.clusters[0].cluster;
    proxy = await startValidatingProxy(
      cluster.server,
      Buffer.from(cluster["certificate-authority-data"], "base64").toString(),
      seen,
    );
    const address = proxy.address() as { port: number };
    cluster.server = `http://127.0.0.1:${address.port}`;
    // Plain HTTP on loopback to the proxy; client-node accepts http:// only with TLS verification off.
    delete cluster["certificate-authority-data"];
    cluster["insecure-skip-tls-verify"] = true;
    const proxied = join(h.dir, "kubeconfig-via-proxy");
    await writeFile(proxied, toYaml(kubeconfig), { mode: 0o600 });

    const me = userInfo().username;
    const r = await runCli(["fix", "--yes", "--kubeconfig", proxied, "--nodes-file", h.nodesFile], {
      ...TEST_ENV,
      CNI_DOCTOR_APPROVERS: `cli:${me}`,
      CNI_DOCTOR_SELF_APPROVAL: "cli",
      NO_COLOR: "1",
    });
    expect(r.code, `${r.out}\n${r.err}`).toBe(0);
    expect(r.out).toMatch(/Result: succeeded/);
    expect(seen.violations).toEqual([]);
    // Not vacuous: the Lease was written (acquired and renewed or released) with MicroTimes the proxy checked.
    expect(seen.writes.some((w) => w.path.includes("/leases"))).toBe(true);
    expect(seen.microTimes.length).toBeGreaterThan(0);
    // Conflicts (409) are compare-and-swap doing its job; anything else refused is a product bug.
    expect(seen.writes.filter((w) => w.status >= 400 && w.status !== 409)).toEqual([]);
  }, 90_000);
});
