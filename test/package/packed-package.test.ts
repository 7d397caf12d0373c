import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { dynamicResourceModules } from "../../provider/resources";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { ProviderHost } from "../support/provider-host";
import { startRegistry } from "../support/registry-server";

/**
 * The package as users get it: `npm pack`, installed into an empty stack folder beside the
 * stack's own @pulumi/pulumi. What ships must be the product only (library, command, provider
 * modules); every documented subpath loads under require and import with exactly its
 * documented names, and nothing else inside the package is importable; the stack holds one
 * @pulumi/pulumi; and state written by the previous release still refreshes and destroys.
 */

const run = promisify(execFile);
const REPO = resolve(__dirname, "../../..");
const PRODUCT =
  /^(bin\/registry-dr\.js|dist\/entry\/[a-z-]+\.(js|d\.ts)|dist\/(cli|provider|components)\/.+\.(js|d\.ts)|package\.json|README\.md|LICENSE|NOTICE)$/;
/**
 * The stack's own @pulumi/pulumi: another release than the one registry-dr is built with
 * (package.json devDependencies), as a user's program that pins its own would have.
 */
const STACK_PULUMI = "3.276.0";

/** Every documented subpath and the values it exports (types are checked by the compiler). */
const ENGINE = [
  "runSync",
  "runVerify",
  "runReverseSync",
  "reverseSyncJob",
  "checkSiteReadiness",
  "syncConfigSchema",
  "ConfigError",
  "ShardError",
  "TransferStalledError",
  "HttpError",
  "AbortedError",
  "RegistryError",
];
const REWRITE = ["mapperFromJob", "rewriteReferences"];
const RESOURCES = [
  "ImageSync",
  "HarborProject",
  "HarborRegistry",
  "HarborReplicationPolicy",
  "HarborReplicationRun",
  "HarborRobotAccount",
  "HarborWebhookPolicy",
  "FailoverRecord",
];
const COMPONENTS = [
  "AcrEnterpriseTarget",
  "PrivateZoneFailover",
  "DataCenterFailover",
  "ArtifactRegistryTarget",
  "CloudDnsFailover",
  "SyncSchedule",
  "SyncWatcher",
  "RegistryDisasterRecovery",
];
/** A stack of the user's own (the `pulumi new` template's program) and its config readers. */
const DR_STACK = ["drStackFromConfig", "readPlanConfig", "readStackConfig", "CONFIG_NAMESPACE"];
const FAILOVER = [
  "runFailoverPreflight",
  "checkFailback",
  "checkSiteReadiness",
  "failoverRecordSchema",
  "withRecordStore",
  "applyRecord",
  "describeRecord",
  "RecordOutsideZoneError",
];
const SUBPATHS: Record<string, string[]> = {
  "registry-dr": [...new Set([...RESOURCES, ...COMPONENTS, ...DR_STACK, ...ENGINE, ...REWRITE, ...FAILOVER])],
  "registry-dr/engine": ENGINE,
  "registry-dr/rewrite": REWRITE,
  "registry-dr/failover": FAILOVER,
  "registry-dr/providers": dynamicResourceModules.map((entry) => entry.exportName),
};
const MANIFEST_TYPES = "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json";
const WITHOUT_PULUMI = ["registry-dr/engine", "registry-dr/rewrite", "registry-dr/failover"];

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
  await run(
    "npm",
    ["install", "--prefer-offline", "--no-audit", "--no-fund", "--ignore-scripts", `@pulumi/pulumi@${STACK_PULUMI}`, join(workDir, report.filename)],
    { cwd: stackDir, maxBuffer: 16 * 1024 * 1024 },
  );
});

after(async () => {
  if (workDir) await removeTempDir(workDir);
});

/** Runs a script with Node in the stack folder, as the provider host and a stack program do. */
async function inStack(args: string[]): Promise<string> {
  const { stdout } = await run(process.execPath, args, { cwd: stackDir, maxBuffer: 16 * 1024 * 1024 });
  return stdout;
}

/** The names a module exports, under require or import (import adds `default`, the CommonJS object, and `__esModule`, its marker). */
async function exportedNames(specifier: string, how: "require" | "import"): Promise<string[]> {
  const script =
    how === "require"
      ? `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))))`
      : `import * as m from ${JSON.stringify(specifier)}; console.log(JSON.stringify(Object.keys(m).filter((k) => !["default", "module.exports", "__esModule"].includes(k))))`;
  const names = JSON.parse(await inStack(how === "require" ? ["-e", script] : ["--input-type=module", "-e", script])) as string[];
  return names.sort();
}

test("the tarball holds the product only: no tests, stand-ins, benchmarks, examples or the repository's own stack", () => {
  const extra = packed.filter((path) => !PRODUCT.test(path));
  assert.deepEqual(extra, [], "files outside the product");
  const needed = [
    "bin/registry-dr.js",
    "dist/cli/main.js",
    ...["index", "engine", "rewrite", "failover", "providers"].flatMap((name) => [`dist/entry/${name}.js`, `dist/entry/${name}.d.ts`]),
  ];
  for (const path of needed) assert.ok(packed.includes(path), `${path} ships`);
});

for (const how of ["require", "import"] as const) {
  test(`every documented subpath loads with ${how} and exports exactly its documented values`, async () => {
    for (const [specifier, names] of Object.entries(SUBPATHS)) {
      assert.deepEqual(await exportedNames(specifier, how), [...names].sort(), specifier);
    }
  });

  test(`files inside the package are not importable with ${how}, except the provider paths state names`, async () => {
    const internal = [
      "registry-dr/dist/provider/sync/plan.js",
      "registry-dr/dist/provider",
      "registry-dr/dist/provider/index.js",
      "registry-dr/dist/entry/index.js",
      "registry-dr/dist/lib.js",
      "registry-dr/dist/provider/resources/harbor/harbor-replication-policy-wire.js",
    ];
    const script = (specifier: string) =>
      how === "require"
        ? `try { require(${JSON.stringify(specifier)}); console.log("loaded") } catch (e) { console.log(e.code) }`
        : `import(${JSON.stringify(specifier)}).then(() => console.log("loaded"), (e) => console.log(e.code))`;
    for (const specifier of internal) assert.equal((await inStack(["-e", script(specifier)])).trim(), "ERR_PACKAGE_PATH_NOT_EXPORTED", specifier);
    for (const { modulePathIn010 } of dynamicResourceModules.filter((entry) => entry.modulePathIn010)) {
      assert.equal((await inStack(["-e", script(`registry-dr/${modulePathIn010}`)])).trim(), "loaded", modulePathIn010);
    }
  });
}

/** A program using each entry's types; compiled as a stack would, under each module resolution users have. */
const TYPED_PROGRAM = `
import { ImageSync, type ImageSyncArgs, type RegistryDisasterRecoveryArgs, type SyncScheduleArgs, type FailoverRecordArgs, runSync as fromRoot } from "registry-dr";
import { runSync, ConfigError, type SyncConfig, type SyncOptions, type SyncReport } from "registry-dr/engine";
import { rewriteReferences, type ReferenceMapper, type RewriteResult } from "registry-dr/rewrite";
import { runFailoverPreflight, type FailoverPreflight } from "registry-dr/failover";

const args: ImageSyncArgs = { images: { "harbor.example.com/library/nginx": "registry.example.com/dr/nginx" } };
export const made = (): ImageSync => new ImageSync("copy", args);
export const copy = (config: SyncConfig, options: SyncOptions): Promise<SyncReport> => runSync(config, options);
export const same: typeof runSync = fromRoot;
export const rewrite = (text: string, map: ReferenceMapper): RewriteResult => rewriteReferences(text, map);
export const preflight: (...args: Parameters<typeof runFailoverPreflight>) => Promise<FailoverPreflight> = runFailoverPreflight;
export const bad = (error: unknown): boolean => error instanceof ConfigError;
export type Named = [RegistryDisasterRecoveryArgs, SyncScheduleArgs, FailoverRecordArgs];
`;

test("TypeScript finds every entry's types: CommonJS with node10 resolution (Pulumi's template) or node16, and ESM", async () => {
  writeFileSync(join(stackDir, "program.ts"), TYPED_PROGRAM);
  writeFileSync(join(stackDir, "program.mts"), TYPED_PROGRAM);
  const tsc = join(REPO, "node_modules", ".bin", "tsc");
  const common = ["--noEmit", "--strict", "--skipLibCheck", "--types", "node", "--typeRoots", join(REPO, "node_modules", "@types")];
  for (const [module, resolution, file] of [
    ["commonjs", "node10", "program.ts"],
    ["node16", "node16", "program.ts"],
    ["node16", "node16", "program.mts"],
  ]) {
    await run(tsc, [...common, "--module", module, "--moduleResolution", resolution, file], { cwd: stackDir }).catch((error) =>
      assert.fail(`${module}/${resolution} ${file}: ${error.stdout}`),
    );
  }
});

test("the engine, rewrite and failover subpaths do not load @pulumi/pulumi", async () => {
  for (const specifier of WITHOUT_PULUMI) {
    const loaded = await inStack([
      "-e",
      `require(${JSON.stringify(specifier)}); console.log(Object.keys(require.cache).filter((p) => p.includes("@pulumi")).length)`,
    ]);
    assert.equal(loaded.trim(), "0", `${specifier} loads no @pulumi package`);
  }
});

test("the stack holds one @pulumi/pulumi, its own, which registry-dr and the cloud packages share", async () => {
  const { stdout } = await run("find", [join(stackDir, "node_modules"), "-path", "*/@pulumi/pulumi/package.json"]);
  const copies = stdout.trim().split("\n").filter(Boolean);
  assert.deepEqual(copies, [join(stackDir, "node_modules/@pulumi/pulumi/package.json")]);
  assert.equal(JSON.parse(readFileSync(copies[0], "utf8")).version, STACK_PULUMI);
  const resolved = await inStack([
    "-e",
    `const { dirname } = require("node:path"); console.log(["registry-dr", "@pulumi/alicloud", "@pulumi/gcp", "@pulumi/kubernetes"].map((p) => require.resolve("@pulumi/pulumi", { paths: [dirname(require.resolve(p))] })).join("\\n"))`,
  ]);
  assert.deepEqual(new Set(resolved.trim().split("\n")), new Set([join(stackDir, "node_modules/@pulumi/pulumi/index.js")]));
});

test("npx registry-dr --help runs from the installed package", async () => {
  const { stdout } = await run("npx", ["--no-install", "registry-dr", "--help"], {
    cwd: stackDir,
    env: { ...process.env, PATH: `${join(REPO, "node_modules", ".bin")}:${process.env.PATH}` },
  });
  assert.match(stdout, /^registry-dr: copy container images/);
  assert.match(stdout, /registry-dr sync +\[flags\]/);
});

test("every provider the Pulumi shim loads resolves from the installed package, by its stable entry and by the paths 0.1.0 state names", async () => {
  assert.ok(dynamicResourceModules.length >= 7, "every dynamic resource is listed");
  // What packagedProvider's loader does inside the provider host, whose working directory is the stack's.
  const script = `
    const { createRequire } = require("node:module");
    const fromStack = createRequire(require("node:path").join(process.cwd(), "index.js"));
    const entries = JSON.parse(process.argv[1]);
    console.log(JSON.stringify(entries.map(({ path, exportName }) => {
      const provider = fromStack("registry-dr/" + path)[exportName];
      return [path, exportName, ["check", "diff", "create", "read", "update", "delete"].filter((m) => typeof provider?.[m] !== "function")];
    })));`;
  const entries = dynamicResourceModules.flatMap(({ exportName, modulePathIn010 }) => [
    { path: "providers", exportName },
    ...(modulePathIn010 ? [{ path: modulePathIn010, exportName }] : []),
  ]);
  const results = JSON.parse(await inStack(["-e", script, JSON.stringify(entries)])) as [string, string, string[]][];
  assert.deepEqual(
    results,
    entries.map(({ path, exportName }) => [path, exportName, []]),
  );
});

test("an ImageSync written to state by 0.1.0 reads, diffs and deletes through the stack's provider host", async () => {
  const registry = await startRegistry();
  const host = await ProviderHost.start(stackDir, stackDir);
  try {
    const image = await pushSmallImage(registry, "library/nginx:1.0");
    await pushSmallImage(registry, "copy/nginx:1.0");
    const fixture = JSON.parse(
      readFileSync(join(REPO, "test/fixtures/state-0.1.0/image-sync.json"), "utf8").replaceAll("REGISTRY", registry.host).replaceAll("DIGEST", image.digest),
    );
    const { __provider: providerText, ...outputs } = fixture.outputs;
    assert.match(providerText, /modulePath: "dist\/provider\/resources\/image-sync\.js"/, "the fixture loads by the 0.1.0 file path");
    await host.configure({});
    const driver = host.resource({ type: fixture.type, name: "legacy", urn: `urn:pulumi:dev::dr::${fixture.type}::legacy`, inputs: {}, providerText });
    const { images, retainOnDelete } = outputs;

    const read = await driver.read(fixture.id, outputs);
    assert.equal(read.id, fixture.id);
    const summary = read.outputs.summary as { schemaVersion: number; images: { destination: string; status: string; digest: string }[] };
    assert.equal(summary.schemaVersion, 1);
    assert.deepEqual(
      summary.images.map(({ destination, status, digest }) => ({ destination, status, digest })),
      [{ destination: `${registry.host}/copy/nginx:1.0`, status: "present", digest: image.digest }],
    );

    assert.equal((await driver.diff(fixture.id, outputs, { images, retainOnDelete })).changes, "none");
    assert.equal((await driver.diff(fixture.id, outputs, { images, retainOnDelete, proc: 2 })).changes, "some");

    const manifestStatus = async (repository: string) =>
      (await fetch(`${registry.url}/v2/${repository}/manifests/${image.digest}`, { method: "HEAD", headers: { accept: MANIFEST_TYPES } })).status;
    assert.equal(await manifestStatus("copy/nginx"), 200);
    await driver.delete(fixture.id, outputs);
    assert.equal(await manifestStatus("copy/nginx"), 404, "retainOnDelete: false removed the copy");
    assert.equal(await manifestStatus("library/nginx"), 200, "and only the copy");
  } finally {
    await Promise.all([host.stop(), registry.stop()]);
  }
});
