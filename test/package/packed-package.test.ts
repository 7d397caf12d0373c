import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { dynamicResourceModules } from "../../provider/resources";
import { makeTempDir, removeTempDir } from "../support/processes";

/**
 * The package as users get it: `npm pack`, installed into an empty stack folder. What ships
 * must be the product only (library, command, provider modules), and what the Pulumi shim
 * loads at `pulumi refresh` (a module path inside the installed package) must be there:
 * a missing file would only show on a user's refresh otherwise.
 */

const run = promisify(execFile);
const REPO = resolve(__dirname, "../../..");
const PRODUCT = /^(bin\/registry-dr\.js|dist\/lib\.(js|d\.ts)|dist\/(cli|provider|components)\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE|NOTICE)$/;

let workDir: string;
let stackDir: string;
let packed: string[];

before(async () => {
  workDir = makeTempDir("packed-package");
  // No scripts: `npm test` has just compiled dist/, and `prepare` would compile it again.
  const { stdout } = await run("npm", ["pack", "--ignore-scripts", "--json", "--pack-destination", workDir], { cwd: REPO, maxBuffer: 16 * 1024 * 1024 });
  const [report] = JSON.parse(stdout) as { filename: string; files: { path: string }[] }[];
  packed = report.files.map((file) => file.path);
  stackDir = join(workDir, "stack");
  await run("mkdir", [stackDir]);
  writeFileSync(join(stackDir, "package.json"), JSON.stringify({ name: "dr-stack", private: true }));
  await run("npm", ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", join(workDir, report.filename)], { cwd: stackDir, maxBuffer: 16 * 1024 * 1024 });
});

after(async () => {
  if (workDir) await removeTempDir(workDir);
});

/** Runs a script with Node in the stack folder, as the provider host and a stack program do. */
async function inStack(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: stackDir });
  return stdout;
}

test("the tarball holds the product only: no tests, stand-ins, benchmarks, examples or the repository's own stack", () => {
  const extra = packed.filter((path) => !PRODUCT.test(path));
  assert.deepEqual(extra, [], "files outside the product");
  for (const needed of ["bin/registry-dr.js", "dist/lib.js", "dist/lib.d.ts", "dist/cli/main.js", "dist/provider/index.js"]) assert.ok(packed.includes(needed), `${needed} ships`);
});

test("a stack imports the resources and components by name, with require and with import", async () => {
  const names = ["ImageSync", "FailoverRecord", "HarborProject", "HarborRegistry", "HarborReplicationPolicy", "HarborReplicationRun", "HarborRobotAccount", "AcrEnterpriseTarget", "PrivateZoneFailover", "ArtifactRegistryTarget", "CloudDnsFailover", "RegistryDisasterRecovery", "SyncSchedule", "runSync", "runVerify"];
  const required = await inStack(["-e", `const m = require("registry-dr"); console.log(JSON.stringify(${JSON.stringify(names)}.map((n) => [n, typeof m[n]])))`]);
  assert.deepEqual(JSON.parse(required), names.map((name) => [name, "function"]));
  const imported = await inStack(["--input-type=module", "-e", `import { ${names.join(", ")} } from "registry-dr"; console.log([${names.join(", ")}].map((f) => typeof f).join(","))`]);
  assert.equal(imported.trim(), names.map(() => "function").join(","));
});

test("npx registry-dr --help runs from the installed package", async () => {
  const { stdout } = await run("npx", ["--no-install", "registry-dr", "--help"], { cwd: stackDir, env: { ...process.env, PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH}` } });
  assert.match(stdout, /^registry-dr: copy container images/);
  assert.match(stdout, /registry-dr sync +\[flags\]/);
});

test("every provider module the Pulumi shim loads resolves from the installed package", async () => {
  assert.ok(dynamicResourceModules.length >= 7, "every dynamic resource is listed");
  // What packagedProvider's loader does inside the provider host, whose working directory is the stack's.
  const script = `
    const { createRequire } = require("node:module");
    const fromStack = createRequire(require("node:path").join(process.cwd(), "index.js"));
    const entries = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(entries.map(({ modulePath, exportName }) => {
      const provider = fromStack("registry-dr/" + modulePath)[exportName];
      return [modulePath, exportName, ["check", "diff", "create", "read", "update", "delete"].filter((m) => typeof provider?.[m] !== "function")];
    })));`;
  const entries = dynamicResourceModules.map(({ modulePath, exportName }) => ({ modulePath, exportName }));
  const results = JSON.parse(await inStack(["-e", script, JSON.stringify(entries)])) as [string, string, string[]][];
  assert.deepEqual(results, entries.map(({ modulePath, exportName }) => [modulePath, exportName, []]));
});
