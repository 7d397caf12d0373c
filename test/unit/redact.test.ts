import assert from "node:assert/strict";
import { test } from "node:test";
import { redactSecrets } from "../../provider/validation";

const BASIC = `Basic ${Buffer.from("admin:Harbor12345-$ecret").toString("base64")}`;
const JWT = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiJyb2JvdCRjaSJ9.c2lnbmF0dXJlLWJ5dGVz";

test("Authorization values, tokens, JWTs and password fields are removed wherever they appear", () => {
  const cases: [string, string][] = [
    [
      `HTTP 400: {"errors":[{"detail":{"Authorization":["${BASIC}"],"User-Agent":["undici"]}}]}`,
      'HTTP 400: {"errors":[{"detail":{"Authorization":"[redacted]","User-Agent":["undici"]}}]}',
    ],
    [`echo\nAuthorization: ${BASIC}\nHost: h.io`, "echo\nAuthorization: [redacted]\nHost: h.io"],
    [`bad request (sent ${BASIC})`, "bad request (sent Basic [redacted])"],
    [`denied: bearer ${JWT}`, "denied: bearer [redacted]"],
    [`token ${JWT} expired`, "token [redacted] expired"],
    ['{"token": "abc\\"def", "access_token":"zzz", "expires_in": 300}', '{"token": "[redacted]", "access_token":"[redacted]", "expires_in": 300}'],
    [
      '{"username": "admin", "password": "Hunter2", "accessKeySecret": "k"}',
      '{"username": "admin", "password": "[redacted]", "accessKeySecret": "[redacted]"}',
    ],
    ["GET /token?service=h.io&password=hunter2&scope=repository:a:pull", "GET /token?service=h.io&password=[redacted]&scope=repository:a:pull"],
    ["X-Registry-Token: s3cr3t", "X-Registry-Token: [redacted]"],
  ];
  for (const [input, expected] of cases) assert.equal(redactSecrets(input), expected);
});

test("ordinary registry errors pass through unchanged", () => {
  for (const text of [
    "127.0.0.1:5000: checking the registry API (GET /v2/): authentication failed: check the username and password for 127.0.0.1:5000",
    "h.io: manifest library/nginx:1.25 not found (MANIFEST_UNKNOWN)",
    "h.io: blob sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef arrived at 0.5 B/s, below the 1.0 KiB/s floor for 30.0 s: the source is stalling",
    "cancelled: --timeout of 1.5 s reached",
    "127.0.0.1:4000: POST /token: headers timeout (no answer within 30 s) [UND_ERR_HEADERS_TIMEOUT]",
    "oauth2.googleapis.com: POST /token (token for dr@p.iam.gserviceaccount.com): no complete answer within 30 s; try again later",
    "h.io: token server auth.h.io: GET /v2/token: no complete answer within 30 s",
    "127.0.0.1:1: POST /oauth2/v4/token: cancelled: --timeout of 20 s reached",
    "127.0.0.2:443: checking the registry API (GET /v2/): authentication failed (HTTP 401, UNAUTHORIZED: authentication required): check the credentials for this registry [request id 7f3a]",
  ]) {
    assert.equal(redactSecrets(text), text);
  }
});

test("an auth scheme's name at the end of a line is a word, not a credential: the next line stays", () => {
  const table = "STATUS   SOURCE   DIGEST\npresent  a/b:1    sha256:a8d87bc83be1\n";
  assert.equal(redactSecrets(table), table);
  assert.ok(!redactSecrets("Authorization: Digest username123").includes("username123"));
});

test("a run's redactor removes its configured secrets in every form: as they are, base64 (of the secret and of user:password), URL-encoded, in either hex case", async () => {
  const { secretRedactor } = await import("../../provider/validation");
  const redact = secretRedactor({
    secrets: ["Harbor12345-$ecret", "tok/en+with=signs", "abc"],
    logins: [{ username: "admin", password: "Harbor12345-$ecret" }],
  });
  const basic = Buffer.from("admin:Harbor12345-$ecret").toString("base64");
  const token64 = Buffer.from("tok/en+with=signs").toString("base64");
  for (const leak of [
    "admin:Harbor12345-$ecret rejected",
    `forwarded Basic%20${encodeURIComponent(basic)}`,
    `t ${encodeURIComponent("tok/en+with=signs").replace(/%[0-9A-F]{2}/g, (escape) => escape.toLowerCase())}`,
    `seen ${basic}`,
    `seen ${Buffer.from("admin:Harbor12345-$ecret").toString("base64url")}`,
    `token=${encodeURIComponent("tok/en+with=signs")}`.replace("token=", "t "),
    `t ${token64}`,
    `t ${encodeURIComponent(token64)}`,
  ]) {
    const out = redact(leak);
    assert.ok(out.includes("[redacted]"), `${leak} -> ${out}`);
    for (const form of ["Harbor12345", basic.slice(0, 12), token64.slice(0, 12), "tok/en", "tok%2Fen"]) assert.ok(!out.includes(form), `${leak} -> ${out}`);
  }
  assert.equal(
    redact("abc: the repository library/abc"),
    "abc: the repository library/abc",
    "a secret shorter than 4 characters is removed only in its longer forms",
  );
  assert.equal(redact("h.io: manifest library/nginx:1.25 not found (MANIFEST_UNKNOWN)"), "h.io: manifest library/nginx:1.25 not found (MANIFEST_UNKNOWN)");
});
