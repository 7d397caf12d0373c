import assert from "node:assert/strict";
import { test } from "node:test";
import { FailoverRecordInputs, clientNameOf, failoverSiteOf } from "../../provider/failover";
import { makeTestCa } from "../support/certs";
import { makeTempDir, removeTempDir } from "../support/processes";

const base = {
  backend: "rfc2136",
  zone: "DR.Example.com.",
  name: "Registry",
  type: "A",
  sites: {
    primary: { value: "10.1.0.10", registry: "harbor.dr.example.com" },
    secondary: { value: "10.2.0.20", registry: "https://standby.example.com:8443/" },
  },
  active: "secondary",
} as unknown as FailoverRecordInputs;

test("the client name defaults to the record's name in its zone, compared as a DNS name; the apex is the zone", () => {
  assert.equal(clientNameOf({ ...base, clients: {} }), "registry.dr.example.com");
  assert.equal(clientNameOf({ ...base, name: "@", clients: {} }), "dr.example.com");
  assert.equal(clientNameOf({ ...base, clients: { name: "Pull.Example.com." } }), "pull.example.com");
  assert.equal(clientNameOf({ ...base, backend: "clouddns", zone: "dr-zone", clients: {} } as unknown as FailoverRecordInputs), undefined);
});

test("a preflight trusts both sites' CAs, each for its own registry host, and defaults the clients' port to 443", async () => {
  const dir = makeTempDir("client-settings-");
  try {
    const ca = await makeTestCa(dir);
    const inputs = {
      ...base,
      sites: { primary: { ...base.sites.primary, caFile: ca.certPath }, secondary: { ...base.sites.secondary, ca: ca.pem } },
      clients: { caFile: ca.certPath },
    } as unknown as FailoverRecordInputs;
    const site = failoverSiteOf(inputs, "secondary");
    assert.deepEqual(Object.keys(site.routes ?? {}).sort(), ["harbor.dr.example.com", "standby.example.com:8443"]);
    assert.deepEqual(site.routes?.["harbor.dr.example.com"].trust?.ca, [ca.pem]);
    assert.equal(site.value, "10.2.0.20");
    assert.equal(site.clients?.port, 443);
    assert.deepEqual(site.clients?.trust?.ca, [ca.pem]);
    assert.ok(!("caFile" in site), "the site's CA travels as routes, not as a field");
  } finally {
    await removeTempDir(dir);
  }
});
