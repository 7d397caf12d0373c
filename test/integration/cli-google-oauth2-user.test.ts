import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { ArtifactRegistryFront, GoogleStandIn, startArtifactRegistryFront, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * image-syncer's Google login, `{username: "_oauth2_", password: <base64 of the key JSON>}`:
 * the key is exchanged for access tokens (JWT-bearer grant at the Google stand-in) and the
 * Artifact Registry front sees `oauth2accesstoken` logins, never the key itself.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

let google: GoogleStandIn;
let account: StandInServiceAccount;
let front: ArtifactRegistryFront;
let source: RegistryServer;
let image: SmallImage;
let dir: string;

before(async () => {
  google = await startGoogleStandIn();
  account = google.addServiceAccount("image-syncer@dr-project.iam.gserviceaccount.com", "dr-project");
  [front, source] = await Promise.all([startArtifactRegistryFront(google.tokens, () => [account]), startRegistry()]);
  image = await pushSmallImage(source, "team/app:1.0", undefined, "oauth2");
  dir = makeTempDir("registry-dr-cli-oauth2-");
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([front?.stop(), source?.stop(), google?.stop(), dir && removeTempDir(dir)]);
});

function run(args: string[], env: Record<string, string> = {}): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, CI: "true", ...env }, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: stdout + stderr });
    });
  });
}

function writeAuth(name: string, password: string): string {
  writeFileSync(join(dir, name), JSON.stringify({ [`${front.host}/dr-project`]: { username: "_oauth2_", password } }));
  return name;
}

function writeImages(repository: string): string {
  const name = `${repository}.json`;
  writeFileSync(join(dir, name), JSON.stringify({ [`${source.host}/team/app:1.0`]: `${front.host}/dr-project/dr-images/${repository}` }));
  return name;
}

const keyBase64 = () => Buffer.from(account.keyJson).toString("base64");

test("_oauth2_ with the base64 key copies through access tokens minted from the key", { timeout: 90_000 }, async () => {
  const result = await run(["sync", "--auth", writeAuth("auth.json", keyBase64()), "--images", writeImages("app")]);
  assert.equal(result.code, 0, result.output);
  assert.equal(await manifestDigest(`docker://${front.backend.host}/dr-project/dr-images/app:1.0`), image.digest);
  assert.ok(
    front.logins().length > 0 && front.logins().every((login) => login.kind === "oauth2accesstoken" && login.email === account.email),
    JSON.stringify(front.logins()),
  );
  assert.ok(!result.output.includes("PRIVATE KEY") && !result.output.includes(keyBase64().slice(0, 40)), "the key is never printed");
});

test("the password may come from the environment, as ${NAME}", { timeout: 90_000 }, async () => {
  const result = await run(["sync", "--auth", writeAuth("auth-env.json", "${GCR_KEY_BASE64}"), "--images", writeImages("app-env")], {
    GCR_KEY_BASE64: keyBase64(),
  });
  assert.equal(result.code, 0, result.output);
  assert.equal(await manifestDigest(`docker://${front.backend.host}/dr-project/dr-images/app-env:1.0`), image.digest);
});

test("a password that is not base64, or the base64 of a bad key, fails the config check naming the auth key and field, never quoting the key", async () => {
  const notBase64 = account.keyJson;
  const first = await run(["sync", "--auth", writeAuth("not-base64.json", notBase64), "--images", writeImages("refused")]);
  assert.equal(first.code, 2, first.output);
  assert.ok(
    first.output.includes(`auth["${front.host}/dr-project"].password: with username _oauth2_, expected the base64 of a service-account key's JSON file`),
    first.output,
  );
  assert.ok(!first.output.includes("PRIVATE KEY") && !first.output.includes(account.email));

  const { client_email: _dropped, ...withoutEmail } = JSON.parse(account.keyJson);
  const badKey = Buffer.from(JSON.stringify(withoutEmail)).toString("base64");
  const second = await run(["sync", "--auth", writeAuth("bad-key.json", badKey), "--images", writeImages("refused")]);
  assert.equal(second.code, 2, second.output);
  assert.match(second.output, /\.password\.client_email: expected the service account's e-mail address/);
  assert.ok(!second.output.includes("PRIVATE KEY") && !second.output.includes(badKey.slice(0, 40)));
  assert.ok(!front.backend.requests().some((request) => request.path.includes("refused")), "nothing was pushed");
});
