/**
 * `cni-doctor explain --json` on the whole message catalog (test/diagnosis/message/catalog/): every message gets the
 * family, CNI and phase its entry says, and every trap stays a trap, one JSON object per line in the order given.
 */
import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { main } from "../../src/cli/main.ts";
import { CATALOG, TRAPS } from "../diagnosis/message/catalog/index.ts";

async function explainJson(messages: string[]) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const stdin = Object.assign(new PassThrough(), { isTTY: true });
  let out = "";
  stdout.on("data", (d) => (out += d));
  const code = await main(["explain", "--json", ...messages], { stdout, stderr, stdin, env: {} });
  return {
    code,
    lines: out
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line)),
  };
}

describe("explain --json on the catalog's own messages", () => {
  it("gives each message's family, CNI and phase", async () => {
    const { code, lines } = await explainJson(CATALOG.map((c) => c.message));
    expect(code).toBe(0);
    expect(lines).toHaveLength(CATALOG.length);
    CATALOG.forEach((c, i) => {
      expect(lines[i], c.source).toMatchObject({ family: c.family, cni: c.cni, phase: c.phase });
    });
  });

  it("keeps traps traps", async () => {
    const { code, lines } = await explainJson(TRAPS.map((c) => c.message));
    expect(code).toBe(0);
    expect(lines).toHaveLength(TRAPS.length);
    TRAPS.forEach((c, i) => {
      expect(lines[i], c.source).toMatchObject({ family: "unknown", cni: c.cni, phase: c.phase });
    });
  });
});
