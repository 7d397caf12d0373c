import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments } from "../../cli/arguments";
import { failoverCommand } from "../../cli/commands/failover";
import { loadSyncJob } from "../../cli/config-files";
import { authFileText } from "../../components/kubernetes/sync-config-files";
import { ConfigError } from "../../provider";
import { withEnvironmentValues } from "../../provider/sync";

const dir = mkdtempSync(join(tmpdir(), "registry-dr-env-"));
const IMAGES = { "h.io/library/nginx:1.25": "d.io/mirror/nginx" };

test("a username or password that is exactly ${NAME} or $NAME is read from the environment; other $ stay literal", () => {
  const environment = { ROBOT_USER: "robot$ci", ROBOT_SECRET: "s3cret" };
  const auth = withEnvironmentValues(
    {
      "h.io": { username: "${ROBOT_USER}", password: "$ROBOT_SECRET" },
      "g.io": { username: "robot$ci", password: "pa$$word" },
      "k.io": { username: "u", password: "${ROBOT_SECRET}x" },
    },
    environment,
    "auth.json",
    ["auth"],
  );
  assert.deepEqual(auth["h.io"], { username: "robot$ci", password: "s3cret" });
  assert.deepEqual(auth["g.io"], { username: "robot$ci", password: "pa$$word" });
  assert.equal(auth["k.io"]?.password, "${ROBOT_SECRET}x", "only whole values are references");
});

test("an unset or empty variable is refused by name, without any value in the message", () => {
  assert.throws(
    () => withEnvironmentValues({ "h.io": { username: "u", password: "${ACR_PASSWORD}" } }, {}, "auth.json", ["auth"]),
    (error: Error) => error instanceof ConfigError && /auth\.json/.test(error.message) && /password.*ACR_PASSWORD, which is not set/.test(error.message),
  );
  assert.throws(
    () => withEnvironmentValues({ "h.io": { username: "$ACR_USER", password: "x" } }, { ACR_USER: "" }, "auth.json", ["auth"]),
    (error: Error) =>
      error instanceof ConfigError && /auth\["h\.io"\]\.username: is read from the environment variable ACR_USER, which is empty/.test(error.message),
  );
});

/**
 * Every file the command (or a SyncSchedule's pod) reads that can hold a secret, each asked to
 * read `value` at the place it names: the same three spellings give the same outcome in each.
 */
const FILE_KINDS: { kind: string; read(value: string): Promise<unknown>; place: RegExp }[] = [
  {
    kind: "sync --config (JSON)",
    read: async (value) => configJob(value),
    place: /config\.json: auth\["h\.io"\]\.password/,
  },
  {
    kind: "sync --auth (YAML) with --images",
    read: async (value) => authFileJob(value),
    place: /auth\.yaml: auth\["h\.io"\]\.token/,
  },
  {
    kind: "failover --record (YAML)",
    read: (value) =>
      failoverCommand(
        ["--record", writeFile("record.yaml", `backend: rfc2136\nrfc2136:\n  tsig:\n    secret: '${value}'\n`), "--to", "secondary"],
        AbortSignal.abort(),
      ),
    place: /record\.yaml: rfc2136\.tsig\.secret/,
  },
  {
    kind: "SyncSchedule auth (without environmentSecret, so a reference is refused)",
    read: async (value) => authFileText({ "h.io": { username: "u", password: value } }, false, "SyncSchedule s: config"),
    place: /SyncSchedule s: config: auth\["h\.io"\]\.password/,
  },
];

test("one rule in every file kind: exactly ${NAME} or $NAME names a variable, anything else is literal", async (t) => {
  const unset = "REGISTRY_DR_TEST_NEVER_SET";
  assert.equal(process.env[unset], undefined);
  for (const { kind, read, place } of FILE_KINDS) {
    await t.test(kind, async () => {
      for (const value of [`\${${unset}}`, `$${unset}`]) {
        await assert.rejects(
          read(value),
          (error: Error) => error instanceof ConfigError && place.test(error.message) && error.message.includes(`environment variable ${unset}`),
          `${kind}: ${value} is read from the environment`,
        );
      }
      for (const value of [`x$${unset}`, `\${${unset}}x`, `pa$$word`]) {
        try {
          await read(value);
        } catch (error) {
          assert.ok(!(error as Error).message.includes("environment variable"), `${kind}: ${value} is literal, got ${(error as Error).message}`);
        }
      }
    });
  }
});

test("sync files: the variable's value is what the job gets, in --config and --auth alike", () => {
  const saved = process.env.REGISTRY_DR_TEST_SECRET;
  process.env.REGISTRY_DR_TEST_SECRET = "s3cret";
  try {
    assert.equal(configJob("$REGISTRY_DR_TEST_SECRET").auth?.["h.io"]?.password, "s3cret");
    assert.equal(authFileJob("${REGISTRY_DR_TEST_SECRET}").auth?.["h.io"]?.token, "s3cret");
  } finally {
    if (saved === undefined) delete process.env.REGISTRY_DR_TEST_SECRET;
    else process.env.REGISTRY_DR_TEST_SECRET = saved;
  }
});

test("DEFAULT_REGISTRY and DEFAULT_NAMESPACE stand in for --registry and --namespace; the flags win", () => {
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify({ images: { "h.io/library/nginx:1.25": "" } }));
  const saved = { registry: process.env.DEFAULT_REGISTRY, namespace: process.env.DEFAULT_NAMESPACE };
  try {
    process.env.DEFAULT_REGISTRY = "acr.example.com";
    process.env.DEFAULT_NAMESPACE = "mirror";
    assert.deepEqual(loadSyncJob(parseCommandArguments("sync", ["--config", config])).defaults, { registry: "acr.example.com", namespace: "mirror" });
    assert.deepEqual(loadSyncJob(parseCommandArguments("sync", ["--config", config, "--namespace", "other"])).defaults, {
      registry: "acr.example.com",
      namespace: "other",
    });
  } finally {
    for (const [key, value] of [
      ["DEFAULT_REGISTRY", saved.registry],
      ["DEFAULT_NAMESPACE", saved.namespace],
    ] as const) {
      if (value === undefined) delete process.env[key];
      else process.env[key] = value;
    }
  }
});

function writeFile(name: string, text: string): string {
  const file = join(dir, name);
  writeFileSync(file, text);
  return file;
}

function configJob(password: string) {
  return loadSyncJob(
    parseCommandArguments("sync", ["--config", writeFile("config.json", JSON.stringify({ auth: { "h.io": { username: "u", password } }, images: IMAGES }))]),
  );
}

function authFileJob(token: string) {
  return loadSyncJob(
    parseCommandArguments("sync", [
      "--auth",
      writeFile("auth.yaml", `h.io:\n  token: '${token}'\n`),
      "--images",
      writeFile("images.json", JSON.stringify(IMAGES)),
    ]),
  );
}
