import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";

/**
 * The repository's root stack is the `pulumi new` template's runnable copy: the same program
 * file, and the template carries exactly the sample stack files of examples/plans, so neither
 * can drift from the other.
 */

const ROOT = resolve(__dirname, "../../..");
const TEMPLATE = join(ROOT, "templates/registry-dr");
const PLANS = join(ROOT, "examples/plans");
const read = (file: string) => readFileSync(file, "utf8");

test("the root stack's program is the template's program, importing the published package", () => {
  assert.equal(read(join(ROOT, "index.ts")), read(join(TEMPLATE, "index.ts")));
  assert.match(read(join(TEMPLATE, "index.ts")), /from "registry-dr";/);
});

test("the template carries every sample stack file of examples/plans, unchanged", () => {
  const samples = (dir: string) => readdirSync(dir).filter((file) => /^Pulumi\.[^.]+\.yaml$/.test(file));
  assert.deepEqual(samples(TEMPLATE).sort(), samples(PLANS).sort());
  for (const file of samples(PLANS)) assert.equal(read(join(TEMPLATE, file)), read(join(PLANS, file)), `${file} differs`);
});

test("the template's project depends on the published package and declares its config", () => {
  const manifest = JSON.parse(read(join(TEMPLATE, "package.json"))) as { dependencies: Record<string, string> };
  const own = JSON.parse(read(join(ROOT, "package.json"))) as { version: string };
  assert.equal(manifest.dependencies["registry-dr"], `^${own.version}`, "the template asks for this release of registry-dr");
  const project = read(join(TEMPLATE, "Pulumi.yaml"));
  assert.match(project, /^name: \$\{PROJECT\}$/m);
  assert.match(project, /^template:\n(.*\n)* {2}config:\n {4}alicloud:region:/m);
});
