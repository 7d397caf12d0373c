import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AlidnsRecords, AlicloudApiError, AlicloudClient, PrivateZoneRecords } from "../../provider/clients/alicloud";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";

/** The Alibaba OpenAPI client against the stand-in: signatures, STS, errors, retries, paging. */

const KEY = { accessKeyId: "LTAI5tClientTest0001", accessKeySecret: "client-secret-a81f" };
const STS = { accessKeyId: "STS.NTestSessionKey9", accessKeySecret: "sts-secret-5c2e", securityToken: "sts-token-CAIS-test" };
const FAST_RETRY = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 50 };

let alibaba: AlicloudStandIn;
let client: AlicloudClient;

before(async () => {
  alibaba = await startAlicloudStandIn({ accessKeys: { [KEY.accessKeyId]: { secret: KEY.accessKeySecret }, [STS.accessKeyId]: { secret: STS.accessKeySecret, securityToken: STS.securityToken } } });
  client = new AlicloudClient({ accessKey: KEY, endpoints: alibaba.endpoints, retry: FAST_RETRY });
});
after(async () => {
  await client?.close();
  await alibaba?.stop();
});

async function failure(call: Promise<unknown>): Promise<AlicloudApiError> {
  const error = await call.then(() => undefined, (caught: unknown) => caught);
  assert.ok(error instanceof AlicloudApiError, `expected an AlicloudApiError, got ${error}`);
  return error;
}

test("signed calls are accepted, with an AccessKey and with an STS token", async () => {
  const zone = await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "signed.example.com" });
  assert.ok(zone.ZoneId && zone.RequestId);
  const sts = new AlicloudClient({ accessKey: STS, endpoints: alibaba.endpoints });
  try {
    const found = await sts.call<{ Zones: { Zone: { ZoneId: string }[] } }>("pvtz", "DescribeZones", { Keyword: "signed.example.com", SearchMode: "EXACT" });
    assert.deepEqual(found.Zones.Zone.map((z) => z.ZoneId), [zone.ZoneId]);
  } finally {
    await sts.close();
  }
  assert.deepEqual(alibaba.violations(), []);
});

test("a wrong secret, an unknown key and a missing STS token are refused with Alibaba's code and RequestId, never the secret", async () => {
  const wrong = new AlicloudClient({ accessKey: { ...KEY, accessKeySecret: "not-the-secret" }, endpoints: alibaba.endpoints });
  const unknown = new AlicloudClient({ accessKey: { accessKeyId: "LTAI5tNobodyHas00000", accessKeySecret: "x" }, endpoints: alibaba.endpoints });
  const noToken = new AlicloudClient({ accessKey: { accessKeyId: STS.accessKeyId, accessKeySecret: STS.accessKeySecret }, endpoints: alibaba.endpoints });
  try {
    const mismatch = await failure(wrong.call("pvtz", "DescribeZones", {}));
    assert.equal(mismatch.code, "SignatureDoesNotMatch");
    assert.equal(mismatch.status, 400);
    assert.ok(mismatch.requestId, "the RequestId is kept for support");
    assert.match(mismatch.message, /pvtz DescribeZones: 400 SignatureDoesNotMatch: .*\(signed with AccessKey LTAI\*\*\*\*001\) \(RequestId /);
    assert.doesNotMatch(mismatch.message, /not-the-secret|client-secret/);
    assert.equal((await failure(unknown.call("pvtz", "DescribeZones", {}))).code, "InvalidAccessKeyId.NotFound");
    assert.match((await failure(noToken.call("pvtz", "DescribeZones", {}))).code ?? "", /SecurityToken/);
  } finally {
    await Promise.all([wrong.close(), unknown.close(), noToken.close()]);
  }
});

test("throttling is retried for every action; a 5xx only for actions safe to repeat", async () => {
  const zoneId = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "retry.example.com" })).ZoneId;
  alibaba.clearRequests();
  alibaba.throttle("AddZoneRecord", 2);
  await client.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "www", Type: "A", Value: "10.0.0.1", Ttl: 60 });
  assert.deepEqual(alibaba.requests().map((r) => `${r.action} ${r.status}`), ["AddZoneRecord 400", "AddZoneRecord 400", "AddZoneRecord 200"]);

  alibaba.clearRequests();
  alibaba.failNext("DescribeZoneRecords", 2, 503);
  assert.equal((await new PrivateZoneRecords(client).find(zoneId, "www")).length, 1);
  assert.equal(alibaba.requests().length, 3);

  alibaba.clearRequests();
  alibaba.failNext("AddZoneRecord", 1, 503);
  const unsafe = await failure(client.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "api", Type: "A", Value: "10.0.0.2", Ttl: 60 }));
  assert.equal(unsafe.status, 503);
  assert.equal(alibaba.requests().length, 1, "an Add* that may have happened is not sent twice");

  alibaba.throttle("DescribeZones", 10);
  const throttled = await failure(client.call("pvtz", "DescribeZones", {}));
  assert.equal(throttled.code, "Throttling.User", "retries are bounded");
});

test("PrivateZone records are read across pages; ACR's IsSuccess=false is an error", async () => {
  const records = new PrivateZoneRecords(client);
  const zoneId = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "pages.example.com" })).ZoneId;
  for (let i = 1; i <= 130; i++) await records.add(zoneId, { rr: "pool", type: "A", value: `10.1.${Math.floor(i / 250)}.${i % 250}`, ttl: 60 });
  await records.add(zoneId, { rr: "pool2", type: "A", value: "10.2.0.1", ttl: 60 });
  alibaba.clearRequests();
  const pool = await records.find(zoneId, "pool");
  assert.equal(pool.length, 130);
  assert.ok(alibaba.requests().filter((r) => r.action === "DescribeZoneRecords").length >= 2, "two pages at PageSize 100");

  const missing = await failure(client.call("cr", "GetAuthorizationToken", { InstanceId: "cri-doesnotexist1" }, client.endpoint("cr", "cn-hangzhou")));
  assert.equal(missing.status, 200, "ACR reports this failure in a 200");
  assert.ok(missing.code && missing.code !== "success");
});

test("Alibaba DNS: an update to the record's current values succeeds despite DomainRecordDuplicate", async () => {
  alibaba.addDomain("dr-example.com");
  const records = new AlidnsRecords(client);
  const id = await records.add("dr-example.com", { rr: "harbor", type: "CNAME", value: "harbor-origin.example.net", ttl: 600 });
  await records.update(id, { rr: "harbor", type: "CNAME", value: "harbor-origin.example.net", ttl: 600 });
  await records.update(id, { rr: "harbor", type: "CNAME", value: "acr.example.net", ttl: 600 });
  assert.equal((await records.get("dr-example.com", id))?.value, "acr.example.net");
  assert.deepEqual((await records.find("dr-example.com", "harbor")).map((r) => r.recordId), [id]);
  assert.equal(await records.get("dr-example.com", "999999999"), undefined);
  assert.deepEqual(alibaba.violations(), []);
});
