import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { createServer, Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { AlidnsRecords, AlicloudApiError, AlicloudClient, PrivateZoneRecords, temporaryLoginFrom } from "../../provider/clients/alicloud";
import { makeSelfSignedCert } from "../support/certs";
import { listenOnLoopback } from "../support/loopback-server";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";

/** The Alibaba OpenAPI client against the stand-in: signatures, STS, errors, retries, paging. */

const KEY = { accessKeyId: "LTAI5tClientTest0001", accessKeySecret: "client-secret-a81f" };
const STS = { accessKeyId: "STS.NTestSessionKey9", accessKeySecret: "sts-secret-5c2e", securityToken: "sts-token-CAIS-test" };
const FAST_RETRY = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 50 };

let alibaba: AlicloudStandIn;
let client: AlicloudClient;

before(async () => {
  alibaba = await startAlicloudStandIn({
    accessKeys: { [KEY.accessKeyId]: { secret: KEY.accessKeySecret }, [STS.accessKeyId]: { secret: STS.accessKeySecret, securityToken: STS.securityToken } },
  });
  client = new AlicloudClient({ accessKey: KEY, endpoints: alibaba.endpoints, retry: FAST_RETRY });
});
after(async () => {
  await client?.close();
  await alibaba?.stop();
});

async function failure(call: Promise<unknown>): Promise<AlicloudApiError> {
  const error = await call.then(
    () => undefined,
    (caught: unknown) => caught,
  );
  assert.ok(error instanceof AlicloudApiError, `expected an AlicloudApiError, got ${error}`);
  return error;
}

test("signed calls are accepted, with an AccessKey and with an STS token", async () => {
  const zone = await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "signed.example.com" });
  assert.ok(zone.ZoneId && zone.RequestId);
  const sts = new AlicloudClient({ accessKey: STS, endpoints: alibaba.endpoints });
  try {
    const found = await sts.call<{ Zones: { Zone: { ZoneId: string }[] } }>("pvtz", "DescribeZones", { Keyword: "signed.example.com", SearchMode: "EXACT" });
    assert.deepEqual(
      found.Zones.Zone.map((z) => z.ZoneId),
      [zone.ZoneId],
    );
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
  assert.deepEqual(
    alibaba.requests().map((r) => `${r.action} ${r.status}`),
    ["AddZoneRecord 400", "AddZoneRecord 400", "AddZoneRecord 200"],
  );

  alibaba.clearRequests();
  alibaba.failNext("DescribeZoneRecords", 2, 503);
  assert.equal((await new PrivateZoneRecords(client, zoneId).find("www")).length, 1);
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
  const zoneId = (await client.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "pages.example.com" })).ZoneId;
  const records = new PrivateZoneRecords(client, zoneId);
  for (let i = 1; i <= 130; i++) await records.create({ rr: "pool", type: "A", value: `10.1.${Math.floor(i / 250)}.${i % 250}`, ttl: 60 });
  await records.create({ rr: "pool2", type: "A", value: "10.2.0.1", ttl: 60 });
  alibaba.clearRequests();
  const pool = await records.find("pool");
  assert.equal(pool.length, 130);
  assert.ok(alibaba.requests().filter((r) => r.action === "DescribeZoneRecords").length >= 2, "two pages at PageSize 100");

  const missing = await failure(client.call("cr", "GetAuthorizationToken", { InstanceId: "cri-doesnotexist1" }, client.endpoint("cr", "cn-hangzhou")));
  assert.equal(missing.status, 200, "ACR reports this failure in a 200");
  assert.ok(missing.code && missing.code !== "success");
});

test("Alibaba DNS: an update to the record's current values succeeds despite DomainRecordDuplicate", async () => {
  alibaba.addDomain("dr-example.com");
  const records = new AlidnsRecords(client, "dr-example.com");
  const id = await records.create({ rr: "harbor", type: "CNAME", value: "harbor-origin.example.net", ttl: 600 });
  await records.update(id, { rr: "harbor", type: "CNAME", value: "harbor-origin.example.net", ttl: 600 });
  await records.update(id, { rr: "harbor", type: "CNAME", value: "acr.example.net", ttl: 600 });
  assert.equal((await records.get(id))?.value, "acr.example.net");
  assert.deepEqual(
    (await records.find("harbor")).map((r) => r.recordId),
    [id],
  );
  assert.equal(await records.get("999999999"), undefined);
  assert.deepEqual(alibaba.violations(), []);
});

test("a network failure is worded for a cloud API: never advice about insecure registries", async () => {
  const dir = mkdtempSync(join(tmpdir(), "alicloud-tls-"));
  const pair = await makeSelfSignedCert(dir, { commonName: "127.0.0.1", ipAddress: "127.0.0.1" });
  const tls = await listenOnLoopback(
    createHttpsServer({ cert: readFileSync(pair.certPath), key: readFileSync(pair.keyPath) }, (_req, res) => res.end("{}")) as unknown as Server,
  );
  const closed = await listenOnLoopback(createServer());
  await closed.close();
  const untrusted = new AlicloudClient({ accessKey: KEY, endpoints: { pvtz: `https://127.0.0.1:${tls.port}` }, retry: FAST_RETRY });
  const refused = new AlicloudClient({ accessKey: KEY, endpoints: { pvtz: `http://127.0.0.1:${closed.port}` }, retry: FAST_RETRY });
  try {
    const tlsError = await failure(untrusted.call("pvtz", "DescribeZones", {}));
    assert.match(tlsError.message, /^pvtz DescribeZones at 127\.0\.0\.1:\d+: TLS certificate not trusted \(/);
    const refusedError = await failure(refused.call("pvtz", "DescribeZones", {}));
    assert.equal(refusedError.code, "ECONNREFUSED");
    assert.match(refusedError.message, /^pvtz DescribeZones at 127\.0\.0\.1:\d+: connection refused$/);
    for (const error of [tlsError, refusedError]) {
      assert.equal(error.product, "pvtz");
      assert.equal(error.action, "DescribeZones");
      assert.doesNotMatch(error.message, /insecure|registry/i);
    }
  } finally {
    await Promise.all([untrusted.close(), refused.close(), tls.close()]);
    rmSync(dir, { recursive: true, force: true });
  }
});

test("record ids in Alibaba's answers must be digits before they are kept or sent again", async () => {
  let recordId: unknown = "";
  const fake = await listenOnLoopback(
    createServer((req, res) =>
      req.resume().on("end", () =>
        res.writeHead(200, { "content-type": "application/json" }).end(
          JSON.stringify({
            RequestId: "R-1",
            RecordId: recordId,
            Records: { Record: [{ RecordId: recordId, Rr: "www", Type: "A", Value: "10.0.0.1", Ttl: 60 }] },
          }),
        ),
      ),
    ),
  );
  const faked = new AlicloudClient({ accessKey: KEY, endpoints: { pvtz: `http://127.0.0.1:${fake.port}`, alidns: `http://127.0.0.1:${fake.port}` } });
  try {
    recordId = 1234567;
    assert.equal(await new PrivateZoneRecords(faked, "zone-1").create({ rr: "www", type: "A", value: "10.0.0.1", ttl: 60 }), "1234567");
    for (const hostile of ["12/../34", "1234 OR 1=1", "", "-5", 1.5, null]) {
      recordId = hostile;
      await assert.rejects(
        new PrivateZoneRecords(faked, "zone-1").create({ rr: "www", type: "A", value: "10.0.0.1", ttl: 60 }),
        (error: Error) => error instanceof AlicloudApiError && /AddZoneRecord: expected a RecordId of digits in the answer, got /.test(error.message),
      );
      await assert.rejects(new PrivateZoneRecords(faked, "zone-1").find("www"), /DescribeZoneRecords: expected a RecordId of digits/);
      await assert.rejects(
        new AlidnsRecords(faked, "example.com").create({ rr: "www", type: "A", value: "10.0.0.1", ttl: 60 }),
        /AddDomainRecord: expected a RecordId of digits/,
      );
    }
  } finally {
    await faked.close();
    await fake.close();
  }
});

test("an ACR temporary login is checked before it goes into an Authorization header", () => {
  const now = Date.parse("2026-06-01T00:00:00Z");
  const good = { TempUsername: "cr_temp_user", AuthorizationToken: "eyJhbGciOi.token", ExpireTime: now + 3_600_000, RequestId: "R-9" };
  assert.deepEqual(temporaryLoginFrom(good, "cr GetAuthorizationToken", now), {
    username: "cr_temp_user",
    password: "eyJhbGciOi.token",
    expiresAt: now + 3_600_000,
  });
  assert.equal(temporaryLoginFrom({ ...good, ExpireTime: String(now + 60_000) }, "cr", now).expiresAt, now + 60_000);
  const refused: [Record<string, unknown>, RegExp][] = [
    [{ TempUsername: undefined }, /TempUsername is missing/],
    [{ TempUsername: "user:with-colon" }, /TempUsername is not a user name/],
    [{ TempUsername: "user\r\nX-Injected: 1" }, /TempUsername is not a user name/],
    [{ AuthorizationToken: "token\r\nX-Injected: 1" }, /AuthorizationToken is not a token/],
    [{ AuthorizationToken: 42 }, /AuthorizationToken is not a token/],
    [{ ExpireTime: now - 1 }, /ExpireTime is .*expected a time in milliseconds/],
    [{ ExpireTime: Math.floor(now / 1000) + 3600 }, /ExpireTime is/],
    [{ ExpireTime: now + 365 * 86_400_000 }, /ExpireTime is/],
    [{ ExpireTime: "soon" }, /ExpireTime is "soon"/],
  ];
  for (const [change, expected] of refused) {
    assert.throws(
      () => temporaryLoginFrom({ ...good, ...change }, "cr GetAuthorizationToken for cri-1", now),
      (error: Error) => {
        assert.match(error.message, expected);
        assert.match(error.message, /^cr GetAuthorizationToken for cri-1: .*\(RequestId R-9\)$/);
        assert.doesNotMatch(error.message, /eyJhbGciOi|token\r|[\r\n]/, "never the token, never a raw line break");
        return true;
      },
    );
  }
});
