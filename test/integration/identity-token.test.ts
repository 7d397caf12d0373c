import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { startTokenServer, TokenServer } from "../support/token-server";

/**
 * `identityToken` auth entries (docker's identitytoken, image-syncer's proposed field): an OAuth2
 * refresh token exchanged at the registry's bearer realm with distribution's form POST, against
 * real docker-registry instances behind a strict token server. Refused clearly on a Basic-only
 * registry; never printed, logged or written to the failed-images file.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const IDENTITY_TOKEN = "idt-7f3c2a9e0b41d5c8e6f1a2b3c4d5e6f7";
const REVOKED_TOKEN = "idt-revoked-0a1b2c3d4e5f60718293a4b5";

let tokens: TokenServer;
let source: RegistryServer;
let destination: RegistryServer;
let basicOnly: RegistryServer;
let image: SmallImage;
let dir: string;

before(async () => {
  tokens = await startTokenServer({ users: { seeder: "seed-pass-4" }, refreshTokens: { [IDENTITY_TOKEN]: "robot-sync" } });
  [source, destination, basicOnly] = await Promise.all([
    startRegistry({ auth: { kind: "token", tokenServer: tokens } }),
    startRegistry({ auth: { kind: "token", tokenServer: tokens } }),
    startRegistry({ auth: { kind: "htpasswd", users: { pusher: "push-pass-5" } } }),
  ]);
  image = await pushSmallImage(source, "team/app:1.0", "seeder:seed-pass-4", "identity");
  dir = makeTempDir("registry-dr-identity-token-");
});
after(async () => Promise.all([source?.stop(), destination?.stop(), basicOnly?.stop(), tokens?.stop(), dir && removeTempDir(dir)]));

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, CI: "true", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: stdout + stderr });
    });
  });
}

function writeConfig(name: string, destinationHost: string, destinationToken: string, repository: string): string {
  writeFileSync(
    join(dir, name),
    JSON.stringify({
      auth: { [source.host]: { identityToken: IDENTITY_TOKEN }, [destinationHost]: { identityToken: destinationToken } },
      images: { [`${source.host}/team/app:1.0`]: `${destinationHost}/dr/${repository}` },
    }),
  );
  return name;
}

/** Everything the run left for a person to read. */
function readOutputs(result: { output: string }, files: string[]): string {
  return [result.output, ...files.map((file) => readFileSync(join(dir, file), "utf8"))].join("\n");
}

test("an identity token is exchanged at the realm by a form POST (refresh_token grant) and the copy lands", { timeout: 90_000 }, async () => {
  tokens.clearRequests();
  const result = await run(["sync", "--config", writeConfig("identity.json", destination.host, IDENTITY_TOKEN, "app"), "--log", "identity.log"]);
  assert.equal(result.code, 0, result.output);
  const asked = tokens.requests(); // before skopeo, which asks for tokens of its own
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:1.0`, "seeder:seed-pass-4"), image.digest);
  assert.ok(asked.length > 0);
  for (const request of asked) {
    assert.deepEqual([request.method, request.grant, request.account, request.status], ["POST", "refresh_token", "robot-sync", 200], JSON.stringify(request));
    assert.ok(!request.url.includes(IDENTITY_TOKEN), "the refresh token stays out of the URL");
  }
  assert.ok(
    asked.some((request) => request.scopes.includes("repository:dr/app:pull,push")),
    JSON.stringify(asked.map((request) => request.scopes)),
  );
  assert.ok(!readOutputs(result, ["identity.log"]).includes(IDENTITY_TOKEN));
});

test("the identity token may come from the environment, as ${NAME}", { timeout: 90_000 }, async () => {
  writeFileSync(
    join(dir, "identity-env.json"),
    JSON.stringify({
      auth: { [source.host]: { identityToken: "${REGISTRY_IDENTITY_TOKEN}" }, [destination.host]: { identityToken: "$REGISTRY_IDENTITY_TOKEN" } },
      images: { [`${source.host}/team/app:1.0`]: `${destination.host}/dr/app-env` },
    }),
  );
  const result = await run(["sync", "--config", "identity-env.json"], { REGISTRY_IDENTITY_TOKEN: IDENTITY_TOKEN });
  assert.equal(result.code, 0, result.output);
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app-env:1.0`, "seeder:seed-pass-4"), image.digest);
});

test("a revoked identity token fails the image saying so, and appears in no output", { timeout: 90_000 }, async () => {
  const result = await run([
    "sync",
    "--config",
    writeConfig("revoked.json", destination.host, REVOKED_TOKEN, "revoked"),
    "--log",
    "revoked.log",
    "--failed-images",
    "revoked-failed.json",
    "--retries",
    "0",
  ]);
  assert.equal(result.code, 1, result.output);
  assert.match(result.output, /rejected an identity token \(HTTP 400\): check the identityToken for this registry/);
  const outputs = readOutputs(result, ["revoked.log", "revoked-failed.json"]);
  assert.ok(!outputs.includes(REVOKED_TOKEN) && !outputs.includes(IDENTITY_TOKEN), "no identity token in stderr, the log or the failed-images file");
});

test("a registry offering only Basic is refused clearly, without sending the identity token", { timeout: 90_000 }, async () => {
  basicOnly.clearRequests();
  const result = await run([
    "sync",
    "--config",
    writeConfig("basic-only.json", basicOnly.host, IDENTITY_TOKEN, "basic"),
    "--log",
    "basic.log",
    "--failed-images",
    "basic-failed.json",
    "--retries",
    "0",
  ]);
  assert.equal(result.code, 1, result.output);
  assert.match(
    result.output,
    new RegExp(
      `${basicOnly.host.replace(/\./g, "\\.")}: the registry takes only username/password logins \\(its challenge is Basic, with no token realm\\), and an identityToken is only exchanged at a token realm .*give username and password for this registry instead`,
    ),
  );
  assert.ok(!readOutputs(result, ["basic.log", "basic-failed.json"]).includes(IDENTITY_TOKEN));
  assert.ok(
    basicOnly.requests().every((request) => request.status === 401 || request.path === "/v2/"),
    JSON.stringify(basicOnly.requests()),
  );
});

test("identityToken with username/password, or empty, is refused by the config check naming the entry", async () => {
  writeFileSync(
    join(dir, "both.json"),
    JSON.stringify({
      auth: { [source.host]: { identityToken: IDENTITY_TOKEN, username: "u", password: "p" }, [destination.host]: { identityToken: "" } },
      images: { [`${source.host}/team/app:1.0`]: `${destination.host}/dr/none` },
    }),
  );
  const result = await run(["sync", "--config", "both.json"]);
  assert.equal(result.code, 2, result.output);
  assert.match(
    result.output,
    new RegExp(`auth\\["${source.host.replace(/\./g, "\\.")}"\\]: give one of username/password, identityToken, token, alicloud or google, not several`),
  );
  assert.match(result.output, /identityToken: expected a non-empty identity token/);
  assert.ok(!result.output.includes(IDENTITY_TOKEN));
});
