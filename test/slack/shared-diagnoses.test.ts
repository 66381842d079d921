/**
 * SharedDiagnoses: requests for the same cluster and scope while a diagnosis runs join it; other scopes, later
 * requests and a finished diagnosis start their own; every thread that asked hears that the nodes were unreachable.
 */
import { describe, expect, it } from "vitest";
import type { Diagnosis } from "../../src/diagnosis/index.ts";
import { JOIN_WINDOW_MS, SharedDiagnoses } from "../../src/slack/flows/shared-diagnoses.ts";

function deferred<T>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

const diagnosis = (label: string) => ({ checkedAt: label }) as unknown as Diagnosis;
const silent = async () => undefined;

describe("SharedDiagnoses", () => {
  it("gives requests for the same key while one runs that one diagnosis; another key gets its own", async () => {
    const shared = new SharedDiagnoses();
    const first = deferred<Diagnosis>();
    let started = 0;
    const start = () => {
      started++;
      return first.promise;
    };
    const a = shared.diagnose("prod\n\n", start, silent);
    const b = shared.diagnose("prod\n\n", start, silent);
    const other = shared.diagnose("prod\nkube-system\n", async () => diagnosis("other"), silent);
    first.resolve(diagnosis("one"));
    expect(await a).toBe(await b);
    expect(started).toBe(1);
    expect((await other).checkedAt).toBe("other");
    expect(shared.running).toBe(0);
  });

  it("starts afresh once the running diagnosis is older than the window, and after it finished", async () => {
    let now = 1_000_000;
    const shared = new SharedDiagnoses(() => now);
    const slow = deferred<Diagnosis>();
    const old = shared.diagnose("prod\n\n", () => slow.promise, silent);
    now += JOIN_WINDOW_MS + 1;
    const fresh = await shared.diagnose("prod\n\n", async () => diagnosis("fresh"), silent);
    expect(fresh.checkedAt).toBe("fresh");
    slow.resolve(diagnosis("old"));
    expect((await old).checkedAt).toBe("old");
    const after = await shared.diagnose("prod\n\n", async () => diagnosis("after"), silent);
    expect(after.checkedAt).toBe("after");
  });

  it("tells every thread that asked when the nodes are unreachable, including one that joins after", async () => {
    const shared = new SharedDiagnoses();
    const told: string[] = [];
    const done = deferred<Diagnosis>();
    const reported = deferred<void>();
    const a = shared.diagnose(
      "prod\n\n",
      async (tellThreads) => {
        const joined = shared.diagnose(
          "prod\n\n",
          () => done.promise,
          async () => void told.push("b"),
        );
        await tellThreads(new Error("no route to host"));
        reported.resolve();
        void joined;
        return done.promise;
      },
      async () => void told.push("a"),
    );
    await reported.promise;
    const late = shared.diagnose(
      "prod\n\n",
      () => done.promise,
      async (err) => void told.push(`c: ${err.message}`),
    );
    done.resolve(diagnosis("one"));
    await Promise.all([a, late]);
    expect(told.sort()).toEqual(["a", "b", "c: no route to host"]);
  });

  it("hands a failure to every request that joined, and the next request starts again", async () => {
    const shared = new SharedDiagnoses();
    const failing = deferred<Diagnosis>();
    const a = shared.diagnose("prod\n\n", () => failing.promise, silent);
    const b = shared.diagnose("prod\n\n", () => failing.promise, silent);
    failing.resolve(Promise.reject(new Error("API server unreachable")) as unknown as Diagnosis);
    await expect(a).rejects.toThrow("API server unreachable");
    await expect(b).rejects.toThrow("API server unreachable");
    expect((await shared.diagnose("prod\n\n", async () => diagnosis("retry"), silent)).checkedAt).toBe(
      "retry",
    );
  });
});
