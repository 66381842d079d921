import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { skipWithout } from "../support/real-parts.ts";
import {
  calicoNodeOn,
  type Harness,
  kubectl,
  kubectlUnavailableReason,
  startHarness,
  waitFor,
} from "./scenarios-support.ts";

const kubectlMissing = await kubectlUnavailableReason();

// The incident as an operator sees it with the real kubectl. Skipped, with this reason, where kubectl is not installed.
describe.skipIf(skipWithout("the real kubectl", kubectlMissing))(
  "stale-cni-config through the real kubectl (skipped: kubectl not installed)",
  () => {
    let h: Harness;
    beforeAll(async () => {
      h = await startHarness("stale-cni-config", 300);
    });
    afterAll(async () => h?.stop());

    it("get nodes: three Ready nodes, the master with the control-plane role", async () => {
      const out = await kubectl(h, "get", "nodes");
      expect(out).toMatch(/k8s-master\s+Ready\s+control-plane\s/);
      expect(out).toMatch(/k8s-worker1\s+Ready\s+<none>\s/);
      expect(out).toMatch(/k8s-worker2\s+Ready\s+<none>\s/);
    });

    it("get pods -A -o wide: redis pods stuck in ContainerCreating on the workers, calico-node Running", async () => {
      const out = await kubectl(h, "get", "pods", "-A", "-o", "wide");
      const redis = out.split("\n").filter((l) => l.includes("redis-master-"));
      expect(redis).toHaveLength(2);
      for (const line of redis)
        expect(line).toMatch(/0\/1\s+ContainerCreating\s+0\s+\S+\s+<none>\s+k8s-worker[12]/);
      const calico = await kubectl(
        h,
        "get",
        "pods",
        "-n",
        "calico-system",
        "-l",
        "k8s-app=calico-node",
        "-o",
        "wide",
      );
      expect(calico.split("\n").filter((l) => /calico-node-\w+\s+1\/1\s+Running/.test(l))).toHaveLength(3);
    });

    it("get events --field-selector reason=FailedCreatePodSandBox shows Calico's Unauthorized error", async () => {
      const out = await kubectl(
        h,
        "get",
        "events",
        "-A",
        "--field-selector",
        "reason=FailedCreatePodSandBox",
      );
      expect(out).toContain("FailedCreatePodSandBox");
      expect(out).toContain("connection is unauthorized: Unauthorized");
    });

    it("describe pod lists the sandbox failures with counts", async () => {
      const pod = (await kubectl(h, "get", "pods", "-l", "app=redis", "-o", "name")).split("\n")[0] ?? "";
      const out = await kubectl(h, "describe", pod);
      expect(out).toMatch(
        /Warning\s+FailedCreatePodSandBox\s+\S+\s+\(x\d+ over \S+\)\s+kubelet\s+\(combined from similar events\): Failed to create pod sandbox/,
      );
      expect(out).toMatch(/Normal\s+SandboxChanged/);
    });

    it("get endpoints redis-master is empty", async () => {
      const out = await kubectl(h, "get", "endpoints", "redis-master");
      expect(out).toMatch(/redis-master\s+<none>\s/);
    });

    // The EndpointSlice controller keeps a placeholder slice for a Service whose pods have no IP yet
    // (kubernetes/kubernetes staging/src/k8s.io/endpointslice/reconciler.go); kubectl prints it as <unset>.
    it("get endpointslices for redis-master: one IPv4 placeholder slice, no endpoints", async () => {
      const out = await kubectl(h, "get", "endpointslices", "-l", "kubernetes.io/service-name=redis-master");
      expect(out).toMatch(/^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$/m);
      expect(out).toMatch(/^redis-master-[a-z0-9]{5}\s+IPv4\s+<unset>\s+<unset>\s/m);
    });

    it("delete pod of calico-node: a replacement appears on the same node", async () => {
      const old = await calicoNodeOn(h, "k8s-worker1");
      const out = await kubectl(h, "delete", "pod", "-n", "calico-system", old?.metadata?.name ?? "");
      expect(out).toContain(`pod "${old?.metadata?.name}" deleted`);
      const replacement = await waitFor("replacement", async () => {
        const p = await calicoNodeOn(h, "k8s-worker1");
        return p && p.metadata?.name !== old?.metadata?.name ? p : undefined;
      });
      expect(replacement.spec?.nodeName).toBe("k8s-worker1");
      const wide = await waitFor("the healed pod in kubectl", async () => {
        const text = await kubectl(h, "get", "endpoints", "redis-master");
        return /redis-master\s+192\.168\.1\.\d+:6379/.test(text) ? text : undefined;
      });
      expect(wide).toContain(":6379");
      const slice = await waitFor("the healed pod in its EndpointSlice", async () => {
        const text = await kubectl(
          h,
          "get",
          "endpointslices",
          "-l",
          "kubernetes.io/service-name=redis-master",
        );
        return /redis-master-\S+\s+IPv4\s+6379\s+192\.168\.1\.\d+\s/.test(text) ? text : undefined;
      });
      expect(slice).toContain("6379");
    });
  },
);
