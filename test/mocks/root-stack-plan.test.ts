import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { parse } from "yaml";
import { imageSyncSummary, isRegisteredSecret, recordRegistrations, valueOf } from "../support/pulumi-mocks";

/** The root stack with a `registry-dr:plan`: the sample image-syncer plan becomes a RegistryDisasterRecovery. */

test("the root stack builds the plan's component, its site and its copy, credentials as secrets", async () => {
  const stack = parse(readFileSync(resolve(__dirname, "../../../examples/plans/Pulumi.image-syncer-direct.yaml"), "utf8")) as { config: Record<string, any> };
  const plan = stack.config["registry-dr:plan"];
  plan.primary.auth.password = "reader-Secret-1";
  pulumi.runtime.setAllConfig({ "registry-dr:plan": JSON.stringify(plan) }, ["registry-dr:plan"]);
  const registered = await recordRegistrations("registry-dr", imageSyncSummary({ synced: 2, skipped: 0, failed: 0 }));

  const program = (await import("../../index")).default;
  const endpoints = await valueOf(program.endpoints as pulumi.Output<unknown>);
  assert.deepEqual(endpoints, { beijing: { registry: "myinstance-registry.cn-beijing.cr.aliyuncs.com", namespace: "image-syncer" } });
  assert.equal(await valueOf(program.activeSite as pulumi.Output<unknown>), "primary");
  assert.deepEqual(await valueOf(program.readiness as pulumi.Output<unknown>), {
    beijing: { path: "direct", present: 0, missing: 0, differs: 0, copiedAt: "", oldestMissingSince: "" },
  });
  assert.deepEqual(Object.keys(program).sort(), ["activeSite", "endpoints", "readiness"], "the ImageSync-only outputs are not exported with a plan");
  const byType = (type: string) => registered.filter((resource) => resource.type === type);
  assert.equal(byType("registry-dr:index:RegistryDisasterRecovery").length, 1);
  assert.equal(byType("registry-dr:alicloud:AcrEnterpriseTarget").length, 1);
  const [sync] = byType("pulumi-nodejs:dynamic/registry-dr:ImageSync");
  assert.deepEqual(sync.inputs.images, {
    "registry.internal.example.com/library/nginx:/^v[^/]*$/": "myinstance-registry.cn-beijing.cr.aliyuncs.com/image-syncer/nginx",
    "registry.internal.example.com/team/app/api:/^v[^/]*$/": "myinstance-registry.cn-beijing.cr.aliyuncs.com/image-syncer/app/api",
  });
  assert.equal(sync.inputs.proc, 10);
  assert.ok(isRegisteredSecret(sync.inputs.auth));
  assert.ok(
    !JSON.stringify(registered.map((resource) => ({ ...resource.inputs, auth: undefined }))).includes("reader-Secret-1"),
    "the password is nowhere else in plain text",
  );
});
