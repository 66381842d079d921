/**
 * `node --import ./test/support/record-loaded-modules.ts …`: records the URL of every module the process loads, ES
 * modules and CommonJS alike (module.registerHooks sees both), and writes them as a JSON array to the file named by
 * $CNI_DOCTOR_LOADED_MODULES_OUT when the process exits. What a command imports is then a fact read from the loader,
 * not a guess from reading the import statements. Used by test/cli/lazy-commands.test.ts and bench/startup.ts.
 */
import { writeFileSync } from "node:fs";
import { registerHooks } from "node:module";

const out = process.env.CNI_DOCTOR_LOADED_MODULES_OUT;
if (out) {
  const loaded: string[] = [];
  registerHooks({
    load(url, context, nextLoad) {
      loaded.push(url);
      return nextLoad(url, context);
    },
  });
  process.on("exit", () => writeFileSync(out, JSON.stringify(loaded)));
}
