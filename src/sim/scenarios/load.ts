import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parse as parseYaml } from "yaml";
import { ScenarioError } from "./errors.ts";
import { generateLargeScenario, parseLargeParameters } from "./large.ts";
import { type Scenario, scenarioSchema } from "./schema.ts";

const SCENARIO_DIR = dirname(fileURLToPath(import.meta.url));

/** Names of the scenarios shipped as files, plus the generated `large`. */
export function scenarioNames(): string[] {
  const files = readdirSync(SCENARIO_DIR)
    .filter((f) => f.endsWith(".yaml"))
    .map((f) => f.slice(0, -".yaml".length));
  return [...files, "large"].sort();
}

/**
 * Resolves a scenario reference: a shipped name ("stale-cni-config"), the generated "large" with optional parameters
 * ("large:nodes=1000,pods=30000,affected=0.05"), or a path to a YAML file ("./my.yaml").
 */
export { ScenarioError };

export function loadScenario(reference: string): Scenario {
  if (reference === "large" || reference.startsWith("large:")) {
    return generateLargeScenario(parseLargeParameters(reference.slice("large".length + 1)));
  }
  const looksLikePath = reference.includes("/") || reference.endsWith(".yaml") || reference.endsWith(".yml");
  const path = looksLikePath ? resolve(reference) : join(SCENARIO_DIR, `${reference}.yaml`);
  if (!existsSync(path)) {
    throw new ScenarioError(
      looksLikePath
        ? `scenario file ${path} does not exist`
        : `unknown scenario "${reference}": choose one of ${scenarioNames().join(", ")}, or give a path to a YAML file`,
    );
  }
  return parseScenario(readFileSync(path, "utf8"), path);
}

/** Parses and validates scenario YAML; errors name the file and each offending field. */
export function parseScenario(text: string, origin = "scenario"): Scenario {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ScenarioError(`${origin}: not valid YAML: ${(err as Error).message}`);
  }
  const result = scenarioSchema.safeParse(doc);
  if (!result.success) {
    const problems = result.error.issues
      .map((i) => `  ${i.path.join(".") || "(top)"}: ${i.message}`)
      .join("\n");
    throw new ScenarioError(`${origin}: invalid scenario:\n${problems}`);
  }
  return result.data;
}
