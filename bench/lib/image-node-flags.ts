/**
 * The Node flags the container image runs the bot with, read from the Dockerfile's ENTRYPOINT
 * (`["node", FLAGS…, "bin/cni-doctor.js"]`), so that the benchmarks start `cni-doctor serve` as it is deployed.
 */
import { readFileSync } from "node:fs";

export function imageNodeFlags(): string[] {
  const dockerfile = readFileSync(new URL("../../Dockerfile", import.meta.url), "utf8");
  const line = /^ENTRYPOINT (\[.*\])$/m.exec(dockerfile)?.[1];
  const entrypoint = line ? (JSON.parse(line) as string[]) : [];
  const script = entrypoint.indexOf("bin/cni-doctor.js");
  if (entrypoint[0] !== "node" || script < 1) {
    throw new Error(
      `the Dockerfile's ENTRYPOINT is not ["node", …flags, "bin/cni-doctor.js"]: ${line ?? "none"}`,
    );
  }
  return entrypoint.slice(1, script);
}
