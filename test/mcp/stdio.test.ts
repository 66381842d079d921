/**
 * `cni-doctor mcp` over stdio, as a child process, driven by the SDK's client against the simulated cluster:
 * initialize, tools/list, each tool, the refusals, and the proof that no tool changes a node or a pod.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { snapshotTree } from "../support/sim-harness.ts";
import {
  BOT_NAMESPACE,
  CONTEXTS,
  type McpChild,
  type McpWorld,
  spawnStdioMcp,
  startMcpWorld,
  textOf,
} from "./mcp-world.ts";

const UNAUTHORIZED_MESSAGE =
  'plugin type="calico" failed (add): error getting ClusterInformation: connection is unauthorized: Unauthorized';

type Structured = Record<string, unknown> & {
  findings?: Array<{ rootCause: string; nodes: string[] }>;
};

let world: McpWorld;
let mcp: McpChild;
let nodeTreesBefore: Record<string, Record<string, string>>;

beforeAll(async () => {
  world = await startMcpWorld();
  mcp = await spawnStdioMcp(world, ["--nodes-file", world.nodesFile]);
  nodeTreesBefore = nodeTrees(world);
}, 60_000);

afterAll(async () => {
  await mcp?.close();
  await world?.stop();
});

function nodeTrees(w: McpWorld): Record<string, Record<string, string>> {
  return Object.fromEntries(
    ["k8s-master", "k8s-worker1", "k8s-worker2"].map((n) => [n, snapshotTree(w.sim.nodeRoot(n))]),
  );
}

async function call(name: string, args: Record<string, unknown> = {}) {
  return mcp.client.callTool({ name, arguments: args }, undefined, { timeout: 60_000 });
}

/** Diagnoses until the sim's kubelets have reported the stuck pods (a sync period or two after start). */
async function diagnoseUntilFindings(): Promise<Structured> {
  for (let i = 0; i < 40; i++) {
    const result = await call("diagnose");
    expect(result.isError, textOf(result)).toBeFalsy();
    const structured = result.structuredContent as Structured;
    if ((structured.findings ?? []).length > 0) return structured;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error("the simulated cluster never reported the stuck pods");
}

describe("cni-doctor mcp over stdio", () => {
  it("initializes as cni-doctor with tools", () => {
    expect(mcp.client.getServerVersion()?.name).toBe("cni-doctor");
    expect(mcp.client.getServerCapabilities()?.tools).toBeDefined();
    expect(mcp.client.getInstructions()).toContain("cni-doctor approve RUN");
  });

  it("lists four tools, each with input and output schemas, none destructive, and none that approves or runs", async () => {
    const { tools } = await mcp.client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(["diagnose", "explain", "list_runs", "propose_fix"]);
    for (const tool of tools) {
      expect(tool.inputSchema.type).toBe("object");
      expect(tool.outputSchema?.type).toBe("object");
      expect(tool.annotations?.destructiveHint).toBe(false);
      expect(tool.annotations?.readOnlyHint).toBe(tool.name !== "propose_fix");
    }
    const diagnose = tools.find((t) => t.name === "diagnose");
    expect(Object.keys(diagnose?.inputSchema.properties ?? {}).sort()).toEqual([
      "cluster",
      "namespace",
      "node",
    ]);
    expect(diagnose?.description).toContain(CONTEXTS.admin);
  });

  it("diagnose returns the diagnose --json contract, with the cause proven on the nodes over SSH", async () => {
    const d = await diagnoseUntilFindings();
    expect(d.cluster).toMatchObject({ context: CONTEXTS.admin, server: world.sim.url });
    expect(d.healthy).toBe(false);
    expect(d.scope).toEqual({ namespace: null, node: null });
    expect(d.halfDoneRuns).toEqual({ runs: [] });
    const finding = d.findings?.[0] as Record<string, unknown>;
    expect(finding).toMatchObject({
      family: "cni-credentials-rejected",
      cni: "calico",
      rootCause: "stale-cni-config",
    });
    expect(finding.confidence).not.toBe("low");
    expect(world.nodeCommands.length).toBeGreaterThan(0);
  });

  it("diagnose narrows to a node and a namespace", async () => {
    const result = await call("diagnose", { node: "k8s-worker1", namespace: "default" });
    const d = result.structuredContent as Structured;
    expect(d.scope).toEqual({ namespace: "default", node: "k8s-worker1" });
    for (const f of d.findings ?? []) expect(f.nodes).toEqual(["k8s-worker1"]);
  });

  it("explain returns the explain --json lines as results", async () => {
    const result = await call("explain", { messages: [UNAUTHORIZED_MESSAGE, "something unrelated"] });
    expect(result.isError).toBeFalsy();
    const { results } = result.structuredContent as { results: Array<Record<string, unknown>> };
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({
      input: UNAUTHORIZED_MESSAGE,
      family: "cni-credentials-rejected",
      cni: "calico",
    });
    expect(results[1]).toMatchObject({ family: "unknown" });
  });

  it("propose_fix journals a pending run and says how a person approves it; list_runs shows it", async () => {
    await diagnoseUntilFindings();
    const result = await call("propose_fix");
    expect(result.isError, textOf(result)).toBeFalsy();
    const p = result.structuredContent as {
      proposed: boolean;
      run: { id: string; state: string; requestedBy: string; digest: string };
      plan: { digest: string; steps: Array<{ kind: string }> };
      digest: string;
      expiresAt: string;
      approval: { approvable: boolean; howToApprove: string[] };
    };
    expect(p.proposed).toBe(true);
    expect(p.run.state).toBe("pending");
    expect(p.run.requestedBy).toContain("vitest-agent");
    expect(p.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(p.run.digest).toBe(p.digest);
    expect(p.plan.digest).toBe(p.digest);
    expect(p.plan.steps.map((s) => s.kind)).toContain("quarantine-cni-config");
    expect(Date.parse(p.expiresAt) - Date.now()).toBeGreaterThan(500_000);
    expect(p.approval.approvable).toBe(true);
    expect(p.approval.howToApprove.join("\n")).toContain(`cni-doctor approve ${p.run.id}`);
    // The journal entry is in the cluster, pending.
    const stored = world.sim.store.get("configmaps", BOT_NAMESPACE, `cni-doctor-run-${p.run.id}`);
    expect(
      JSON.parse((stored as unknown as { data: Record<string, string> }).data["run.json"] as string).state,
    ).toBe("pending");
    const runs = await call("list_runs");
    expect(runs.isError, textOf(runs)).toBeFalsy();
    const listing = runs.structuredContent as { paused: boolean; runs: Array<{ id: string; state: string }> };
    expect(listing.paused).toBe(false);
    expect(listing.runs.find((r) => r.id === p.run.id)?.state).toBe("pending");
  });

  it("refuses an unknown cluster, node or namespace with the reason, and bad input, without dying", async () => {
    const cluster = await call("diagnose", { cluster: "sim-stale-cni-confg" });
    expect(cluster.isError).toBe(true);
    expect(textOf(cluster)).toContain("unknown-cluster");
    expect(textOf(cluster)).toContain(`did you mean "${CONTEXTS.admin}"`);
    const node = await call("propose_fix", { node: "k8s-worker9" });
    expect(node.isError).toBe(true);
    expect(textOf(node)).toMatch(
      /unknown-node: node "k8s-worker9" does not exist; did you mean "k8s-worker\d"/,
    );
    const namespace = await call("diagnose", { namespace: "defualt" });
    expect(namespace.isError).toBe(true);
    expect(textOf(namespace)).toContain('unknown-namespace: namespace "defualt" has no pods');
    const bad = await call("explain", { messages: [] });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain("Input validation error");
    // Still serving.
    expect((await call("explain", { messages: [UNAUTHORIZED_MESSAGE] })).isError).toBeFalsy();
  });

  it("says forbidden for credentials without RBAC and unreachable for an API server that is not there", async () => {
    for (const tool of ["diagnose", "propose_fix", "list_runs"]) {
      const forbidden = await call(tool, { cluster: CONTEXTS.nobody });
      expect(forbidden.isError, `${tool}: ${textOf(forbidden)}`).toBe(true);
      expect(textOf(forbidden)).toContain("forbidden:");
      const dead = await call(tool, { cluster: CONTEXTS.dead });
      expect(dead.isError, `${tool}: ${textOf(dead)}`).toBe(true);
      expect(textOf(dead)).toContain("unreachable:");
    }
  });

  it("no tool changed a node or a pod: the only write was the journal's ConfigMap", async () => {
    const writes = world.requests.filter((r) => !["get", "list", "watch"].includes(r.verb));
    const unexpected = writes.filter(
      (r) =>
        !(r.verb === "create" && r.resource === "configmaps" && r.namespace === BOT_NAMESPACE) &&
        // Diagnosis asks the API server to review the CNI's token: a create that stores nothing.
        !(r.verb === "create" && r.resource === "tokenreviews"),
    );
    expect(unexpected).toEqual([]);
    expect(writes.filter((r) => r.resource === "configmaps")).toHaveLength(1);
    expect(world.requests.some((r) => r.resource === "pods" && r.verb === "list")).toBe(true);
    const nodeWrites = world.nodeCommands.filter((c) =>
      /^(sudo -n -- )?(mkdir|mv|rm|cp|ln|chmod|chown|touch|tee|install)\b/.test(c.commandLine),
    );
    expect(nodeWrites).toEqual([]);
    expect(nodeTrees(world)).toEqual(nodeTreesBefore);
    expect(mcp.stderr()).not.toContain("refused a write");
  });
});
