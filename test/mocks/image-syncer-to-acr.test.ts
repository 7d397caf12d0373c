import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { imageSyncSummary, isRegisteredSecret, recordRegistrations, valueOf } from "../support/pulumi-mocks";

/** The image-syncer-to-acr example's resource graph under mocks, with its sample config. */

test("the example copies the configured Harbor repositories into the ACR namespace, passwords secret", async () => {
  const project = "image-syncer-to-acr";
  pulumi.runtime.setAllConfig(
    {
      [`${project}:harborHost`]: "harbor.myk8s.paas.com:32080",
      [`${project}:harborUsername`]: "admin",
      [`${project}:harborPassword`]: "harbor-pw",
      [`${project}:harborInsecure`]: "true",
      [`${project}:acrRegistry`]: "registry.cn-beijing.aliyuncs.com",
      [`${project}:acrUsername`]: "acr_pusher@1938562138124787",
      [`${project}:acrPassword`]: "acr-pw",
      [`${project}:repositories`]: JSON.stringify(["library/nginx", "library/redis"]),
    },
    [`${project}:harborPassword`, `${project}:acrPassword`],
  );
  const registered = await recordRegistrations(project, imageSyncSummary({ synced: 0, skipped: 0, failed: 0 }));

  const program = await import("../../examples/image-syncer-to-acr");
  await valueOf(program.counts);
  assert.deepEqual(
    registered.map((r) => r.type),
    ["pulumi-nodejs:dynamic/registry-dr:ImageSync"],
  );
  const inputs = registered[0].inputs;
  assert.deepEqual(inputs.images, { "harbor.myk8s.paas.com:32080/library/nginx": "", "harbor.myk8s.paas.com:32080/library/redis": "" });
  assert.equal(inputs.namespace, "image-syncer");
  assert.equal(inputs.registry, "registry.cn-beijing.aliyuncs.com");
  assert.ok(isRegisteredSecret(inputs.auth), "auth is a secret");
  assert.ok(!String(inputs.__provider).includes("harbor-pw") && !String(inputs.__provider).includes("acr-pw"));
});
