import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";
import { accessFromAuthMap, authMapSchema } from "../../provider/sync";

/** The `google` auth entry and the --max-rps flag, without a network. */

const KEY_JSON = JSON.stringify({
  type: "service_account",
  client_email: "dr-sync@dr-project.iam.gserviceaccount.com",
  private_key: generateKeyPairSync("rsa", { modulusLength: 2048 }).privateKey.export({ type: "pkcs8", format: "pem" }).toString(),
  token_uri: "https://oauth2.googleapis.com/token",
});

test("a google entry takes the key's text or its file, one of them; the credential names the account, never the key", () => {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-google-key-"));
  const file = join(dir, "key.json");
  writeFileSync(file, KEY_JSON);
  const access = accessFromAuthMap({
    "europe-west4-docker.pkg.dev/dr-project/dr-images": { google: { serviceAccountKeyFile: file } },
    "gcr.io/dr-project": { google: { serviceAccountKey: KEY_JSON } },
  });
  for (const entry of Object.values(access))
    assert.deepEqual(
      { ...entry.credential, serviceAccountKey: "..." },
      { kind: "google", serviceAccountKey: "...", clientEmail: "dr-sync@dr-project.iam.gserviceaccount.com" },
    );
  assert.equal(authMapSchema().safeParse({ h: { google: { serviceAccountKey: KEY_JSON, serviceAccountKeyFile: file } } }).success, false);
  assert.equal(authMapSchema().safeParse({ h: { google: {} } }).success, false);
  assert.throws(
    () => accessFromAuthMap({ h: { google: { serviceAccountKeyFile: join(dir, "missing.json") } } }),
    /auth\.h\.google\.serviceAccountKeyFile: cannot read .*ENOENT/,
  );
  const { private_key: _dropped, ...noKey } = JSON.parse(KEY_JSON);
  assert.throws(
    () => accessFromAuthMap({ h: { google: { serviceAccountKey: JSON.stringify(noKey) } } }),
    (error: Error) => /auth\.h\.google\.serviceAccountKey\.private_key: expected the PEM private key/.test(error.message) && !error.message.includes("BEGIN"),
  );
});

test("--max-rps takes requests per second above zero", () => {
  assert.equal(parseCommandArguments("sync", ["--max-rps", "20"]).maxRequestsPerSecond, 20);
  assert.equal(parseCommandArguments("sync", ["--max-rps=0.5"]).maxRequestsPerSecond, 0.5);
  assert.equal(parseCommandArguments("sync", []).maxRequestsPerSecond, undefined);
  assert.throws(
    () => parseCommandArguments("sync", ["--max-rps", "0"]),
    (error: Error) => error instanceof UsageError && /--max-rps: expected requests per second above zero/.test(error.message),
  );
  assert.throws(() => parseCommandArguments("sync", ["--max-rps", "fast"]), UsageError);
});
