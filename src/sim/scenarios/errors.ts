/** A scenario that cannot be loaded: unknown name, missing file, bad YAML, invalid content or bad parameters. */
export class ScenarioError extends Error {
  override name = "ScenarioError";
}
