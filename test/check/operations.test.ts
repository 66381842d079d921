/**
 * The operations table (src/check/operations.ts) and manifests/rbac.yaml say the same thing: each operation is granted
 * by the rule whose `verbs:` line the table names, and every verb every rule grants is an operation in the table.
 * The Slack scope table likewise equals manifests/slack-app.yaml's bot scopes.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { LineCounter, parse, parseAllDocuments } from "yaml";
import { accessQuestion, BOT_OPERATIONS, describeOperation } from "../../src/check/operations.ts";
import { REQUIRED_SCOPES } from "../../src/check/slack.ts";
import { type PolicyRule, ruleAllows } from "../../src/sim/cluster/rbac.ts";

const ROOT = new URL("../../", import.meta.url).pathname;
const NS = { bot: "cni-doctor", nodeAgents: "cni-doctor-nodes" };

interface LocatedRule {
  role: string;
  namespace: string | undefined;
  rule: PolicyRule;
  verbsLine: number;
}

/** Every rule of every Role and ClusterRole in rbac.yaml, with the line of its `verbs:` key. */
function rbacRules(): LocatedRule[] {
  const text = readFileSync(`${ROOT}manifests/rbac.yaml`, "utf8");
  const lineCounter = new LineCounter();
  const docs = parseAllDocuments(text, { lineCounter });
  const out: LocatedRule[] = [];
  for (const doc of docs) {
    const obj = doc.toJSON() as {
      kind?: string;
      metadata?: { name: string; namespace?: string };
      rules?: PolicyRule[];
    };
    if (obj?.kind !== "Role" && obj?.kind !== "ClusterRole") continue;
    const rules = doc.get("rules") as { items: Array<{ get(k: string, keep: true): { range: [number] } }> };
    rules.items.forEach((node, i) => {
      const verbs = node.get("verbs", true);
      out.push({
        role: `${obj.kind} ${obj.metadata?.name}`,
        namespace: obj.metadata?.namespace,
        rule: obj.rules?.[i] as PolicyRule,
        verbsLine: lineCounter.linePos(verbs.range[0]).line,
      });
    });
  }
  return out;
}

const rules = rbacRules();

describe("the operations table against manifests/rbac.yaml", () => {
  it("finds the rules (the parser sees the manifest)", () => {
    expect(rules.length).toBeGreaterThanOrEqual(18);
  });

  for (const op of BOT_OPERATIONS) {
    it(`${describeOperation(op, NS)} is granted at the line the table names (${op.grantedAt.line})`, () => {
      const q = accessQuestion(op, NS);
      const granting = rules.filter(
        (r) =>
          (r.namespace === undefined || r.namespace === q.namespace) &&
          ruleAllows(r.rule, { ...q, ...(q.name ? { name: q.name } : {}) }),
      );
      expect(granting.map((r) => r.verbsLine)).toContain(op.grantedAt.line);
    });
  }

  it("every verb of every rule is an operation of the table (nothing granted goes unchecked)", () => {
    const uncovered: string[] = [];
    for (const r of rules) {
      for (const group of r.rule.apiGroups ?? []) {
        for (const resource of r.rule.resources ?? []) {
          for (const verb of r.rule.verbs ?? []) {
            const [res, sub] = resource.split("/");
            const covered = BOT_OPERATIONS.some(
              (op) =>
                op.grantedAt.line === r.verbsLine &&
                op.verb === verb &&
                op.group === group &&
                op.resource === res &&
                op.subresource === sub,
            );
            if (!covered) uncovered.push(`${r.role}: ${verb} ${resource} (line ${r.verbsLine})`);
          }
        }
      }
    }
    expect(uncovered).toEqual([]);
  });
});

describe("the Slack scope table against manifests/slack-app.yaml", () => {
  it("asks for exactly the scopes the app manifest requests", () => {
    const manifest = parse(readFileSync(`${ROOT}manifests/slack-app.yaml`, "utf8")) as {
      oauth_config: { scopes: { bot: string[] } };
    };
    expect(Object.keys(REQUIRED_SCOPES).sort()).toEqual([...manifest.oauth_config.scopes.bot].sort());
  });
});
