import { PassThrough } from "node:stream";
import { main } from "../../src/cli/main.ts";

/** Runs one CLI invocation in-process with an empty environment and captures what it prints. */
export async function runCli(argv: string[], env: NodeJS.ProcessEnv = {}) {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  let out = "";
  let err = "";
  stdout.on("data", (d) => (out += d));
  stderr.on("data", (d) => (err += d));
  const code = await main(argv, { stdout, stderr, stdin: new PassThrough(), env });
  return { code, out, err };
}
