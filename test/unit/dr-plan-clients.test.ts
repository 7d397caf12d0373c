import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { ConfigError } from "../../provider/validation";
import { readPlanConfig } from "../../components/dr-stack/stack-config";

/** A DR plan's failover takes `clients`, checked as FailoverRecord checks it, with the plan's paths. */

const PLANS = resolve(__dirname, "../../../examples/plans");
const harborToAcr = () => {
  const plan = (parse(readFileSync(join(PLANS, "Pulumi.harbor-to-acr.yaml"), "utf8")) as { config: Record<string, any> }).config["registry-dr:plan"];
  plan.primary.harbor.password = "Harbor-Secret-1";
  return plan;
};
const problems = (plan: unknown): string[] => {
  try {
    readPlanConfig("registry-dr", (key) => (key === "registry-dr:plan" ? JSON.stringify(plan) : undefined));
    return [];
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.issues.map((issue) => issue.message);
  }
};

test("a PrivateZone failover's clients take their name from the zone at the switch; a bad port is named; a good block is taken", () => {
  const plan = harborToAcr();
  assert.equal(plan.failover.record.backend, "privatezone");
  const before = problems(plan);
  // The zone is an id: its DNS name is read from PrivateZone when the record switches, not refused here.
  plan.failover.clients = { port: 443, credential: { username: "ci", password: "ci-secret-1" } };
  assert.deepEqual(problems(plan), before);
  plan.failover.clients = { name: "harbor.example.com", port: 70000, credential: { username: "ci", password: "ci-secret-1" } };
  const found = problems(plan);
  assert.ok(
    found.some((message) => /failover\.clients\.port: expected a port from 1 to 65535/.test(message)),
    found.join("\n"),
  );
  assert.ok(!found.join("\n").includes("ci-secret-1"));
  plan.failover.clients = { name: "harbor.example.com" };
  assert.deepEqual(problems(plan), before);
});

test("a DR plan's failover takes clients: false; true or a string is refused, saying what is taken", () => {
  const plan = harborToAcr();
  const before = problems(plan);
  plan.failover.clients = false;
  assert.deepEqual(problems(plan), before);
  for (const wrong of [true, "off"]) {
    plan.failover.clients = wrong;
    const found = problems(plan);
    assert.ok(
      found.some((message) =>
        /^registry-dr:plan\.failover\.clients: expected \{name\?, port\?, caFile\?, ca\?, insecure\?, credential\?\}.*or false where the client view cannot be checked/.test(
          message,
        ),
      ),
      found.join("\n"),
    );
  }
});
