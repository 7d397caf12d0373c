import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse, stringify } from "yaml";
import { readPlanConfig } from "../../components/dr-stack/stack-config";
import { ConfigError } from "../../provider/validation";

/**
 * ACR Enterprise Edition holds `namespace/repository`: a DNS failover standby there cannot keep a
 * deeper primary path (`library/team/app`) however it is namespaced or flattened. A DR plan (the
 * component's check and `registry-dr plan check` alike) refuses such a repository by its entry,
 * where the selection makes the depth known, and says what works instead.
 */

const PLANS = resolve(__dirname, "../../../examples/plans");
const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

function acrPlan(): Record<string, any> {
  const stack = parse(readFileSync(join(PLANS, "Pulumi.harbor-to-acr.yaml"), "utf8")) as { config: Record<string, any> };
  const plan = stack.config["registry-dr:plan"];
  plan.primary.harbor.password = "pw";
  return plan;
}

/** The check's messages, each starting with the setting it names. */
function problems(plan: unknown): { message: string }[] {
  try {
    readPlanConfig("registry-dr", (key) => (key === "registry-dr:plan" ? JSON.stringify(plan) : undefined));
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => ({ message: issue.message }));
  }
  return [];
}

test("a three-level repository protected for an ACR Enterprise Edition standby is refused by its entry, saying what works instead", () => {
  const plan = acrPlan();
  assert.deepEqual(problems(plan), [], "the sample's two-level repositories fit");
  plan.protect.repositories.push("library/team/app");
  const [found, ...rest] = problems(plan);
  assert.deepEqual(rest, []);
  assert.match(
    found.message,
    /^registry-dr:plan\.protect\.repositories\[3\]: the failover standby hangzhou is ACR Enterprise Edition, which holds namespace\/repository \(two levels\): library\/team\/app has 3 levels/,
  );
  assert.match(found.message, /clients pulling it through the name after a DNS flip would get 404/);
  assert.match(found.message, /a site of kind registry/);
  assert.match(found.message, /`registry-dr rewrite`/);
});

test("a pattern every match of which is deeper is refused too; one that may match two levels is left to the copy", () => {
  const plan = acrPlan();
  plan.protect.repositories = ["library/team/*"];
  assert.match(problems(plan)[0]?.message ?? "", /library\/team\/\* has 3 levels/);
  plan.protect.repositories = ["library/**", "library/*"];
  assert.deepEqual(problems(plan), [], "what library/** finds is known only when the copy lists the project");
});

test("only the failover standby is held to it: a plain registry standby, or an ACR site no record fails over to, keeps any depth", () => {
  const plan = acrPlan();
  plan.protect.repositories = ["library/team/app"];
  const withoutFailover = structuredClone(plan);
  delete withoutFailover.failover;
  assert.deepEqual(problems(withoutFailover), []);
  plan.sites.hangzhou = {
    registry: { url: "https://standby.example.com", namespace: "library" },
    replication: { harbor: { flatten: 1 } },
  };
  plan.failover.values.hangzhou = "standby-lb.example.com";
  assert.deepEqual(
    problems(plan).filter((issue) => /levels/.test(issue.message)),
    [],
  );
});

test("registry-dr plan check refuses it with exit 2, naming the repository", async () => {
  const dir = mkdtempSync(join(tmpdir(), "plan-acr-levels-"));
  try {
    const stack = parse(readFileSync(join(PLANS, "Pulumi.harbor-to-acr.yaml"), "utf8"));
    stack.config["registry-dr:plan"].protect.repositories = ["library/nginx", "library/team/app"];
    writeFileSync(join(dir, "Pulumi.dr.yaml"), stringify(stack));
    const result = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [BIN, "plan", "check", "Pulumi.dr.yaml"], { cwd: dir }, (error, _stdout, stderr) =>
        done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stderr }),
      ),
    );
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /registry-dr:plan\.protect\.repositories\[1\]: the failover standby hangzhou is ACR Enterprise Edition/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
