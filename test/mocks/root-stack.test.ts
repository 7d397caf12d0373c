import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { imageSyncSummary, isRegisteredSecret, recordRegistrations, valueOf } from "../support/pulumi-mocks";
import { ConfigError } from "../../provider/validation";
import { readStackConfig } from "../../components/dr-stack";

/** The root stack's resource graph under Pulumi mocks, and its config validation. */

const PROJECT = "registry-dr";

test("the stack builds one ImageSync from config, with auth as a secret", async () => {
  pulumi.runtime.setAllConfig(
    {
      "registry-dr:images": JSON.stringify({ "harbor.example.com/library/nginx": "" }),
      "registry-dr:auth": JSON.stringify({ "harbor.example.com": { username: "admin", password: "s3cret" } }),
      "registry-dr:registry": "registry.cn-beijing.aliyuncs.com",
      "registry-dr:namespace": "image-syncer",
      "registry-dr:proc": "10",
    },
    ["registry-dr:auth"],
  );
  const registered = await recordRegistrations(PROJECT, imageSyncSummary({ synced: 1, skipped: 0, failed: 0 }));

  const program = (await import("../../index")).default;
  assert.deepEqual(Object.keys(program).sort(), ["syncCounts", "syncedImages"], "the plan's outputs are not exported without a plan");
  const counts = await valueOf(program.syncCounts);
  assert.deepEqual(counts, { synced: 1, skipped: 0, failed: 0 });
  assert.deepEqual(
    registered.map((r) => [r.type, r.name]),
    [["pulumi-nodejs:dynamic/registry-dr:ImageSync", "image-sync"]],
  );
  const inputs = registered[0].inputs;
  assert.deepEqual(inputs.images, { "harbor.example.com/library/nginx": "" });
  assert.equal(inputs.registry, "registry.cn-beijing.aliyuncs.com");
  assert.equal(inputs.proc, 10);
  assert.ok(isRegisteredSecret(inputs.auth), "auth is registered as a secret");
  assert.ok(!String(inputs.__provider).includes("s3cret"));
});

test("a misconfigured stack fails naming every bad config key", () => {
  const config: Record<string, string> = {
    "registry-dr:images": JSON.stringify({ "harbor.example.com/library/Nginx": "", "h.io/a": 5 }),
    "registry-dr:proc": "zero",
    "registry-dr:auth": JSON.stringify({ "h.io": { username: "u" } }),
  };
  assert.throws(
    () => readStackConfig(PROJECT, (key) => config[key]),
    (error: Error) => {
      assert.ok(error instanceof ConfigError);
      assert.match(error.message, /registry-dr:images\["h\.io\/a"\]: expected a destination string/);
      assert.match(error.message, /registry-dr:proc: expected a whole number/);
      assert.match(error.message, /registry-dr:auth\["h\.io"\]: username and password go together/);
      return true;
    },
  );
  assert.throws(
    () => readStackConfig(PROJECT, (key) => ({ "registry-dr:images": JSON.stringify({ "h.io/library/Nginx": "x.io/a" }) })[key]),
    /registry-dr:images\["h\.io\/library\/Nginx"\]: repository "library\/Nginx" is not valid/,
  );
  assert.throws(() => readStackConfig(PROJECT, () => undefined), /registry-dr:images is not set: run pulumi config set registry-dr:images/);
  assert.throws(
    () => readStackConfig(PROJECT, (key) => ({ "registry-dr:images": JSON.stringify({ "h.io/library/nginx": "" }) })[key]),
    /registry-dr:images\["h\.io\/library\/nginx"\]: the destination is "", so a default destination registry and namespace must be given/,
  );
});
