import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { FIXTURE_NOW, SANDBOX_MESSAGE, seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import {
  type Harness,
  KUBECTL,
  kubectlAvailable,
  LIMITED_TOKEN,
  startHarness,
} from "../support/apiserver-harness.ts";
import { skipWithout } from "../support/real-parts.ts";

/** Table lines split into cells on runs of 2+ spaces, as kubectl's tabwriter pads them. */
function rows(stdout: string): string[][] {
  return stdout
    .trim()
    .split("\n")
    .map((line) => line.trim().split(/\s{2,}/));
}

describe.skipIf(
  skipWithout("the real kubectl", kubectlAvailable ? undefined : `${KUBECTL} is not installed`),
)(`real kubectl (${KUBECTL}) against the simulated API server`, () => {
  let h: Harness;
  beforeAll(async () => {
    // The store's clock is pinned so AGE columns are deterministic; the fixtures are dated relative to it.
    h = await startHarness(seedFixtureCluster, {}, { now: () => new Date(FIXTURE_NOW) });
  });
  afterAll(async () => {
    await h?.close();
  });

  it("get nodes prints the server's table: status, roles, age, version", async () => {
    const r = await h.kubectl(["get", "nodes"]);
    expect(r.stderr).toBe("");
    expect(rows(r.stdout)).toEqual([
      ["NAME", "STATUS", "ROLES", "AGE", "VERSION"],
      ["k8s-master", "Ready", "control-plane", "3d", "v1.32.4"],
      ["k8s-worker1", "Ready", "<none>", "3d", "v1.32.4"],
      ["k8s-worker2", "Ready", "<none>", "3d", "v1.32.4"],
    ]);
  });

  it("get nodes -o wide adds addresses and node info", async () => {
    const r = await h.kubectl(["get", "nodes", "-o", "wide"]);
    const table = rows(r.stdout);
    expect(table[0]).toEqual([
      "NAME",
      "STATUS",
      "ROLES",
      "AGE",
      "VERSION",
      "INTERNAL-IP",
      "EXTERNAL-IP",
      "OS-IMAGE",
      "KERNEL-VERSION",
      "CONTAINER-RUNTIME",
    ]);
    expect(table[2]).toEqual([
      "k8s-worker1",
      "Ready",
      "<none>",
      "3d",
      "v1.32.4",
      "192.168.56.11",
      "<none>",
      "Ubuntu 22.04.4 LTS",
      "5.15.0-105-generic",
      "containerd://1.7.12",
    ]);
  });

  it("get pods -A -o wide shows every namespace with computed STATUS and RESTARTS", async () => {
    const r = await h.kubectl(["get", "pods", "-A", "-o", "wide"]);
    const table = rows(r.stdout);
    expect(table[0]).toEqual([
      "NAMESPACE",
      "NAME",
      "READY",
      "STATUS",
      "RESTARTS",
      "AGE",
      "IP",
      "NODE",
      "NOMINATED NODE",
      "READINESS GATES",
    ]);
    const byName = new Map(table.slice(1).map((row) => [row[1], row]));
    expect(byName.get("redis-master-5d8b7c9f4-abcde")).toEqual([
      "default",
      "redis-master-5d8b7c9f4-abcde",
      "0/1",
      "ContainerCreating",
      "0",
      "10m",
      "<none>",
      "k8s-worker1",
      "<none>",
      "<none>",
    ]);
    expect(byName.get("redis-master-5d8b7c9f4-fghij")?.slice(2, 7)).toEqual([
      "1/1",
      "Running",
      "3 (2m ago)",
      "10m",
      "10.244.2.7",
    ]);
    expect(byName.get("unscheduled")?.slice(3, 8)).toEqual(["Pending", "0", "30s", "<none>", "<none>"]);
    expect(table.filter((row) => row[0] === "calico-system")).toHaveLength(3);
  });

  it("get pods -n calico-system -l k8s-app=calico-node -o wide filters by label on the server", async () => {
    const r = await h.kubectl([
      "get",
      "pods",
      "-n",
      "calico-system",
      "-l",
      "k8s-app=calico-node",
      "-o",
      "wide",
    ]);
    const table = rows(r.stdout);
    expect(table.slice(1).map((row) => [row[0], row[5], row[6]])).toEqual([
      ["calico-node-4xkzp", "192.168.56.10", "k8s-master"],
      ["calico-node-8vq2m", "192.168.56.11", "k8s-worker1"],
      ["calico-node-tw7rn", "192.168.56.12", "k8s-worker2"],
    ]);
    const none = await h.kubectl(["get", "pods", "-n", "calico-system", "-l", "k8s-app notin (calico-node)"]);
    expect(none.stderr.trim()).toBe("No resources found in calico-system namespace.");
  });

  it("get events -A --field-selector reason=FailedCreatePodSandBox shows the sandbox failure", async () => {
    const r = await h.kubectl(["get", "events", "-A", "--field-selector", "reason=FailedCreatePodSandBox"]);
    const table = rows(r.stdout);
    expect(table[0]).toEqual(["NAMESPACE", "LAST SEEN", "TYPE", "REASON", "OBJECT", "MESSAGE"]);
    expect(table.slice(1)).toEqual([
      [
        "default",
        "20s",
        "Warning",
        "FailedCreatePodSandBox",
        "pod/redis-master-5d8b7c9f4-abcde",
        SANDBOX_MESSAGE,
      ],
    ]);
  });

  it("describe pod shows the pod and its events (found by involvedObject field selectors)", async () => {
    const r = await h.kubectl(["describe", "pod", "redis-master-5d8b7c9f4-abcde"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Name:\s+redis-master-5d8b7c9f4-abcde$/m);
    expect(r.stdout).toMatch(/^Node:\s+k8s-worker1\/$/m);
    expect(r.stdout).toMatch(/^Status:\s+Pending$/m);
    expect(r.stdout).toMatch(/Reason:\s+ContainerCreating/);
    // describe computes event ages on the client with the real clock, so only the shape is checked here.
    expect(r.stdout).toMatch(
      /Warning\s+FailedCreatePodSandBox\s+\S+ \(x42 over \S+\)\s+kubelet\s+Failed to create pod sandbox/,
    );
    expect(r.stdout).toMatch(/Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned/);
  });

  it("get endpoints prints ready addresses, <none>, and '+ N more...'", async () => {
    const r = await h.kubectl(["get", "endpoints"]);
    expect(rows(r.stdout)).toEqual([
      ["NAME", "ENDPOINTS", "AGE"],
      ["empty", "<none>", "10m"],
      ["many", "10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...", "10m"],
      ["redis-master", "10.244.2.7:6379", "10m"],
    ]);
  });

  it("get services, daemonsets, configmaps and serviceaccounts across namespaces", async () => {
    const r = await h.kubectl(["get", "svc,ds,cm,sa", "-A"]);
    expect(r.stdout).toMatch(
      /default\s+service\/redis-master\s+ClusterIP\s+10\.96\.120\.15\s+<none>\s+6379\/TCP\s+10m/,
    );
    expect(r.stdout).toMatch(
      /calico-system\s+daemonset\.apps\/calico-node\s+3\s+3\s+3\s+3\s+3\s+kubernetes\.io\/os=linux\s+24h/,
    );
    expect(r.stdout).toMatch(/default\s+configmap\/kube-root-ca\.crt\s+1\s+24h/);
    expect(r.stdout).toMatch(/calico-system\s+serviceaccount\/calico-node\s+0\s+24h/);
  });

  it("-o json and -o yaml carry the stored object", async () => {
    const json = await h.kubectl([
      "get",
      "pods",
      "-A",
      "-o",
      "json",
      "--field-selector",
      "spec.nodeName=k8s-worker2",
    ]);
    const list = JSON.parse(json.stdout);
    expect(list.items.map((p: { metadata: { name: string } }) => p.metadata.name).sort()).toEqual([
      "calico-node-tw7rn",
      "redis-master-5d8b7c9f4-fghij",
    ]);
    const yaml = await h.kubectl(["get", "pod", "redis-master-5d8b7c9f4-abcde", "-o", "yaml"]);
    expect(yaml.stdout).toMatch(/^kind: Pod$/m);
    expect(yaml.stdout).toMatch(/^ {2}nodeName: k8s-worker1$/m);
    expect(yaml.stdout).toMatch(/^ {2}uid: 5b0e6a52-3c1e-4a57-9d0e-2f3c4b5a6d7e$/m);
  });

  it("an unsupported field selector is refused by the server and kubectl prints its message", async () => {
    const r = await h.kubectl(["get", "pods", "--field-selector", "spec.containers=x"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("Error from server (BadRequest)");
    expect(r.stderr).toContain("field label not supported: spec.containers");
  });

  it("a bad label selector is refused with the parser's message", async () => {
    const r = await h.kubectl(["get", "pods", "-l", "a=b=c"]);
    expect(r.stderr).toContain("Error from server (BadRequest)");
    expect(r.stderr).toContain("found '=', expected: ',' or 'end of string'");
  });

  it("get of a missing pod is NotFound", async () => {
    const r = await h.kubectl(["get", "pod", "nope"]);
    expect(r.stderr.trim()).toBe('Error from server (NotFound): pods "nope" not found');
  });

  it("an unknown token gets 'You must be logged in to the server (Unauthorized)'", async () => {
    const r = await h.kubectl(["get", "pods"], "not-a-known-token");
    expect(r.code).not.toBe(0);
    expect(r.stderr.trim()).toBe("error: You must be logged in to the server (Unauthorized)");
  });

  it("a refused list is Forbidden with the real authorizer's message", async () => {
    const r = await h.kubectl(["get", "pods", "-n", "kube-system"], LIMITED_TOKEN);
    expect(r.stderr.trim()).toBe(
      'Error from server (Forbidden): pods is forbidden: User "system:serviceaccount:calico-system:calico-node" cannot list resource "pods" in API group "" in the namespace "kube-system"',
    );
    const nodes = await h.kubectl(["get", "nodes"], LIMITED_TOKEN);
    expect(nodes.stderr).toContain(
      'nodes is forbidden: User "system:serviceaccount:calico-system:calico-node" cannot list resource "nodes" in API group "" at the cluster scope',
    );
  });

  it("delete pod of an unbound pod removes it at once", async () => {
    const r = await h.kubectl(["delete", "pod", "unscheduled"]);
    expect(r.stdout.trim()).toBe('pod "unscheduled" deleted');
    expect(h.store.get("pods", "default", "unscheduled")).toBeUndefined();
  });

  it("delete pod of a node-bound pod waits until the kubelet removes it after deletionTimestamp is set", async () => {
    let marked: { deletionTimestamp?: string; deletionGracePeriodSeconds?: number } | undefined;
    // Play the kubelet: once the API server marks the pod, stop it and delete it for good.
    const stop = h.store.subscribe((e) => {
      if (e.resource !== "pods" || e.type !== "MODIFIED" || !e.object.metadata.deletionTimestamp) return;
      marked = e.object.metadata;
      const { namespace, name } = e.object.metadata;
      setTimeout(() => h.store.delete("pods", namespace, name), 200);
    });
    try {
      const r = await h.kubectl(["delete", "pod", "-n", "calico-system", "calico-node-4xkzp"]);
      expect(r.stdout.trim()).toBe('pod "calico-node-4xkzp" deleted');
      expect(marked?.deletionGracePeriodSeconds).toBe(5);
      expect(marked?.deletionTimestamp).toBe("2025-06-01T12:00:05Z");
      expect(h.store.get("pods", "calico-system", "calico-node-4xkzp")).toBeUndefined();
    } finally {
      stop();
    }
  });

  it("get -w streams changes as table rows, once the initial list is printed", async () => {
    // Change things only once kubectl's watch is open, so the changes arrive as watch events.
    const changes = setInterval(() => {
      if (h.server.activeWatches() === 0) return;
      clearInterval(changes);
      h.store.mutate("pods", "calico-system", "calico-node-8vq2m", (d) => {
        d.status.containerStatuses[0].restartCount = 1;
        d.status.containerStatuses[0].lastState = {
          terminated: { exitCode: 1, finishedAt: "2025-06-01T11:59:00Z" },
        };
      });
      // It leaves the label selector's view: the watch reports that as a deletion.
      h.store.mutate("pods", "calico-system", "calico-node-tw7rn", (d) => {
        d.metadata.labels = { ...d.metadata.labels, "k8s-app": "moved" };
      });
    }, 20);
    const r = await h.kubectl([
      "get",
      "pods",
      "-n",
      "calico-system",
      "-l",
      "k8s-app=calico-node",
      "-w",
      "--request-timeout=4s",
    ]);
    clearInterval(changes);
    const table = rows(r.stdout);
    expect(table[0]).toEqual(["NAME", "READY", "STATUS", "RESTARTS", "AGE"]);
    expect(table.filter((row) => row[0] === "NAME")).toHaveLength(1);
    expect(table).toContainEqual(["calico-node-8vq2m", "1/1", "Running", "1 (60s ago)", "24h"]);
    expect(table.filter((row) => row[0] === "calico-node-tw7rn")).toHaveLength(2);
  });
});
