/**
 * The one place that reads the environment. Every setting is validated here at start, so a typo fails fast with a
 * message naming the variable, instead of surfacing later as odd behaviour. `.env.example` documents each one.
 */
import { z } from "zod";

/** An empty value (`NAME=` in .env) means "use the default", as it does for most tools. */
const unsetIfEmpty = (v: unknown) => (v === "" ? undefined : v);
const positiveInt = (fallback: number) =>
  z.preprocess(unsetIfEmpty, z.coerce.number().int().positive().default(fallback));
const optionalPath = () => z.preprocess(unsetIfEmpty, z.string().optional());

const EnvSchema = z.object({
  /** Nodes file (YAML) describing how to reach nodes over SSH; without it, nodes are not inspected. */
  CNI_DOCTOR_NODES_FILE: optionalPath(),
  /** Per-request timeout for Kubernetes API calls, in milliseconds. */
  CNI_DOCTOR_KUBE_TIMEOUT_MS: positiveInt(15_000),
  /** Kubernetes reads and node inspections in flight at once. */
  CNI_DOCTOR_CONCURRENCY: positiveInt(8),
});

export type Config = {
  nodesFile: string | undefined;
  kubeRequestTimeoutMs: number;
  concurrency: number;
};

export class ConfigError extends Error {
  override name = "ConfigError";
}

export function loadConfig(env: NodeJS.ProcessEnv): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    throw new ConfigError(`invalid environment settings: ${problems.join("; ")}`);
  }
  const e = parsed.data;
  return {
    nodesFile: e.CNI_DOCTOR_NODES_FILE,
    kubeRequestTimeoutMs: e.CNI_DOCTOR_KUBE_TIMEOUT_MS,
    concurrency: e.CNI_DOCTOR_CONCURRENCY,
  };
}
