import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { acs3Headers, canonicalQuery, percentEncode } from "../../provider/clients/alicloud";

/** ACS3-HMAC-SHA256 against the worked examples in Alibaba's "V3 request structure and signature". */

const EXAMPLE = {
  method: "POST",
  host: "ecs.cn-shanghai.aliyuncs.com",
  action: "RunInstances",
  version: "2014-05-26",
  query: { ImageId: "win2019_1809_x64_dtc_zh-cn_40G_alibase_20230811.vhd", RegionId: "cn-shanghai" },
};
const KEY = { accessKeyId: "YourAccessKeyId", accessKeySecret: "YourAccessKeySecret" };

test("the published V3 examples sign to the published signatures", () => {
  const first = acs3Headers(EXAMPLE, KEY, { date: "2023-10-26T10:22:32Z", nonce: "3156853299f313e23d1673dc12e1703d" });
  assert.equal(
    first.authorization,
    "ACS3-HMAC-SHA256 Credential=YourAccessKeyId,SignedHeaders=host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-signature-nonce;x-acs-version,Signature=06563a9e1b43f5dfe96b81484da74bceab24a1d853912eee15083a6f0f3283c0",
  );
  assert.equal(first["x-acs-content-sha256"], "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const second = acs3Headers(EXAMPLE, KEY, { date: "2023-10-26T09:01:01Z", nonce: "d410180a5abf7fe235dd9b74aca91fc0" });
  assert.match(second.authorization, /Signature=e521358f7776c97df52e6b2891a8bc73026794a071b50c3323388c4e0df64804$/);
});

test("any change to what is signed changes the signature", () => {
  const moment = { date: "2023-10-26T10:22:32Z", nonce: "3156853299f313e23d1673dc12e1703d" };
  const signature = (request: typeof EXAMPLE, key = KEY) => acs3Headers(request, key, moment).authorization.split("Signature=")[1];
  const base = signature(EXAMPLE);
  assert.notEqual(signature({ ...EXAMPLE, query: { ...EXAMPLE.query, RegionId: "cn-beijing" } }), base);
  assert.notEqual(signature({ ...EXAMPLE, action: "DeleteInstance" }), base);
  assert.notEqual(signature({ ...EXAMPLE, host: "ecs.cn-beijing.aliyuncs.com" }), base);
  assert.notEqual(signature(EXAMPLE, { ...KEY, accessKeySecret: "other" }), base);
});

test("an STS token is sent and signed; the body is hashed", () => {
  const headers = acs3Headers({ ...EXAMPLE, body: "a=1", contentType: "application/x-www-form-urlencoded" }, { ...KEY, securityToken: "sts-token" });
  assert.equal(headers["x-acs-security-token"], "sts-token");
  assert.match(
    headers.authorization,
    /SignedHeaders=content-type;host;x-acs-action;x-acs-content-sha256;x-acs-date;x-acs-security-token;x-acs-signature-nonce;x-acs-version,/,
  );
  assert.equal(headers["x-acs-content-sha256"], createHash("sha256").update("a=1").digest("hex"));
  assert.match(headers["x-acs-date"], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
});

test("percent-encoding is RFC 3986 as Alibaba computes it; the query is sorted", () => {
  assert.equal(percentEncode("a b*c~d!'()/é"), "a%20b%2Ac~d%21%27%28%29%2F%C3%A9");
  assert.equal(canonicalQuery({ b: "2", a: "x y", "Vpcs.1.VpcId": "vpc-1" }), "Vpcs.1.VpcId=vpc-1&a=x%20y&b=2");
});
