import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments } from "../../cli/arguments";
import { loadSyncJob } from "../../cli/config-files";
import { withEnvironmentValues } from "../../cli/environment-values";
import { ConfigError } from "../../provider";

test("a username or password that is exactly ${NAME} or $NAME is read from the environment; other $ stay literal", () => {
  const environment = { ROBOT_USER: "robot$ci", ROBOT_SECRET: "s3cret" };
  const auth = withEnvironmentValues({ "h.io": { username: "${ROBOT_USER}", password: "$ROBOT_SECRET" }, "g.io": { username: "robot$ci", password: "pa$$word" }, "k.io": { username: "u", password: "${ROBOT_SECRET}x" } }, "auth.json", environment);
  assert.deepEqual(auth?.["h.io"], { username: "robot$ci", password: "s3cret" });
  assert.deepEqual(auth?.["g.io"], { username: "robot$ci", password: "pa$$word" });
  assert.equal(auth?.["k.io"]?.password, "${ROBOT_SECRET}x", "only whole values are references");
});

test("an unset variable is refused by name, without any value in the message", () => {
  assert.throws(
    () => withEnvironmentValues({ "h.io": { username: "u", password: "${ACR_PASSWORD}" } }, "auth.json", {}),
    (error: Error) => error instanceof ConfigError && /auth\.json/.test(error.message) && /password.*ACR_PASSWORD, which is not set/.test(error.message),
  );
});

test("DEFAULT_REGISTRY and DEFAULT_NAMESPACE stand in for --registry and --namespace; the flags win", () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-env-"));
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ images: { "h.io/library/nginx:1.25": "" } }));
  const saved = { registry: process.env.DEFAULT_REGISTRY, namespace: process.env.DEFAULT_NAMESPACE };
  try {
    process.env.DEFAULT_REGISTRY = "acr.example.com";
    process.env.DEFAULT_NAMESPACE = "mirror";
    assert.deepEqual(loadSyncJob(parseCommandArguments("sync", ["--config", config])).defaults, { registry: "acr.example.com", namespace: "mirror" });
    assert.deepEqual(loadSyncJob(parseCommandArguments("sync", ["--config", config, "--namespace", "other"])).defaults, { registry: "acr.example.com", namespace: "other" });
  } finally {
    for (const [key, value] of [["DEFAULT_REGISTRY", saved.registry], ["DEFAULT_NAMESPACE", saved.namespace]] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});
