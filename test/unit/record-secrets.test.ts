import assert from "node:assert/strict";
import { test } from "node:test";
import { failoverRecordSchema, recordRedactor } from "../../provider/failover";

/** The break-glass command prints everything through recordRedactor: every secret a record carries, in every form. */

const SITES = { primary: { value: "10.1.0.10", registry: "harbor.example.com" }, secondary: { value: "10.2.0.20", registry: "standby.example.com" } };
const READINESS = {
  auth: { "standby.example.com": { username: "dr-reader", password: "Rd/Pa55+word" } },
  images: { "harbor.example.com/library/app": "standby.example.com/library/app" },
};

test("a record's redactor removes the readiness login (plain, base64, URL-encoded) and the DNS backend's secret", () => {
  const tsig = Buffer.alloc(32, 7).toString("base64");
  const rfc2136 = failoverRecordSchema().parse({
    backend: "rfc2136",
    zone: "dr.example.com",
    name: "registry",
    type: "A",
    active: "primary",
    sites: SITES,
    readiness: READINESS,
    rfc2136: { server: "10.0.0.53:53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: tsig } },
  });
  const redact = recordRedactor(rfc2136);
  const basic = Buffer.from("dr-reader:Rd/Pa55+word").toString("base64");
  const said = redact(`dr-reader:Rd/Pa55+word refused; sent ${encodeURIComponent(basic)}, key ${tsig}, password Rd/Pa55+word`);
  for (const form of ["Rd/Pa55+word", basic, encodeURIComponent(basic), tsig]) assert.ok(!said.includes(form), `${form} in ${said}`);
  assert.match(said, /\[redacted\] refused/);

  const alidns = failoverRecordSchema().parse({
    backend: "alidns",
    zone: "example.com",
    name: "registry",
    type: "A",
    active: "primary",
    sites: SITES,
    alicloud: { accessKey: "LTAI5tExampleKeyId", secretKey: "AccessKeySecretValue0123" },
  });
  assert.equal(recordRedactor(alidns)("SignatureDoesNotMatch for AccessKeySecretValue0123&"), "SignatureDoesNotMatch for [redacted]&");
});
