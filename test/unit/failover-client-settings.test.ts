import assert from "node:assert/strict";
import { test } from "node:test";
import { FailoverRecordInputs, clientNameOf, clientZoneName, failoverSiteOf, runFailoverPreflight } from "../../provider/failover";
import { makeTestCa } from "../support/certs";
import { freePort } from "../support/free-port";
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

test("without clients the client view runs with its defaults; clients: false turns it off", () => {
  const site = failoverSiteOf(base, "secondary");
  assert.deepEqual(site.clients, { name: "registry.dr.example.com", port: 443, insecure: false, primaryRegistry: "harbor.dr.example.com" });
  assert.equal(failoverSiteOf({ ...base, clients: false }, "secondary").clients, false, "marked off, so the preflight can say it was clients: false");
  assert.equal(clientNameOf({ ...base, clients: false }), undefined);
});

test("a zone that is not a DNS name takes the one the DNS API gives; without it the view names clients.name", async () => {
  const privateZone = { ...base, backend: "privatezone", zone: "6d83e3b31aa60ca4aaa7161f1b6baa95" } as unknown as FailoverRecordInputs;
  assert.equal(clientNameOf(privateZone, "Dr.Example.com."), "registry.dr.example.com");
  assert.equal((failoverSiteOf({ ...privateZone, name: "@" }, "secondary", "dr.example.com").clients || undefined)?.name, "dr.example.com");
  assert.throws(
    () => failoverSiteOf(privateZone, "secondary"),
    /clients\.name: expected the name clients pull through.*privatezone record's zone is not a DNS name/,
  );
  const asked: string[] = [];
  const store = { product: "PrivateZone", zoneName: async () => (asked.push("zoneName"), "dr.example.com") };
  assert.equal(await clientZoneName(privateZone, store), "dr.example.com");
  // A name given, clients: false, or a zone that is a DNS name: the API is not asked.
  assert.equal(await clientZoneName({ ...privateZone, clients: { name: "pull.example.com" } }, store), undefined);
  assert.equal(await clientZoneName({ ...privateZone, clients: false }, store), undefined);
  assert.equal(await clientZoneName(base, store), undefined);
  assert.deepEqual(asked, ["zoneName"]);
  const failing = { product: "PrivateZone", zoneName: async () => Promise.reject(new Error("Zone.NotExists")) };
  await assert.rejects(clientZoneName(privateZone, failing), /DNS name could not be read \(Zone\.NotExists\): give clients\.name, or clients: false/);
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
    const view = site.clients || undefined;
    assert.equal(view?.port, 443);
    assert.deepEqual(view?.trust?.ca, [ca.pem]);
    assert.ok(!("caFile" in site), "the site's CA travels as routes, not as a field");
  } finally {
    await removeTempDir(dir);
  }
});

test("a site built by hand without a client view is not said to have clients: false; one from clients: false is", async () => {
  // Nothing listens there: the preflight finds the registry down, and still says what it did not check.
  const registry = `127.0.0.1:${await freePort()}`;
  const byHand = await runFailoverPreflight({ name: "secondary", registry, insecure: true }, undefined, false);
  assert.equal(byHand.clients, undefined);
  assert.match(byHand.clientsNotChecked ?? "", /^client view not checked: this preflight was given no client view \(the site has no clients\)/);
  assert.doesNotMatch(byHand.clientsNotChecked ?? "", /clients: false/);
  const inputs = { ...base, sites: { ...base.sites, secondary: { value: "10.2.0.20", registry, insecure: true } }, clients: false } as FailoverRecordInputs;
  const optedOut = await runFailoverPreflight(failoverSiteOf(inputs, "secondary"), undefined, false);
  assert.match(optedOut.clientsNotChecked ?? "", /^client view not checked \(clients: false\)/);
});
