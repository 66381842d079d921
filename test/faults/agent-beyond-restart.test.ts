/**
 * An agent a restart cannot fix — crash-looping (calico-node-down) or unable to pull its image — gets a manual action,
 * not a restart: the plan says what it is stuck on, the last termination (reason, exit code, message) and gives the
 * ready commands (`kubectl logs … --previous`, `kubectl describe pod …`); image pull states are shown as such.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { type Harness, startHarness } from "../support/sim-harness.ts";

let h: Harness | undefined;
const dirs: string[] = [];
afterEach(async () => {
  await h?.stop();
  h = undefined;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

const agentDown = (d: Diagnosis) =>
  d.findings.some((f) => f.rootCause === "cni-agent-not-running" && f.nodes.includes("k8s-worker1"));

describe("agents a restart cannot fix", () => {
  it("calico-node in CrashLoopBackOff: a manual action with its last termination and a ready kubectl logs --previous", async () => {
    h = await startHarness("calico-node-down");
    const diagnosis = await h.diagnoseUntil(agentDown);
    const service = await h.service();
    const plan = await service.plan(diagnosis);
    expect(plan.steps.filter((s) => s.kind === "restart-cni-agent")).toEqual([]);
    const action = plan.manualActions.find((m) => m.node === "k8s-worker1");
    expect(action?.summary).toMatch(
      /calico-node pod calico-system\/calico-node-\S+ on k8s-worker1 is in CrashLoopBackOff: its container calico-node keeps exiting \(\d+ restarts\), and a restarted pod would crash the same way, so no restart is planned\. Last termination: \S+, exit code \d+/,
    );
    expect(action?.checks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kubectl logs -n calico-system calico-node-\S+ -c calico-node --previous$/),
      ]),
    );
  }, 60_000);

  it("calico-node that cannot pull its image: reported as an image pull failure, never PodInitializing", async () => {
    const dir = mkdtempSync(join(tmpdir(), "cni-doctor-pull-"));
    dirs.push(dir);
    const base = readFileSync(
      new URL("../../src/sim/scenarios/calico-node-down.yaml", import.meta.url),
      "utf8",
    );
    const file = join(dir, "agent-image-pull.yaml");
    writeFileSync(
      file,
      base
        .replace("name: calico-node-down", "name: agent-image-pull")
        .replace(
          "calicoNode: { state: crash-loop, startedAgo: 3h, restarts: 37 }",
          "calicoNode: { state: image-pull-failure, startedAgo: 3h }",
        ),
    );
    h = await startHarness(file);
    const diagnosis = await h.diagnoseUntil(agentDown);
    const service = await h.service();
    const plan = await service.plan(diagnosis);
    expect(plan.steps.filter((s) => s.kind === "restart-cni-agent")).toEqual([]);
    const action = plan.manualActions.find((m) => m.node === "k8s-worker1");
    expect(action?.summary).toMatch(
      /cannot pull the image of its (init )?container \S+ \((Init:)?(ErrImagePull|ImagePullBackOff)\)/,
    );
    expect(JSON.stringify(diagnosis.findings.map((f) => f.summary))).not.toContain("PodInitializing");
    expect(action?.checks).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^kubectl describe pod -n calico-system calico-node-\S+$/),
      ]),
    );
  }, 60_000);
});
