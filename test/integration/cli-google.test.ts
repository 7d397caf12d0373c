import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage } from "../support/fixtures";
import { ArtifactRegistryFront, GoogleStandIn, startArtifactRegistryFront, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/** `registry-dr sync` into the Artifact Registry-like front with a key file and --max-rps: copies, exits, never prints the key. */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

let google: GoogleStandIn;
let account: StandInServiceAccount;
let front: ArtifactRegistryFront;
let source: RegistryServer;
let dir: string;

before(async () => {
  google = await startGoogleStandIn();
  account = google.addServiceAccount("dr-sync@dr-project.iam.gserviceaccount.com", "dr-project");
  [front, source] = await Promise.all([startArtifactRegistryFront(google.tokens, () => [account]), startRegistry()]);
  await pushSmallImage(source, "team/app:1.0", undefined, "1.0");
  dir = makeTempDir("registry-dr-cli-google-");
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([front?.stop(), source?.stop(), google?.stop(), dir && removeTempDir(dir)]);
});

function run(args: string[], cwd = dir): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: "true" }, timeout: 60_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stdout, stderr });
    });
  });
}

test("sync with {google: {serviceAccountKeyFile}} (beside the config file, wherever the command runs) and --max-rps copies the image and exits", {
  timeout: 90_000,
}, async () => {
  writeFileSync(join(dir, "dr-sync-key.json"), account.keyJson);
  writeFileSync(
    join(dir, "config.json"),
    JSON.stringify({
      auth: { [`${front.host}/dr-project`]: { google: { serviceAccountKeyFile: "dr-sync-key.json" } } },
      images: { [`${source.host}/team/app:1.0`]: `${front.host}/dr-project/dr-images/app` },
    }),
  );
  const result = await run(["sync", "--config", join(dir, "config.json"), "--max-rps", "10"], tmpdir());
  assert.equal(result.code, 0, result.stderr);
  assert.equal(
    await manifestDigest(`docker://${front.backend.host}/dr-project/dr-images/app:1.0`),
    await manifestDigest(`docker://${source.host}/team/app:1.0`),
  );
  assert.ok(front.logins().some((login) => login.kind === "oauth2accesstoken"));
  assert.ok(!(result.stdout + result.stderr).includes("PRIVATE KEY"), "the key is never printed");
});

test("a key file missing a field fails before any copy, naming the field", async () => {
  const { token_uri: _dropped, ...rest } = JSON.parse(account.keyJson);
  writeFileSync(join(dir, "bad-key.json"), JSON.stringify(rest));
  writeFileSync(
    join(dir, "bad.json"),
    JSON.stringify({
      auth: { [front.host]: { google: { serviceAccountKeyFile: "bad-key.json" } } },
      images: { [`${source.host}/team/app:1.0`]: `${front.host}/dr-project/dr-images/bad` },
    }),
  );
  const result = await run(["sync", "--config", "bad.json"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /google\.serviceAccountKeyFile\.token_uri: expected the token endpoint/);
  assert.ok(!result.stderr.includes("PRIVATE KEY"));
});
