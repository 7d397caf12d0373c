import assert from "node:assert/strict";
import { createPublicKey, createVerify } from "node:crypto";
import { after, before, test } from "node:test";
import { CloudDns, GoogleAccessTokens, GoogleApi, GoogleApiError, jwtAssertion, parseServiceAccountKey, SCOPES } from "../../provider/clients/google";
import { GoogleStandIn, startGoogleStandIn, StandInServiceAccount } from "../support/google";

/** Google credentials and Cloud DNS against the Google stand-in, which verifies every assertion's signature. */

let google: GoogleStandIn;
let account: StandInServiceAccount;

before(async () => {
  google = await startGoogleStandIn();
  account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", "dr-project");
  google.dns.addZone("dr-project", "dr-zone", "dr.example.com.");
});

after(async () => {
  assert.deepEqual(google.violations(), []);
  await google.stop();
});

test("a key's missing or wrong fields are named, and no part of the key is quoted", () => {
  const key = JSON.parse(account.keyJson);
  for (const field of ["client_email", "private_key", "token_uri"]) {
    const { [field]: _dropped, ...rest } = key;
    assert.throws(
      () => parseServiceAccountKey(JSON.stringify(rest)),
      (error: Error) => error.message.includes(field) && !error.message.includes("PRIVATE KEY"),
      `missing ${field}`,
    );
  }
  assert.throws(
    () => parseServiceAccountKey(JSON.stringify({ ...key, private_key: "-----BEGIN PRIVATE KEY-----\nnope\n-----END PRIVATE KEY-----\n" })),
    /private_key: expected a PEM private key/,
  );
  assert.throws(() => parseServiceAccountKey(JSON.stringify({ ...key, token_uri: "http://oauth2.example.com/token" })), /token_uri: expected an https URL/);
  assert.throws(
    () => parseServiceAccountKey("{not json " + key.private_key),
    (error: Error) => /expected a service-account key/.test(error.message) && !error.message.includes("PRIVATE KEY"),
  );
  const fromBase64 = parseServiceAccountKey(Buffer.from(account.keyJson).toString("base64"));
  assert.equal(fromBase64.clientEmail, account.email);
  assert.equal(fromBase64.tokenUri.href, google.tokenUri);
});

test("the assertion is RS256 over iss, scope, aud = the key's token_uri, iat and an exp one hour later", () => {
  const key = parseServiceAccountKey(account.keyJson);
  const jwt = jwtAssertion(key, [SCOPES.cloudDns], 1_764_612_000);
  const [header, claims, signature] = jwt.split(".");
  assert.deepEqual(JSON.parse(Buffer.from(header, "base64url").toString()), { alg: "RS256", typ: "JWT", kid: "0123456789abcdef" });
  assert.deepEqual(JSON.parse(Buffer.from(claims, "base64url").toString()), {
    iss: account.email,
    scope: SCOPES.cloudDns,
    aud: google.tokenUri,
    iat: 1_764_612_000,
    exp: 1_764_615_600,
  });
  assert.ok(createVerify("RSA-SHA256").update(`${header}.${claims}`).verify(createPublicKey(key.privateKey), Buffer.from(signature, "base64url")));
});

test("tokens are minted once for concurrent callers and renewed before they lapse", async () => {
  google.setTokenLifetime(4);
  const tokens = new GoogleAccessTokens(parseServiceAccountKey(account.keyJson), [SCOPES.cloudDns]);
  try {
    const first = await Promise.all([tokens.token(), tokens.token(), tokens.token()]);
    assert.equal(new Set(first.map((token) => token.token)).size, 1);
    assert.equal(tokens.minted, 1);
    await new Promise((resolve) => setTimeout(resolve, 3200)); // past three quarters of 4 s
    const renewed = await tokens.token();
    assert.notEqual(renewed.token, first[0].token);
    assert.equal(tokens.minted, 2);
    assert.equal(google.tokens.check(`Bearer ${renewed.token}`, [SCOPES.cloudDns]) !== undefined, true);
  } finally {
    google.setTokenLifetime(3600);
    await tokens.close();
  }
});

test("a key the token endpoint does not accept fails with Google's reason, never the key or the assertion", async () => {
  const stranger = google.addServiceAccount("other@dr-project.iam.gserviceaccount.com", "dr-project");
  // The right e-mail with another account's private key: the signature does not verify.
  const forged = JSON.stringify({ ...JSON.parse(account.keyJson), private_key: JSON.parse(stranger.keyJson).private_key });
  const tokens = new GoogleAccessTokens(parseServiceAccountKey(forged), [SCOPES.cloudDns]);
  try {
    await assert.rejects(tokens.token(), (error: Error) => {
      assert.ok(error instanceof GoogleApiError);
      assert.match(error.message, /POST \/token \(token for dr-dns@dr-project\.iam\.gserviceaccount\.com\): 400 invalid_grant: Invalid JWT Signature\./);
      assert.ok(!error.message.includes("PRIVATE KEY") && !error.message.includes("eyJ"), "no key, no assertion");
      return true;
    });
  } finally {
    await tokens.close();
  }
});

test("Cloud DNS: a change is applied and polled to done; a stale deletion is refused with 412 conditionNotMet and changes nothing", async () => {
  const tokens = new GoogleAccessTokens(parseServiceAccountKey(account.keyJson), [SCOPES.cloudDns]);
  const api = new GoogleApi(new URL(google.dnsEndpoint), tokens);
  const dns = new CloudDns(api, "dr-project");
  try {
    assert.equal((await dns.zone("dr-zone")).dnsName, "dr.example.com.");
    assert.equal(await dns.recordSet("dr-zone", "registry.dr.example.com.", "CNAME"), undefined);
    const primary = { name: "registry.dr.example.com.", type: "CNAME", ttl: 60, rrdatas: ["harbor.example.com."] };
    await dns.change("dr-zone", { additions: [primary], deletions: [] });
    assert.deepEqual(await dns.recordSet("dr-zone", "registry.dr.example.com.", "CNAME"), primary);
    google.dns.setRecord("dr-project", "dr-zone", { ...primary, rrdatas: ["hand-edit.example.com."] });
    const flip = { additions: [{ ...primary, rrdatas: ["dr-registry.example.com."] }], deletions: [primary] };
    await assert.rejects(
      dns.change("dr-zone", flip),
      (error: Error) => error instanceof GoogleApiError && error.status === 412 && error.code === "conditionNotMet",
    );
    assert.deepEqual(google.dns.record("dr-project", "dr-zone", "registry.dr.example.com.", "CNAME")?.rrdatas, ["hand-edit.example.com."]);
    assert.ok(
      google.requests().some((request) => request.method === "GET" && /\/changes\/\d+$/.test(request.path)),
      "the change was polled",
    );
  } finally {
    await api.close();
    await tokens.close();
  }
});

test("ids from answers never reach a URL unchecked", async () => {
  const tokens = new GoogleAccessTokens(parseServiceAccountKey(account.keyJson), [SCOPES.cloudDns]);
  const api = new GoogleApi(new URL(google.dnsEndpoint), tokens);
  try {
    await assert.rejects(new CloudDns(api, "../other-project").zone("dr-zone"), /invalid project "\.\.\/other-project"/);
    await assert.rejects(new CloudDns(api, "dr-project").zone("a/b"), /invalid managed zone "a\/b"/);
  } finally {
    await api.close();
    await tokens.close();
  }
});
