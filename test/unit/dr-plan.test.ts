import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { ConfigError } from "../../provider/validation";
import { readPlanConfig } from "../../components/dr-stack";
import { runCli } from "../support/cli-process";

/**
 * The DR plan in stack config: every problem named by its path, the same messages from the
 * stack and from `registry-dr plan check` (offline, without Pulumi), the sample stack files valid.
 */

const ROOT = resolve(__dirname, "../../..");
const PLANS = join(ROOT, "examples/plans");
const dir = mkdtempSync(join(tmpdir(), "registry-dr-plan-"));

const run = (args: string[]) => runCli(args, { cwd: dir });

const samplePlan = () =>
  (parse(require("node:fs").readFileSync(join(PLANS, "Pulumi.harbor-to-acr.yaml"), "utf8")) as { config: Record<string, any> }).config["registry-dr:plan"];

function broken(): Record<string, any> {
  const plan = samplePlan();
  plan.primary.harbor.password = "Harbor12345";
  plan.sites.hangzhou.acrEnterprise.region = "hangzhou";
  plan.protect.repositories.push("Library/Nginx");
  plan.sites.hangzhou.replication.harbor.flatten = 5;
  plan.sites.hangzhou.colour = "blue";
  plan.failover.record.ttl = 61;
  return plan;
}

const EXPECTED = [
  /registry-dr:plan\.sites\.hangzhou\.acrEnterprise\.region: expected a region id, such as cn-hangzhou/,
  /registry-dr:plan\.sites\.hangzhou\.replication\.harbor\.flatten: expected a flattening level/,
  /registry-dr:plan\.sites\.hangzhou: .*colour/,
];

test("the stack names every problem of the plan by its path", () => {
  const config = { "registry-dr:plan": JSON.stringify(broken()) };
  assert.throws(
    () => readPlanConfig("registry-dr", (key) => config[key as keyof typeof config]),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      for (const expected of EXPECTED) assert.match(error.message, expected);
      assert.ok(!error.message.includes("Harbor12345"), "no secret in the message");
      return true;
    },
  );
});

test("rules across parts are named by path once the shapes are right", () => {
  const plan = samplePlan();
  plan.primary.harbor.password = "pw";
  plan.protect.repositories = ["Library/Nginx", "library/nginx"];
  plan.failover.record.ttl = 61;
  const read = (value: unknown) => () => readPlanConfig("registry-dr", (key) => (key === "registry-dr:plan" ? JSON.stringify(value) : undefined));
  assert.throws(read(plan), /registry-dr:plan\.protect\.repositories\[0\]: expected lower-case path components/);
  plan.protect.repositories = ["library/nginx"];
  assert.throws(read(plan), /registry-dr:plan\.failover\.record\.ttl: .*5, 30, 60/);
  plan.failover.record.ttl = 60;
  plan.failover.values.hangzhou = "10.0.0.1/32";
  assert.throws(read(plan), /registry-dr:plan\.failover\.values\.hangzhou: /);
  plan.failover.values.hangzhou = "myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com";
  plan.failover.active = "beijing";
  assert.throws(read(plan), /registry-dr:plan\.failover\.active: expected "primary" or "hangzhou"/);
  plan.failover.active = "hangzhou";
  plan.sites.hangzhou.replication = { direct: {} };
  plan.protect.repositories = ["library/ng*"];
  assert.throws(
    read(plan),
    /registry-dr:plan\.sites\.hangzhou\.replication\.direct: library\/ng\*: a direct copy takes a repository name, or a whole project as prefix\/\*\* or prefix\/\*/,
  );
  plan.protect.repositories = ["library/**"];
  plan.sites.hangzhou.replication = { direct: { flatten: 2 } };
  assert.throws(read(plan), /library\/\*\*: a direct copy takes .* with a flattening of 0 to 1/);
  plan.sites.hangzhou.replication = { direct: {} };
  assert.equal(read(plan)()?.protect.repositories[0], "library/**", "a whole project is copied directly too");
  plan.protect.repositories = ["library/nginx"];
  assert.equal(read(plan)()?.sites.hangzhou.acrEnterprise?.namespace, "library", "a valid plan parses");
});

test("the older ImageSync keys beside a plan are refused with what to do", () => {
  const config: Record<string, string> = {
    "registry-dr:plan": JSON.stringify({ ...samplePlan(), primary: { registry: "r.example.com" } }),
    "registry-dr:images": "{}",
  };
  assert.throws(
    () => readPlanConfig("registry-dr", (key) => config[key]),
    /registry-dr:plan is set, and so is registry-dr:images: move the copy into the plan/,
  );
  assert.equal(
    readPlanConfig("registry-dr", (key) => (key === "registry-dr:images" ? "{}" : undefined)),
    undefined,
    "without a plan, the older keys are read as before",
  );
});

test("plan check: the sample stack files are valid; a broken one fails with the stack's messages; encrypted values are taken as given", async () => {
  const samples = readdirSync(PLANS).filter((file) => file.endsWith(".yaml"));
  assert.equal(samples.length, 5, "one sample per guide, and one registry to registry");
  const good = await run(["plan", "check", ...samples.map((file) => join(PLANS, file))]);
  assert.equal(good.code, 0, good.stderr);
  assert.equal(good.stdout.match(/the plan is valid/g)?.length, 5);

  const file = join(dir, "Pulumi.dr.yaml");
  writeFileSync(file, stringify({ config: { "registry-dr:plan": broken() } }));
  const bad = await run(["plan", "check", file]);
  assert.equal(bad.code, 2);
  for (const expected of EXPECTED) assert.match(bad.stderr, expected);
  assert.match(bad.stderr, /^registry-dr plan: .*Pulumi\.dr\.yaml: registry-dr:plan\./m);
  assert.ok(!bad.stderr.includes("Harbor12345"));

  writeFileSync(file, "config:\n  registry-dr:images: {}\n");
  assert.match((await run(["plan", "check", file])).stderr, /no registry-dr:plan in its config/);
  assert.equal((await run(["plan", "lint", file])).code, 2);
});

test("plan check loads no Pulumi module", async () => {
  const loaded = await new Promise<string>((done) =>
    execFile(
      process.execPath,
      ["-e", `require(${JSON.stringify(join(ROOT, "dist/cli/main.js"))}); console.log(Object.keys(require.cache).filter((k) => k.includes("@pulumi")).length)`],
      (_error, stdout) => done(stdout.trim()),
    ),
  );
  assert.equal(loaded, "0");
});

test("plan check refuses a YAML alias bomb with a clear message, not a stack trace", async () => {
  const file = join(dir, "Pulumi.bomb.yaml");
  const levels = ["a: &a [x, x, x, x, x, x, x, x, x]"];
  for (let level = 1; level < 7; level++) {
    const previous = String.fromCharCode(96 + level);
    const name = String.fromCharCode(97 + level);
    levels.push(`${name}: &${name} [${Array(9).fill(`*${previous}`).join(", ")}]`);
  }
  writeFileSync(file, `${levels.join("\n")}\nconfig:\n  registry-dr:plan: *g\n`);
  const result = await run(["plan", "check", file]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /Pulumi\.bomb\.yaml: not valid YAML for a stack file: its aliases expand more than 100 times/);
  assert.doesNotMatch(result.stderr, /ReferenceError|\n\s+at /);
});
