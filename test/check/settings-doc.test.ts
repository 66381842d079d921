/**
 * docs/settings.md is the one page of every setting: its environment table names exactly the variables src/config.ts
 * reads, each with the default the code applies, and its nodes-file table exactly the keys the nodes file accepts.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { ENV_SETTINGS } from "../../src/config.ts";
import { NODES_FILE_KEYS } from "../../src/nodes/inventory.ts";

const PAGE = readFileSync(new URL("../../docs/settings.md", import.meta.url), "utf8");

/** The rows of the table under `heading`: first cell (without backticks) → the cells. */
function table(heading: string): Map<string, string[]> {
  const from = PAGE.indexOf(`\n## ${heading}`);
  expect(from, heading).toBeGreaterThan(0);
  const to = PAGE.indexOf("\n## ", from + 4);
  const rows = PAGE.slice(from, to < 0 ? undefined : to)
    .split("\n")
    .filter((l) => /^\| `/.test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim()),
    );
  return new Map(rows.map((cells) => [(cells[0] ?? "").replaceAll("`", ""), cells]));
}

describe("docs/settings.md", () => {
  const env = table("Environment");

  it("lists every environment variable src/config.ts reads, and no other", () => {
    expect([...env.keys()].sort()).toEqual(Object.keys(ENV_SETTINGS).sort());
  });

  it("gives each the default the code applies", () => {
    for (const [name, cells] of env) {
      const documented = cells[1] ?? "";
      const parsed = ENV_SETTINGS[name]?.safeParse(undefined);
      expect(parsed, name).toBeDefined();
      // Required (SLACK_BOT_TOKEN for serve): no default, the page says so in parentheses.
      if (!parsed?.success) {
        expect(documented, name).toMatch(/^\(.+\)$/);
        continue;
      }
      const actual = parsed?.data;
      if (actual === undefined || (Array.isArray(actual) && actual.length === 0)) {
        // No default in the code: the page says what happens instead, in parentheses.
        expect(documented, name).toMatch(/^\(.+\)$|^`https:\/\/slack.com\/api\/`$/);
      } else {
        expect(documented.replaceAll("`", ""), name).toBe(String(actual));
      }
    }
  });

  it("lists every key of the nodes file, and no other, with where it may be set", () => {
    const nodes = table("The nodes file");
    expect([...nodes.keys()].sort()).toEqual(
      [...NODES_FILE_KEYS.node, ...NODES_FILE_KEYS.defaultsOnly].sort(),
    );
    for (const key of NODES_FILE_KEYS.defaultsOnly) expect(nodes.get(key)?.[1], key).toBe("defaults only");
    expect(nodes.get("host")?.[1]).toBe("per node only");
  });
});
