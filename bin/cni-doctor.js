#!/usr/bin/env node
// Entry point for `npx cni-doctor`. The sources are TypeScript run directly by Node's type stripping,
// so there is no build step; that needs the Node LTS the repo pins (node_modules/.bin/node).
const [major] = process.versions.node.split(".").map(Number);
if (major < 26) {
  process.stderr.write(
    `cni-doctor needs Node.js 26 or newer; this is ${process.version}.\n` +
      "Run it through npm (npx cni-doctor, npm run ...), which uses the Node the repo installs, " +
      "or put node_modules/.bin first on PATH.\n",
  );
  process.exit(1);
}
const { enableUserCompileCache } = await import("./compile-cache.js");
enableUserCompileCache();
const { main } = await import("../src/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
