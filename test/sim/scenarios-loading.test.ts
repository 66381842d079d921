import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseLargeParameters } from "../../src/sim/scenarios/large.ts";
import { loadScenario, scenarioNames } from "../../src/sim/scenarios/load.ts";
import { type Harness, startHarness } from "./scenarios-support.ts";

describe("scenario files", () => {
  it("ships every scenario the issue names, each valid", () => {
    expect(scenarioNames()).toEqual(
      expect.arrayContaining([
        "healthy",
        "stale-cni-config",
        "expired-token",
        "calico-node-down",
        "shadowing-config",
        "manifest-install",
        "agent-wont-start",
        "node-reregistered",
        "agent-crash-after-install",
        "large",
      ]),
    );
    for (const name of scenarioNames()) expect(loadScenario(name).nodes.length).toBeGreaterThan(0);
  });

  it("names the file and the field when a scenario is invalid", () => {
    const dir = mkdtempSync(join(tmpdir(), "scenario-"));
    const path = join(dir, "bad.yaml");
    writeFileSync(
      path,
      "name: bad\ndescription: x\ncluster: { createdAgo: soon }\ncalico: { install: operator, version: v3.27.2 }\nnodes: []\n",
    );
    expect(() => loadScenario(path)).toThrow(
      /bad\.yaml: invalid scenario:\n {2}cluster\.createdAgo: a duration[\s\S]*nodes:/,
    );
    expect(() => loadScenario("no-such-scenario")).toThrow(
      /unknown scenario "no-such-scenario": choose one of .*healthy/,
    );
  });

  it("parses large parameters and rejects unknown ones", () => {
    expect(parseLargeParameters("nodes=10,pods=100,affected=0.5")).toMatchObject({
      nodes: 10,
      pods: 100,
      affected: 0.5,
    });
    expect(() => parseLargeParameters("nodez=3")).toThrow(/unknown parameter "nodez"/);
    expect(() => parseLargeParameters("affected=2")).toThrow(/affected=2 is not valid/);
  });
});

describe("a scenario loaded by path", () => {
  let h: Harness | undefined;
  afterEach(async () => h?.stop());

  it("runs a one-file custom scenario: no CNI config on a worker gives NetworkNotReady and a NotReady node", async () => {
    const dir = mkdtempSync(join(tmpdir(), "scenario-"));
    const path = join(dir, "no-cni.yaml");
    writeFileSync(
      path,
      `name: no-cni
description: calico-node cannot be pulled on a fresh worker, so it never writes a CNI config.
cluster: { createdAgo: 1h }
calico: { install: operator, version: v3.27.2 }
nodes:
  - { name: cp, role: control-plane, internalIP: 10.0.0.1, podCIDR: 10.1.0.0/24 }
  - name: w1
    internalIP: 10.0.0.2
    podCIDR: 10.1.1.0/24
    calicoNode: { state: image-pull-failure }
workloads:
  - { name: web, labels: { app: web }, replicas: 1, image: nginx:1.25, port: 80, placement: [w1] }
`,
    );
    h = await startHarness(path);
    const harness = h;
    const node = await harness.core.readNode({ name: "w1" });
    const ready = node.status?.conditions?.find((c) => c.type === "Ready");
    expect(ready).toMatchObject({ status: "False", reason: "KubeletNotReady" });
    expect(ready?.message).toContain(
      "NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    );
    const pods = await harness.core.listNamespacedPod({ namespace: "default", labelSelector: "app=web" });
    const events = await harness.core.listNamespacedEvent({
      namespace: "default",
      fieldSelector: `involvedObject.uid=${pods.items[0]?.metadata?.uid},reason=NetworkNotReady`,
    });
    expect(events.items[0]?.message).toBe(
      "network is not ready: container runtime network not ready: NetworkReady=false reason:NetworkPluginNotReady message:Network plugin returns error: cni plugin not initialized",
    );
  });
});
