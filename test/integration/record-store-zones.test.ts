import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AlidnsRecords, AlicloudClient, PrivateZoneRecords } from "../../provider/clients/alicloud";
import { Rfc2136Records } from "../../provider/clients/dns";
import { CloudDns, CloudDnsRecords, GoogleAccessTokens, GoogleApi, SCOPES, parseServiceAccountKey } from "../../provider/clients/google";
import { RecordOutsideZoneError, RecordStore } from "../../provider/failover";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { GoogleStandIn, startGoogleStandIn } from "../support/google";

/**
 * A record store is bound to one zone: asked about a record of another zone (its RecordId, or
 * its absolute name) it finds nothing or refuses, and never reads or writes that record, even
 * where the backend's own calls would (Alibaba's take a RecordId of any zone; a DNS server and
 * a Google project serve several zones).
 */

const outside = (error: unknown) =>
  error instanceof RecordOutsideZoneError &&
  /is not in zone .*, the zone this record store is bound to, so nothing was read or written there$/.test((error as Error).message);
const fields = { rr: "registry", type: "CNAME", value: "intruder.example.com", ttl: 60 };

/** The same questions for every backend: the other zone's record is neither read, changed nor deleted. */
async function staysOutOfZoneB(
  store: RecordStore,
  otherZoneId: string,
  otherZoneRecord: () => Promise<string | undefined>,
  outsideReads: "missing" | "refused",
): Promise<void> {
  if (outsideReads === "missing") assert.equal(await store.get(otherZoneId), undefined, "another zone's record reads as missing");
  else await assert.rejects(store.get(otherZoneId), outside);
  const before = await otherZoneRecord();
  assert.ok(before, "the other zone holds its record");
  const current = { recordId: otherZoneId, rr: "registry", type: "CNAME", value: before, ttl: 60 };
  await assert.rejects(store.update(otherZoneId, fields, current), outside);
  if (outsideReads === "missing") await store.delete(otherZoneId, current);
  else await assert.rejects(store.delete(otherZoneId, current), outside);
  assert.equal(await otherZoneRecord(), before, "the other zone's record is as it was");
  assert.deepEqual(await store.find("registry"), [], "zone A holds no record of that name");
}

describe("Alibaba stores (stand-in)", () => {
  const KEY = { accessKeyId: "LTAI5tZoneBoundTest1", accessKeySecret: "zone-bound-secret" };
  let alibaba: AlicloudStandIn;
  let client: AlicloudClient;

  before(async () => {
    alibaba = await startAlicloudStandIn({ accessKeys: { [KEY.accessKeyId]: { secret: KEY.accessKeySecret } } });
    client = new AlicloudClient({ accessKey: KEY, endpoints: alibaba.endpoints });
  });
  after(async () => {
    assert.deepEqual(alibaba?.violations(), []);
    await client?.close();
    await alibaba?.stop();
  });

  test("a PrivateZone store bound to zone A neither reads, updates nor deletes zone B's record by its RecordId", async () => {
    const zoneA = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "a.example.com" })).ZoneId;
    const zoneB = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "b.example.com" })).ZoneId;
    const inB = new PrivateZoneRecords(client, zoneB);
    const id = await inB.create({ rr: "registry", type: "CNAME", value: "harbor-b.example.com", ttl: 60 });
    await staysOutOfZoneB(new PrivateZoneRecords(client, zoneA), id, async () => (await inB.get(id))?.value, "missing");
    assert.ok(!alibaba.requests().some((request) => request.action === "UpdateZoneRecord" || request.action === "DeleteZoneRecord"), "no write was sent");
  });

  test("an Alibaba Cloud DNS store bound to domain A neither reads, updates nor deletes domain B's record by its RecordId", async () => {
    alibaba.addDomain("a-example.com");
    alibaba.addDomain("b-example.com");
    const inB = new AlidnsRecords(client, "b-example.com");
    const id = await inB.create({ rr: "registry", type: "CNAME", value: "harbor-b.example.com", ttl: 600 });
    await staysOutOfZoneB(new AlidnsRecords(client, "a-example.com"), id, async () => (await inB.get(id))?.value, "missing");
    assert.ok(!alibaba.requests().some((request) => request.action === "UpdateDomainRecord" || request.action === "DeleteDomainRecord"), "no write was sent");
  });
});

describe("Cloud DNS store (stand-in)", () => {
  let google: GoogleStandIn;
  let api: GoogleApi;
  let tokens: GoogleAccessTokens;

  before(async () => {
    google = await startGoogleStandIn();
    const account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", "dr-project");
    google.dns.addZone("dr-project", "zone-a", "a.example.com.");
    google.dns.addZone("dr-project", "zone-b", "b.example.com.");
    tokens = new GoogleAccessTokens(parseServiceAccountKey(account.keyJson), [SCOPES.cloudDns]);
    api = new GoogleApi(new URL(google.dnsEndpoint), tokens);
  });
  after(async () => {
    await api?.close();
    await tokens?.close();
    assert.deepEqual(google?.violations(), []);
    await google?.stop();
  });

  test("a store bound to managed zone A refuses a record named in zone B's DNS name", async () => {
    const dns = new CloudDns(api, "dr-project");
    const inB = new CloudDnsRecords(dns, "zone-b", "dr-project");
    const id = await inB.create({ rr: "registry", type: "CNAME", value: "harbor-b.example.com", ttl: 60 });
    assert.equal(id, "registry.b.example.com/CNAME");
    await staysOutOfZoneB(
      new CloudDnsRecords(dns, "zone-a", "dr-project"),
      id,
      async () => google.dns.record("dr-project", "zone-b", "registry.b.example.com.", "CNAME")?.rrdatas.join(","),
      "refused",
    );
  });
});

describe("RFC 2136 store (BIND)", () => {
  let bind: DnsTestServer;

  before(async () => {
    bind = await startDnsServer("bind", { records: ["registry 60 IN CNAME harbor.example.com."] });
  });
  after(async () => {
    await bind?.stop();
  });

  test("a store bound to a zone below the server's refuses the server's record above it, which BIND would answer", async () => {
    // BIND serves dr.example.com; stage.dr.example.com is another zone as far as the store knows.
    const store = new Rfc2136Records(`stage.${bind.zone}`, { servers: [bind.address], key: bind.key, timeoutMs: 2000 });
    const id = `registry.${bind.zone}/CNAME`;
    await staysOutOfZoneB(store, id, async () => (await bind.dig(`registry.${bind.zone}`, "CNAME")).join(","), "refused");
    await assert.rejects(store.get(`registry.elsewhere.example/A`), outside);
    const bound = new Rfc2136Records(bind.zone, { servers: [bind.address], key: bind.key, timeoutMs: 2000 });
    assert.deepEqual(
      await bound.find("registry"),
      [
        {
          recordId: id,
          rr: "registry",
          type: "CNAME",
          value: "harbor.example.com",
          ttl: 60,
          servers: [{ server: bind.address, value: "harbor.example.com", ttl: 60 }],
        },
      ],
      "the zone's own record is found",
    );
  });
});
