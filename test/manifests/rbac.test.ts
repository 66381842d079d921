/**
 * The RBAC in manifests/ is exactly sufficient, proven against the simulated cluster enforcing it:
 *
 * 1. As the bot's ServiceAccount (a TokenRequest token, as its projected token in a pod), the bot's whole flow runs
 *    on the stale-cni-config incident: diagnose, diagnose one node, inspect the nodes through agent pods in
 *    cni-doctor-nodes (the deployed node access), fix (propose, approve
 *    by a second person, execute, verify), read the journal back, record Events on the Nodes, and the incident watch
 *    (its Lease, its list-watches of events and nodes, its record book). Every call is allowed,
 *    and every permission granted is used.
 * 2. For each verb on each resource each Role or ClusterRole grants, the same flow with just that removed breaks, in
 *    the flow named below, with the API server's 403 naming that verb and resource in what the flow shows.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type PolicyRule, ruleAllows } from "../../src/sim/cluster/rbac.ts";
import {
  BOT_USER,
  type BotCluster,
  describeRequest,
  FLOWS,
  type FlowName,
  type FlowOutcome,
  type FlowRun,
  type Manifest,
  RBAC_KINDS,
  renderManifests,
  startBotCluster,
} from "./bot-flows.ts";

/** One verb on one resource granted by one rule of one role. */
interface Grant {
  role: Manifest;
  ruleIndex: number;
  verb: string;
  group: string;
  resource: string;
  resourceNames: string[];
  /** e.g. `ClusterRole cni-doctor-diagnose: list pods`. */
  key: string;
}

/**
 * Which flow each grant serves, and what happens without it:
 * - "fails": that flow's check fails and what it shows (errors, evidence, run result, log) carries the 403;
 * - "fails silently": the check fails but the bot never shows the 403 (it swallowed it; see the report's gaps);
 * - "degrades": every check passes because the bot carried on without the call; the refusal is the only sign.
 * Kept by hand, so a change in what the bot needs is a reviewed change here as well as in manifests/rbac.yaml.
 */
type Effect = "fails" | "fails silently" | "degrades";
const SERVES: Record<string, { flow: FlowName; effect: Effect }> = {
  "ClusterRole cni-doctor-diagnose: get pods": { flow: "inspect nodes", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: list pods": { flow: "diagnose", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: list events": { flow: "diagnose", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: get nodes": { flow: "diagnose --node", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: list nodes": { flow: "diagnose", effect: "fails" },
  // The feed logs a refused watch ("incident watch: retrying", naming the verb and resource) and keeps retrying.
  "ClusterRole cni-doctor-diagnose: watch events": { flow: "incident watch", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: watch nodes": { flow: "incident watch", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: list daemonsets.apps": { flow: "diagnose", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: get serviceaccounts": { flow: "inspect nodes", effect: "fails" },
  "ClusterRole cni-doctor-diagnose: create tokenreviews.authentication.k8s.io": {
    flow: "inspect nodes",
    effect: "fails",
  },
  "Role kube-system/cni-doctor-cluster-ca: get configmaps [kube-root-ca.crt]": {
    flow: "inspect nodes",
    effect: "fails",
  },
  "ClusterRole cni-doctor-remediate: delete pods": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "ClusterRole cni-doctor-remediate: watch pods": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "ClusterRole cni-doctor-remediate: list services": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "ClusterRole cni-doctor-remediate: list endpointslices.discovery.k8s.io": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "ClusterRole cni-doctor-remediate: get endpoints": {
    flow: "verify where EndpointSlices are not served",
    effect: "fails",
  },
  "Role default/cni-doctor-node-events: create events": { flow: "node events", effect: "fails" },
  // Only auto node access asks (it stays cluster-side without the namespace); as deployed the choice is explicit.
  "Role cni-doctor-nodes/cni-doctor-node-agents: get namespaces [cni-doctor-nodes]": {
    flow: "inspect nodes",
    effect: "degrades",
  },
  "Role cni-doctor-nodes/cni-doctor-node-agents: create pods": { flow: "inspect nodes", effect: "fails" },
  "Role cni-doctor-nodes/cni-doctor-node-agents: create pods/exec": {
    flow: "inspect nodes",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: get namespaces [cni-doctor]": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: get configmaps": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: list configmaps": { flow: "journal read-back", effect: "fails" },
  "Role cni-doctor/cni-doctor: create configmaps": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: update configmaps": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: create leases.coordination.k8s.io": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: get leases.coordination.k8s.io [cni-doctor-remediation]": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: update leases.coordination.k8s.io [cni-doctor-remediation]": {
    flow: "fix (propose, approve, execute, verify)",
    effect: "fails",
  },
  // The watch logs a failed lease check ("incident watch: lease check failed") with the API server's message.
  "Role cni-doctor/cni-doctor: get leases.coordination.k8s.io [cni-doctor-incident-watch]": {
    flow: "incident watch",
    effect: "fails",
  },
  "Role cni-doctor/cni-doctor: update leases.coordination.k8s.io [cni-doctor-incident-watch]": {
    flow: "incident watch",
    effect: "fails",
  },
};

const manifests = renderManifests();
const roles = manifests.filter((m) => m.kind === "Role" || m.kind === "ClusterRole");
const grants: Grant[] = roles.flatMap((role) =>
  (role.rules as PolicyRule[]).flatMap((rule, ruleIndex) =>
    (rule.apiGroups ?? []).flatMap((group) =>
      (rule.resources ?? []).flatMap((resource) =>
        (rule.verbs ?? []).map((verb) => {
          const names = rule.resourceNames ?? [];
          const where = role.kind === "Role" ? `${role.metadata.namespace}/` : "";
          const qualified = group ? `${resource}.${group}` : resource;
          return {
            role,
            ruleIndex,
            verb,
            group,
            resource,
            resourceNames: names,
            key: `${role.kind} ${where}${role.metadata.name}: ${verb} ${qualified}${names.length ? ` [${names.join(",")}]` : ""}`,
          };
        }),
      ),
    ),
  ),
);

/** The manifests with one verb on one resource taken out of one rule; the rest of the rule stays. */
function without(grant: Grant): Manifest[] {
  return manifests.map((m) => {
    if (m !== grant.role) return m;
    const rules = (m.rules as PolicyRule[]).flatMap((rule, i) => {
      if (i !== grant.ruleIndex) return [rule];
      const others = (rule.resources ?? []).filter((r) => r !== grant.resource);
      const verbs = (rule.verbs ?? []).filter((v) => v !== grant.verb);
      return [
        ...(others.length ? [{ ...rule, resources: others }] : []),
        ...(verbs.length ? [{ ...rule, resources: [grant.resource], verbs }] : []),
      ];
    });
    return { ...m, rules };
  });
}

/** "pods", or "pods/exec" for a subresource, as a rule names it. */
function resourceOf(a: { resource: string; subresource?: string | undefined }): string {
  return a.subresource ? `${a.resource}/${a.subresource}` : a.resource;
}

/** Does this role's rule allow the decision's request, and does the decision fall under the role's scope? */
function grantCovers(grant: Grant, d: FlowRun["decisions"][number]): boolean {
  const a = d.attributes;
  if (grant.role.kind === "Role" && a.namespace !== grant.role.metadata.namespace) return false;
  const rule: PolicyRule = {
    verbs: [grant.verb],
    apiGroups: [grant.group],
    resources: [grant.resource],
    ...(grant.resourceNames.length ? { resourceNames: grant.resourceNames } : {}),
  };
  return ruleAllows(rule, a);
}

describe("manifests/ RBAC", () => {
  it("grants no wildcard, no Secret, and binds only the bot's ServiceAccount", () => {
    for (const role of roles) {
      for (const rule of role.rules as PolicyRule[]) {
        for (const field of [rule.verbs, rule.apiGroups, rule.resources, rule.resourceNames]) {
          expect(field ?? [], `${role.kind} ${role.metadata.name}`).not.toContain("*");
        }
        expect(rule.resources ?? []).not.toContain("secrets");
        expect(rule.nonResourceURLs).toBeUndefined();
      }
    }
    const bindings = manifests.filter((m) => m.kind === "RoleBinding" || m.kind === "ClusterRoleBinding");
    expect(bindings.length).toBe(roles.length);
    for (const b of bindings) {
      expect(b.subjects).toEqual([{ kind: "ServiceAccount", name: "cni-doctor", namespace: "cni-doctor" }]);
      // Each binding names a role of the manifests (a RoleBinding its own namespace's Role).
      const role = roles.find(
        (r) =>
          r.kind === b.roleRef.kind &&
          r.metadata.name === b.roleRef.name &&
          (r.kind === "ClusterRole" || r.metadata.namespace === b.metadata.namespace),
      );
      expect(role, `${b.kind} ${b.metadata.name}`).toBeDefined();
      // A ClusterRole bound by a RoleBinding would be a namespaced grant in disguise; keep the mapping plain.
      expect(b.kind === "ClusterRoleBinding").toBe(b.roleRef.kind === "ClusterRole");
    }
  });

  it("the table of which flow each grant serves lists exactly the grants in the manifests", () => {
    expect(grants.map((g) => g.key).sort()).toEqual(Object.keys(SERVES).sort());
    expect(manifests.filter((m) => RBAC_KINDS.has(m.kind)).length).toBe(roles.length * 2);
  });

  describe("with every rule, as system:serviceaccount:cni-doctor:cni-doctor", () => {
    let cluster: BotCluster;
    let run: FlowRun;
    beforeAll(async () => {
      cluster = await startBotCluster(manifests);
      run = await cluster.run();
    }, 60_000);
    afterAll(() => cluster?.stop());

    it("runs the whole flow: diagnose, inspect, fix, journal, node Events, incident watch", () => {
      expect(
        run.failed,
        run.failed && `${run.failed.flow} failed:\n${run.failed.output.slice(0, 3000)}`,
      ).toBeUndefined();
      expect(run.outcomes.map((o) => o.flow)).toEqual([...FLOWS]);
    });

    it("every call it made was allowed, by a grant of the manifests", () => {
      expect(run.decisions.length).toBeGreaterThan(50);
      expect(run.decisions.every((d) => d.attributes.user.username === BOT_USER)).toBe(true);
      const denied = run.decisions.filter((d) => !d.allowed).map((d) => describeRequest(d.attributes));
      expect(denied).toEqual([]);
      for (const d of run.decisions) {
        expect(
          grants.some((g) => grantCovers(g, d)),
          describeRequest(d.attributes),
        ).toBe(true);
      }
    });

    it("every grant was used (the output lists the flows that used each)", () => {
      const usage = grants.map((g) => {
        const flows = [...new Set(run.decisions.filter((d) => grantCovers(g, d)).map((d) => d.flow))];
        return { grant: g.key, flows };
      });
      // The table, as the test output shows it: grant → flows that used it.
      console.log(usage.map((u) => `${u.grant}  ←  ${u.flows.join(", ") || "(unused)"}`).join("\n"));
      for (const u of usage) {
        expect(u.flows, u.grant).not.toEqual([]);
      }
    });
  });

  describe.concurrent("without one grant, a flow breaks on the 403 naming it", () => {
    for (const g of grants) {
      const grant = {
        ...g,
        flow: SERVES[g.key]?.flow ?? "(not in the table)",
        effect: SERVES[g.key]?.effect,
      };
      it(`without ${grant.key}: ${grant.flow} ${grant.effect}`, async () => {
        const cluster = await startBotCluster(without(grant));
        try {
          const run = await cluster.run();
          const denial = run.decisions.find(
            (d) =>
              !d.allowed &&
              d.attributes.verb === grant.verb &&
              d.attributes.group === grant.group &&
              resourceOf(d.attributes) === grant.resource,
          );
          expect(denial, `no 403 for ${grant.verb} ${grant.resource}`).toBeDefined();
          // Nothing else was refused: the 403 is this grant's, not a side effect.
          expect(run.decisions.filter((d) => !d.allowed).every((d) => grantCovers(grant, d))).toBe(true);
          const message = `cannot ${grant.verb} resource "${grant.resource}" in API group "${grant.group}"`;
          // (Outputs are JSON: unescape the quotes before reading.)
          const shown = (o: FlowOutcome | undefined) => o?.output.replaceAll('\\"', '"').includes(message);
          if (grant.effect === "degrades") {
            expect(run.failed, run.failed?.output.slice(0, 2000)).toBeUndefined();
            expect(run.denied?.flow).toBe(grant.flow);
          } else {
            expect(run.failed?.flow, `nothing failed without ${grant.key}`).toBe(grant.flow);
            expect(shown(run.failed), run.failed?.output.slice(0, 2000)).toBe(grant.effect === "fails");
          }
        } finally {
          await cluster.stop();
        }
      }, 60_000);
    }
  });
});
