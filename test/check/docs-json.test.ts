/**
 * The README's JSON contracts and what the commands print agree: the top-level keys of `diagnose --json`, of the plan
 * in `fix --json` (and `fix`'s `{plan, run, approval, result}` shape), and `runs --json`'s `{paused, runs}`, each read
 * from a real run against the simulator, as documented in the README sections that call them stable.
 */
import { readFileSync } from "node:fs";
import { userInfo } from "node:os";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runCli } from "../support/run-cli.ts";
import { type Harness, startHarness, TEST_ENV } from "../support/sim-harness.ts";

const README = readFileSync(new URL("../../README.md", import.meta.url), "utf8");
const CLI_ENV = {
  ...TEST_ENV,
  CNI_DOCTOR_APPROVERS: `cli:${userInfo().username}`,
  CNI_DOCTOR_SELF_APPROVAL: "cli",
  NO_COLOR: "1",
};

/** The first ```json block after a heading: its top-level keys (the lines indented by exactly two spaces). */
function documentedKeys(heading: string): string[] {
  const at = README.indexOf(heading);
  expect(at, heading).toBeGreaterThan(0);
  const start = README.indexOf("```json\n", at) + "```json\n".length;
  const block = README.slice(start, README.indexOf("\n```", start));
  return [...block.matchAll(/^ {2}"([A-Za-z]+)":/gm)].map((m) => m[1] as string).sort();
}

describe("the README's JSON contracts match the commands' output", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness("stale-cni-config");
  }, 60_000);
  afterAll(async () => h?.stop());

  it("diagnose --json has exactly the documented top-level keys", async () => {
    const r = await runCli(
      ["diagnose", "--json", "--node-access", "none", "--kubeconfig", h.kubeconfigPath],
      CLI_ENV,
    );
    expect(r.code, r.err).toBe(3);
    expect(Object.keys(JSON.parse(r.out)).sort()).toEqual(
      documentedKeys("### `diagnose --json` (stable contract)"),
    );
  }, 60_000);

  it("fix --json prints {plan, run, approval, result}, and the plan has exactly the documented keys", async () => {
    const r = await runCli(
      ["fix", "--dry-run", "--json", "--kubeconfig", h.kubeconfigPath, "--nodes-file", h.nodesFile],
      CLI_ENV,
    );
    expect(r.code, r.err).toBe(0);
    const printed = JSON.parse(r.out) as Record<string, unknown>;
    const shape = README.match(/`fix --json` prints `\{([a-z, ]+)\}`/)?.[1]?.split(", ") ?? [];
    expect(shape.length).toBeGreaterThan(0);
    for (const key of Object.keys(printed)) expect(shape, key).toContain(key);
    expect(Object.keys(printed.plan as object).sort()).toEqual(
      documentedKeys("### `fix --json` and the plan (stable contract)"),
    );
  }, 60_000);

  it("runs --json prints {paused, runs}, as the MCP tool list_runs says it mirrors", async () => {
    const r = await runCli(["runs", "--json", "--kubeconfig", h.kubeconfigPath], CLI_ENV);
    expect(r.code, r.err).toBe(0);
    expect(Object.keys(JSON.parse(r.out)).sort()).toEqual(["paused", "runs"]);
    expect(README).toContain("`{ cluster, paused, runs }` as `runs --json`");
  }, 60_000);
});
