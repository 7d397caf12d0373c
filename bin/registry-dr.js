#!/usr/bin/env node

const major = Number(process.versions.node.split(".")[0]);
if (major < 22) {
  process.stderr.write(
    `registry-dr needs Node.js 22 or newer, this is ${process.version}. ` +
      'Run it as "npx registry-dr" inside the project (which pins Node 22), or install Node 22.\n',
  );
  process.exit(2);
}
// Caches compiled code between runs (Node 22.1+): start-up is a large share of a no-op sync.
require("node:module").enableCompileCache?.();
require("../dist/cli/main.js")
  .main(process.argv.slice(2))
  .then((code) => {
    process.exitCode = code;
  })
  .catch((error) => {
    process.stderr.write(`registry-dr: ${error?.stack ? error.stack : error}\n`);
    process.exitCode = 2;
  });
