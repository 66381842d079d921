/**
 * Watches and endpoints as kube-apiserver serves them, where the product's waits and verification depend on it. Each
 * behaviour cites its upstream source (kubernetes/kubernetes).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedFixtureCluster } from "../support/apiserver-fixtures.ts";
import { ADMIN_TOKEN, type Harness, startHarness } from "../support/apiserver-harness.ts";
import { rawWatch } from "../support/apiserver-http.ts";

// kube-apiserver's watch cache bookmarks a watch that allows it about once a minute and once more 2 s before the
// watch's deadline (kubernetes/kubernetes staging/src/k8s.io/apiserver/pkg/storage/cacher/cacher.go:
// defaultBookmarkFrequency = time.Minute; cacher/cache_watcher.go: nextBookmarkTime). A faster cadence in the
// simulator would hide a client that only survives because bookmarks keep its stream busy.
describe("watch bookmarks at kube-apiserver's cadence", () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness(seedFixtureCluster);
  });
  afterAll(async () => {
    await h?.close();
  });

  it("sends none in the first minute but one 2 s before the watch's deadline", async () => {
    const rv = h.store.resourceVersion;
    const opened = Date.now();
    const arrivals: number[] = [];
    const w = rawWatch(
      h.server.url,
      h.caPem,
      `/api/v1/nodes?watch=true&resourceVersion=${rv}&allowWatchBookmarks=true&timeoutSeconds=3`,
      ADMIN_TOKEN,
      () => arrivals.push(Date.now() - opened),
    );
    await w.ended;
    expect(w.events.map((e) => e.type)).toEqual(["BOOKMARK"]);
    // Timers fire no earlier than asked: the bookmark came at (3 - 2) s or later, not at once.
    expect(arrivals[0]).toBeGreaterThanOrEqual(990);
  });

  it("answers a watch from a compacted version with an ERROR event carrying 410 Expired", async () => {
    const remove = h.server.faults.add({ resource: "nodes", verb: "watch", expireWatch: true, times: 1 });
    try {
      const w = rawWatch(h.server.url, h.caPem, "/api/v1/nodes?watch=true&resourceVersion=2", ADMIN_TOKEN);
      await w.ended;
      expect(w.events).toHaveLength(1);
      expect(w.events[0]).toMatchObject({
        type: "ERROR",
        object: { kind: "Status", code: 410, reason: "Expired" },
      });
      expect(String(w.events[0]?.object.message)).toMatch(/^too old resource version: 2 \(\d+\)$/);
    } finally {
      remove();
    }
  });
});
