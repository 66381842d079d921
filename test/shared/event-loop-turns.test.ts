import { describe, expect, it } from "vitest";
import { listAllPages } from "../../src/kube/paginate.ts";
import { mapInSlices } from "../../src/shared/event-loop-turns.ts";

/** Records an I/O-like callback (setImmediate) queued before the work starts: it runs only when the work yields. */
function queuedCallback(order: string[]): void {
  setImmediate(() => order.push("queued callback"));
}

describe("mapInSlices", () => {
  it("returns what items.map would", async () => {
    const items = Array.from({ length: 1000 }, (_, i) => i);
    expect(await mapInSlices(items, (n) => n * 2)).toEqual(items.map((n) => n * 2));
    expect(await mapInSlices([], (n: number) => n)).toEqual([]);
  });

  it("gives the event loop back once a slice has run its time, so queued callbacks run in between", async () => {
    const order: string[] = [];
    queuedCallback(order);
    // A slice of 0 ms ends after every item.
    await mapInSlices(["a", "b", "c"], (item) => order.push(item), 0);
    expect(order.indexOf("queued callback")).toBeGreaterThan(order.indexOf("a"));
    expect(order.indexOf("queued callback")).toBeLessThan(order.indexOf("c"));
  });

  it("keeps the loop while a slice has time left", async () => {
    const order: string[] = [];
    queuedCallback(order);
    await mapInSlices(["a", "b", "c"], (item) => order.push(item), 60_000);
    expect(order).toEqual(["a", "b", "c"]);
  });
});

describe("listAllPages", () => {
  it("gives the event loop back between pages (each page is parsed in one turn)", async () => {
    const order: string[] = [];
    queuedCallback(order);
    const pages = [
      { items: [1, 2], metadata: { _continue: "t1" } },
      { items: [3], metadata: { _continue: "t2" } },
      { items: [4], metadata: {} },
    ];
    let served = 0;
    const items = await listAllPages(
      async () => {
        order.push(`page ${served + 1}`);
        return pages[served++] ?? { items: [] };
      },
      { pageSize: 2, maxItems: 100, operation: "list things" },
    );
    expect(items).toEqual([1, 2, 3, 4]);
    // Resolved pages are microtasks: without a yield, all three would be read before the queued callback ran.
    expect(order).toEqual(["page 1", "queued callback", "page 2", "page 3"]);
  });
});
