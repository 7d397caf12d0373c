import assert from "node:assert/strict";
import { test } from "node:test";
import { failoverRecordPlacementSchema, failoverRecordSchema } from "../../provider/failover";

/** The failover record's schema: one variant per backend, each taking exactly its own settings. */

const sites = { primary: { value: "10.1.0.10", registry: "harbor.example.com" }, secondary: { value: "10.2.0.20", registry: "dr.example.com" } };
const alicloud = { accessKey: "LTAI5tExampleKey", secretKey: "example-secret" };
const rfc2136 = { server: "10.0.0.53:53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: "c2VjcmV0" } };
const google = { project: "dr-project" };
const record = { zone: "dr.example.com", name: "registry", type: "A", sites, active: "primary" };

function issues(value: unknown) {
  const parsed = failoverRecordSchema().safeParse(value);
  return parsed.success ? [] : parsed.error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
}

test("each backend takes its own settings block", () => {
  assert.deepEqual(issues({ ...record, backend: "privatezone", alicloud }), []);
  assert.deepEqual(issues({ ...record, backend: "alidns" }), [], "Alibaba credentials may come from the stack config");
  assert.deepEqual(issues({ ...record, backend: "rfc2136", rfc2136 }), []);
  assert.deepEqual(issues({ ...record, backend: "clouddns", zone: "dr-zone", google }), []);
});

test("another backend's settings block is refused, naming the block and the backend it belongs to", () => {
  assert.deepEqual(issues({ ...record, backend: "rfc2136", rfc2136, alicloud }), [
    'alicloud: expected no alicloud settings with backend "rfc2136": they belong to backend "privatezone" and "alidns"',
  ]);
  assert.deepEqual(issues({ ...record, backend: "privatezone", alicloud, google }), [
    'google: expected no google settings with backend "privatezone": they belong to backend "clouddns"',
  ]);
  assert.deepEqual(issues({ ...record, backend: "clouddns", zone: "dr-zone", rfc2136 }), [
    'rfc2136: expected no rfc2136 settings with backend "clouddns": they belong to backend "rfc2136"',
  ]);
  assert.deepEqual(issues({ ...record, backend: "alidns", rfc2136, google }).length, 2, "each foreign block is named");
});

test("rfc2136 needs its servers and key; the Alibaba backends manage CNAME and A records only", () => {
  assert.deepEqual(issues({ ...record, backend: "rfc2136" }), [
    "rfc2136: expected {server or servers, tsig: {name, algorithm, secret}, transport?}: the DNS server(s) to update and the TSIG key",
  ]);
  assert.deepEqual(
    issues({
      ...record,
      backend: "alidns",
      type: "AAAA",
      sites: { primary: { ...sites.primary, value: "fd00::10" }, secondary: { ...sites.secondary, value: "fd00::20" } },
    }),
    ['type: expected "CNAME" or "A": the Alibaba backends here manage those'],
  );
  assert.deepEqual(
    issues({
      ...record,
      backend: "rfc2136",
      rfc2136,
      type: "AAAA",
      sites: { primary: { ...sites.primary, value: "fd00::10" }, secondary: { ...sites.secondary, value: "fd00::20" } },
    }),
    [],
  );
});

test("an unknown or missing backend is named, and the fields every backend has are still checked", () => {
  const found = issues({ ...record, backend: "route53", active: "tertiary" });
  assert.equal(found.length, 2);
  assert.match(found[0], /^backend: expected "privatezone" \(Alibaba PrivateZone\), "alidns" .* or "clouddns" \(Google Cloud DNS\)$/);
  assert.match(found[1], /^active: expected "primary" or "secondary"/);
  assert.match(issues({ ...record })[0], /^backend: expected "privatezone"/);
});

test("a DR plan's record is the same union without sites and switching", () => {
  const placement = (value: unknown) => failoverRecordPlacementSchema().safeParse(value);
  assert.equal(placement({ backend: "rfc2136", zone: "dr.example.com", name: "registry", type: "A", rfc2136 }).success, true);
  const foreign = placement({ backend: "rfc2136", zone: "dr.example.com", name: "registry", type: "A", rfc2136, google });
  assert.deepEqual(
    foreign.error?.issues.map((issue) => issue.path),
    [["google"]],
  );
  assert.equal(
    placement({ backend: "rfc2136", zone: "dr.example.com", name: "registry", type: "A", rfc2136, sites }).success,
    false,
    "sites belong to the switch, not the plan's record",
  );
});

test("clients: false opts out of the client view on every backend; anything else but the settings is refused, keeping each field's path", () => {
  for (const variant of [
    { backend: "privatezone", alicloud },
    { backend: "alidns" },
    { backend: "rfc2136", rfc2136 },
    { backend: "clouddns", zone: "dr-zone", google },
  ]) {
    assert.deepEqual(issues({ ...record, ...variant, clients: false }), [], variant.backend);
    assert.equal((failoverRecordSchema().parse({ ...record, ...variant, clients: false }) as { clients?: unknown }).clients, false);
  }
  const expected =
    /^clients: expected \{name\?, port\?, caFile\?, ca\?, insecure\?, credential\?\}: .*every field has a default\), or false where the client view cannot be checked from here$/;
  for (const wrong of [true, "false", null, ["name"]]) {
    const found = issues({ ...record, backend: "rfc2136", rfc2136, clients: wrong });
    assert.equal(found.length, 1, `${JSON.stringify(wrong)}: ${found.join("\n")}`);
    assert.match(found[0], expected);
  }
  assert.deepEqual(issues({ ...record, backend: "rfc2136", rfc2136, clients: { port: "443" } }), ["clients.port: expected a port number"]);
  assert.deepEqual(issues({ ...record, backend: "rfc2136", rfc2136, clients: { name: "not a name" } }), [
    "clients.name: expected a DNS name, such as registry.dr.example.com",
  ]);
  assert.match(issues({ ...record, backend: "rfc2136", rfc2136, clients: { nmae: "x" } }).join("\n"), /^clients: expected \{name\?/);
});
