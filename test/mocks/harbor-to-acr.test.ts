import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRegisteredSecret, recordRegistrations, valueOf } from "../support/pulumi-mocks";

/** The harbor-to-acr example's resource graph under mocks: the endpoint, rule and first run of Alibaba Cloud's Harbor-to-ACR guide. */

test("the example wires endpoint -> push rule (event trigger, flatten 1) -> initial run, the password secret", async () => {
  const project = "harbor-to-acr";
  pulumi.runtime.setAllConfig(
    {
      "registry-dr:harborUrl": "https://harbor.example.com",
      "registry-dr:harborUsername": "admin",
      "registry-dr:harborPassword": "harbor-pw",
      [`${project}:harborProject`]: "test-project",
      [`${project}:acrUrl`]: "https://myinstance-registry-vpc.cn-hangzhou.cr.aliyuncs.com",
      [`${project}:acrUsername`]: "dr-sync@1938562138124787",
      [`${project}:acrPassword`]: "acr-pw",
      [`${project}:acrNamespace`]: "dr-ns",
    },
    ["registry-dr:harborPassword", `${project}:acrPassword`],
  );
  const registered = await recordRegistrations(project, { registryId: 7, policyId: 3, executionId: 11, status: "Succeed", total: 2, failed: 0 });
  const program = await import("../../examples/harbor-to-acr");
  assert.deepEqual(await valueOf(program.policyId as pulumi.Output<number>), 3);
  await valueOf(program.replication.status);
  const byType = Object.fromEntries(registered.map((r) => [r.type.split(":").pop(), r.inputs]));
  assert.deepEqual(Object.keys(byType).sort(), ["HarborRegistry", "HarborReplicationPolicy", "HarborReplicationRun"]);
  assert.equal(byType.HarborRegistry.type, "docker-registry");
  assert.ok(isRegisteredSecret(byType.HarborRegistry.accessSecret), "the ACR password is a secret");
  const rule = byType.HarborReplicationPolicy;
  assert.deepEqual(
    [rule.direction, rule.remoteRegistryId, rule.destNamespace, rule.flatten, rule.trigger, rule.filters],
    ["push", 7, "dr-ns", 1, { type: "event_based" }, { name: "test-project/**" }],
  );
  assert.equal(byType.HarborReplicationRun.policyId, 3);
  for (const inputs of registered.map((r) => r.inputs))
    assert.ok(!String(inputs.__provider).includes("acr-pw") && !String(inputs.__provider).includes("harbor-pw"));
});
