import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { after, before, test } from "node:test";
import { request } from "undici";
import { AlicloudClient, acs3Headers, canonicalQuery } from "../../provider/clients/alicloud";
import { Acs3Verifier, AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";

/**
 * The Alibaba stand-in is only worth its tests if it refuses what Alibaba refuses: requests
 * altered after signing, replayed nonces, parameters an action does not take, values out of
 * range, and the documented product rules (BindZoneVpc replaces, a bound zone cannot go).
 */

const KEY = { accessKeyId: "LTAI5tStandInCheck01", accessKeySecret: "stand-in-secret-0e9d" };

let alibaba: AlicloudStandIn;
let client: AlicloudClient;

before(async () => {
  alibaba = await startAlicloudStandIn({ accessKeys: { [KEY.accessKeyId]: { secret: KEY.accessKeySecret } }, acrTokenLifetimeMs: 300 });
  client = new AlicloudClient({ accessKey: KEY, endpoints: alibaba.endpoints, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1 } });
});
after(async () => {
  await client?.close();
  await alibaba?.stop();
});

interface RawCall {
  action: string;
  query: Record<string, string>;
  version?: string;
  /** Applied after signing: what a proxy or an attacker would change. */
  tamper?: (sent: { query: string; headers: Record<string, string>; body: string }) => void;
}

/** A hand-made call to PrivateZone, so a test can send what the client never would. */
async function rawCall(call: RawCall): Promise<{ status: number; body: { Code?: string; Message?: string; RequestId?: string } }> {
  const url = new URL(alibaba.endpoints.pvtz);
  const headers = acs3Headers({ method: "POST", host: url.host, action: call.action, version: call.version ?? "2018-01-01", query: call.query }, KEY);
  const sent = { query: canonicalQuery(call.query), headers, body: "" };
  call.tamper?.(sent);
  const response = await request(`${url.origin}/?${sent.query}`, { method: "POST", headers: sent.headers, body: sent.body || undefined });
  return { status: response.statusCode, body: (await response.body.json()) as { Code?: string } };
}

const violationCount = () => alibaba.violations().length;

test("the verifier accepts Alibaba's published V3 example request", () => {
  const verifier = new Acs3Verifier({ YourAccessKeyId: { secret: "YourAccessKeySecret" } }, () => Date.parse("2023-10-26T10:22:40Z"));
  const published = {
    host: "ecs.cn-shanghai.aliyuncs.com",
    "x-acs-action": "RunInstances",
    "x-acs-version": "2014-05-26",
    "x-acs-date": "2023-10-26T10:22:32Z",
    "x-acs-signature-nonce": "3156853299f313e23d1673dc12e1703d",
    "x-acs-content-sha256": "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    authorization:
      "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
  };
  const rawQuery = "ImageId=win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd&RegionId=cn-shanghai";
  assert.equal(verifier.verify({ method: "POST", rawQuery, headers: published, body: Buffer.alloc(0) }), "YourAccessKeyId");
  const replay = () => verifier.verify({ method: "POST", rawQuery, headers: published, body: Buffer.alloc(0) });
  assert.throws(replay, { code: "SignatureNonceUsed" });
  const tampered = new Acs3Verifier({ YourAccessKeyId: { secret: "YourAccessKeySecret" } }, () => Date.parse("2023-10-26T10:22:40Z"));
  assert.throws(() => tampered.verify({ method: "POST", rawQuery: rawQuery.replace("cn-shanghai", "cn-beijing"), headers: published, body: Buffer.alloc(0) }), {
    code: "SignatureDoesNotMatch",
  });
  const late = new Acs3Verifier({ YourAccessKeyId: { secret: "YourAccessKeySecret" } }, () => Date.parse("2023-10-26T11:00:00Z"));
  assert.throws(() => late.verify({ method: "POST", rawQuery, headers: published, body: Buffer.alloc(0) }), { code: "InvalidTimeStamp.Expired" });
});

test("a request altered after signing is refused: query, action header, host, body", async () => {
  const base = { action: "DescribeZones", query: { PageSize: "10" } };
  assert.equal((await rawCall(base)).status, 200);
  const changedQuery = await rawCall({ ...base, tamper: (sent) => (sent.query = "PageSize=11") });
  assert.deepEqual([changedQuery.status, changedQuery.body.Code], [400, "SignatureDoesNotMatch"]);
  const changedAction = await rawCall({ ...base, tamper: (sent) => (sent.headers["x-acs-action"] = "DescribeZoneInfo") });
  assert.equal(changedAction.body.Code, "SignatureDoesNotMatch");
  const changedHost = await rawCall({ ...base, tamper: (sent) => (sent.headers.host = "pvtz.aliyuncs.com") });
  assert.equal(changedHost.body.Code, "SignatureDoesNotMatch");
  const before = violationCount();
  const addedBody = await rawCall({ ...base, tamper: (sent) => (sent.body = "PageSize=50") });
  assert.deepEqual([addedBody.status, addedBody.body.Code], [400, "InvalidParameter"]);
  assert.match(addedBody.body.Message ?? "", /x-acs-content-sha256 is not the SHA-256 of the body/);
  assert.equal(violationCount(), before + 1, "a body hash that lies is the client's bug");
});

test("a replayed nonce, a stale date and an unsigned x-acs header break the contract", async () => {
  let replayed: Record<string, string> | undefined;
  await rawCall({ action: "DescribeZones", query: {}, tamper: (sent) => (replayed = { ...sent.headers }) });
  const replay = await rawCall({ action: "DescribeZones", query: {}, tamper: (sent) => Object.assign(sent.headers, replayed) });
  assert.equal(replay.body.Code, "SignatureNonceUsed");
  const stale = await rawCall({ action: "DescribeZones", query: {}, tamper: (sent) => (sent.headers["x-acs-date"] = "2020-01-01T00:00:00Z") });
  assert.equal(stale.body.Code, "InvalidTimeStamp.Expired");
  const unsigned = await rawCall({ action: "DescribeZones", query: {}, tamper: (sent) => (sent.headers["x-acs-extra"] = "1") });
  assert.equal(unsigned.body.Code, "IncompleteSignature");
  const violations = alibaba.violations().slice(-3).join("\n");
  assert.match(violations, /SignatureNonceUsed[\s\S]*InvalidTimeStamp\.Expired[\s\S]*IncompleteSignature/);
});

test("unknown actions, wrong versions, misspelt or out-of-range parameters are refused and recorded", async () => {
  const cases: [RawCall, string, RegExp][] = [
    [{ action: "DescribeZonez", query: {} }, "InvalidAction.NotFound", /DescribeZonez/],
    [{ action: "DescribeZones", query: {}, version: "2015-01-09" }, "InvalidVersion", /expected 2018-01-01/],
    [{ action: "AddZoneRecord", query: { ZoneId: "z", RR: "www", Type: "A", Value: "10.0.0.1" } }, "InvalidParameter", /AddZoneRecord takes no parameter "RR"/],
    [{ action: "DescribeZones", query: { PageSize: "101" } }, "InvalidParameter", /"PageSize" is not valid: expected 1\.\.100/],
    [{ action: "DescribeZoneRecords", query: {} }, "MissingParameter", /"ZoneId"/],
    [{ action: "SetZoneRecordStatus", query: { RecordId: "1", Status: "OFF" } }, "InvalidParameter", /one of ENABLE, DISABLE/],
  ];
  for (const [call, code, message] of cases) {
    const before = violationCount();
    const answer = await rawCall(call);
    assert.equal(answer.body.Code, code, `${call.action} ${JSON.stringify(call.query)}`);
    assert.match(answer.body.Message ?? "", message);
    assert.ok(answer.body.RequestId);
    assert.equal(violationCount(), before + 1, `${call.action} is recorded as a violation`);
  }
});

test("PrivateZone rules: documented TTLs only, a CNAME stands alone, BindZoneVpc replaces, a bound zone stays", async () => {
  const before = violationCount();
  const zoneId = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "rules.example.com" })).ZoneId;
  await assert.rejects(client.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "www", Type: "A", Value: "10.0.0.1", Ttl: 120 }), {
    code: "Record.Invalid.Ttl",
  });
  await client.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "www", Type: "A", Value: "10.0.0.1", Ttl: 60 });
  await assert.rejects(client.call("pvtz", "AddZoneRecord", { ZoneId: zoneId, Rr: "www", Type: "CNAME", Value: "other.example.com", Ttl: 60 }), {
    code: "Record.Invalid.Conflict",
  });
  await client.call("pvtz", "BindZoneVpc", {
    ZoneId: zoneId,
    "Vpcs.1.RegionId": "cn-hangzhou",
    "Vpcs.1.VpcId": "vpc-a",
    "Vpcs.2.RegionId": "cn-hangzhou",
    "Vpcs.2.VpcId": "vpc-b",
  });
  await client.call("pvtz", "BindZoneVpc", { ZoneId: zoneId, "Vpcs.1.RegionId": "cn-shanghai", "Vpcs.1.VpcId": "vpc-c" });
  const info = await client.call<{ BindVpcs: { Vpc: { VpcId: string }[] } }>("pvtz", "DescribeZoneInfo", { ZoneId: zoneId });
  assert.deepEqual(
    info.BindVpcs.Vpc.map((vpc) => vpc.VpcId),
    ["vpc-c"],
    "the second bind replaced the first set",
  );
  await assert.rejects(client.call("pvtz", "DeleteZone", { ZoneId: zoneId }), { code: "Zone.VpcExists" });
  await client.call("pvtz", "BindZoneVpc", { ZoneId: zoneId });
  await client.call("pvtz", "DeleteZone", { ZoneId: zoneId });
  await assert.rejects(client.call("pvtz", "DescribeZoneInfo", { ZoneId: zoneId }), { code: "Zone.Invalid.Id" });
  assert.equal(violationCount(), before, "product rules refuse; they are not contract breaches");
});

test("Alibaba DNS enforces the edition's TTL floor; ACR logins expire", async () => {
  alibaba.addDomain("floor.example.com", { minTtl: 600 });
  await assert.rejects(client.call("alidns", "AddDomainRecord", { DomainName: "floor.example.com", RR: "www", Type: "A", Value: "10.0.0.1", TTL: 60 }), {
    code: "QuotaExceeded.TTL",
  });
  await assert.rejects(client.call("alidns", "AddDomainRecord", { DomainName: "nobody.example.com", RR: "www", Type: "A", Value: "10.0.0.1" }), {
    code: "InvalidDomainName.NoExist",
  });
  alibaba.addAcrInstance("cri-expiry0001");
  const login = await client.call<{ TempUsername: string; AuthorizationToken: string; ExpireTime: number }>("cr", "GetAuthorizationToken", {
    InstanceId: "cri-expiry0001",
  });
  assert.equal(alibaba.acrLoginValid(login.TempUsername, login.AuthorizationToken), true);
  assert.equal(alibaba.acrLoginValid(login.TempUsername, "forged"), false);
  await sleep(Math.max(0, login.ExpireTime - Date.now()) + 20);
  assert.equal(alibaba.acrLoginValid(login.TempUsername, login.AuthorizationToken), false, "a login past ExpireTime is refused");
});
