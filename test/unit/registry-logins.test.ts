import assert from "node:assert/strict";
import { generateKeyPairSync } from "node:crypto";
import { test } from "node:test";
import { AcrLoginSource } from "../../provider/clients/alicloud/acr-temporary-login";
import { GoogleRegistryLogin } from "../../provider/clients/google/registry-login";
import { RegistryCredential, loginSourceFor, takesChunkedUploads } from "../../provider/sync";

/**
 * Which login source each credential kind comes to, and what each registry can take, is
 * decided in provider/sync; the registry client knows no vendor (test/unit/architecture.test.ts).
 */

function serviceAccountKey(email: string): string {
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return JSON.stringify({
    type: "service_account",
    client_email: email,
    private_key: privateKey.export({ type: "pkcs8", format: "pem" }),
    token_uri: "https://oauth2.googleapis.com/token",
  });
}

test("each credential kind comes to its login source; descriptions name who, never the secret", async () => {
  assert.equal(loginSourceFor({ kind: "anonymous" }), undefined);
  const basic = loginSourceFor({ kind: "basic", username: "robot$ci", password: "pa$$" })!;
  assert.deepEqual(await basic.login(), { username: "robot$ci", password: "pa$$" });
  assert.equal(basic.description, 'user "robot$ci"');
  const token = loginSourceFor({ kind: "token", token: "tok-123" })!;
  assert.deepEqual(await token.login(), { registryToken: "tok-123" });
  const identity = loginSourceFor({ kind: "identity-token", identityToken: "refresh-456" })!;
  assert.deepEqual(await identity.login(), { identityToken: "refresh-456" });
  const acr = loginSourceFor({
    kind: "alicloud",
    instanceId: "cri-test",
    region: "cn-hangzhou",
    accessKey: { accessKeyId: "LTAIkey", accessKeySecret: "key-secret" },
  })!;
  assert.ok(acr instanceof AcrLoginSource);
  assert.equal(acr.description, "an ACR temporary login for instance cri-test");
  const google = loginSourceFor({
    kind: "google",
    serviceAccountKey: serviceAccountKey("dr@p.iam.gserviceaccount.com"),
    clientEmail: "dr@p.iam.gserviceaccount.com",
  })!;
  assert.ok(google instanceof GoogleRegistryLogin);
  assert.equal(google.description, "an access token of service account dr@p.iam.gserviceaccount.com");
  await google.close?.();
  for (const source of [basic, token, identity, acr, google]) assert.doesNotMatch(source.description, /pa\$\$|tok-123|refresh-456|key-secret|PRIVATE KEY/);
});

test("chunked uploads: not to Artifact Registry's or gcr.io's hosts, nor with a Google login", () => {
  const basic: RegistryCredential = { kind: "basic", username: "u", password: "p" };
  const google: RegistryCredential = { kind: "google", serviceAccountKey: "{}", clientEmail: "dr@p.iam.gserviceaccount.com" };
  for (const host of ["europe-west4-docker.pkg.dev", "us-docker.pkg.dev", "gcr.io", "eu.gcr.io"]) assert.equal(takesChunkedUploads(host, basic), false, host);
  assert.equal(takesChunkedUploads("harbor.example.com", basic), true);
  assert.equal(takesChunkedUploads("harbor.example.com", { kind: "anonymous" }), true);
  assert.equal(takesChunkedUploads("127.0.0.1:5000", google), false);
});
