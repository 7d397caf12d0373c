import assert from "node:assert/strict";
import { test } from "node:test";
import { AcrLoginSource, alicloudSettings, parseEndpointsConfig, rememberAlicloudConfig } from "../../provider/clients/alicloud";

/** Where Alibaba credentials come from, endpoint overrides, and ACR login renewal. */

const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
const ENV = { ALICLOUD_ACCESS_KEY: "env-id", ALICLOUD_SECRET_KEY: "env-secret", ALICLOUD_REGION: "cn-shanghai" };

test("an input beats stack config, which beats the environment; a key pair is never mixed", () => {
  rememberAlicloudConfig(config({ "alicloud:accessKey": "cfg-id", "alicloud:secretKey": "cfg-secret", "alicloud:securityToken": "cfg-token" }));
  assert.deepEqual(alicloudSettings({}, ENV).accessKey, { accessKeyId: "cfg-id", accessKeySecret: "cfg-secret", securityToken: "cfg-token" });
  assert.equal(alicloudSettings({}, ENV).region, "cn-shanghai", "the region comes from wherever it is set");
  assert.deepEqual(alicloudSettings({ accessKey: "in-id", secretKey: "in-secret", region: "cn-beijing" }, ENV).accessKey, {
    accessKeyId: "in-id",
    accessKeySecret: "in-secret",
  });
  assert.equal(alicloudSettings({ accessKey: "in-id", secretKey: "in-secret", region: "cn-beijing" }, ENV).region, "cn-beijing");
  assert.equal(alicloudSettings({ accessKey: "in-id" }, ENV).accessKey?.accessKeyId, "cfg-id", "half a pair is not a key");

  rememberAlicloudConfig(config({ "alicloud:accessKey": "cfg-id" }));
  assert.deepEqual(alicloudSettings({}, ENV), { accessKey: { accessKeyId: "env-id", accessKeySecret: "env-secret" }, region: "cn-shanghai", endpoints: {} });
  assert.equal(alicloudSettings({}, {}).accessKey, undefined);
  rememberAlicloudConfig(config({}));
});

test("alicloud:endpoints is read in @pulumi/alicloud's shape: a list of objects keyed by product", () => {
  assert.deepEqual(parseEndpointsConfig('[{"pvtz":"http://127.0.0.1:9000"},{"cr":"cr-vpc.cn-hangzhou.aliyuncs.com","ecs":"ecs.example"}]'), {
    pvtz: "http://127.0.0.1:9000",
    cr: "cr-vpc.cn-hangzhou.aliyuncs.com",
  });
  assert.deepEqual(parseEndpointsConfig([{ alidns: "alidns.example" }]), { alidns: "alidns.example" });
  assert.deepEqual(parseEndpointsConfig(undefined), {});
  assert.throws(() => parseEndpointsConfig("pvtz=x"), /alicloud:endpoints: expected a list of objects keyed by product/);
  rememberAlicloudConfig(config({ "alicloud:endpoints": '[{"alidns":"http://127.0.0.1:1"}]' }));
  assert.deepEqual(alicloudSettings({}, {}).endpoints, { alidns: "http://127.0.0.1:1" });
  rememberAlicloudConfig(config({}));
});

test("an ACR login is fetched once, shared, and renewed a quarter of its lifetime before it lapses", async () => {
  let fetched = 0;
  const source = new AcrLoginSource({ instanceId: "cri-test", region: "cn-hangzhou" }, async () => {
    fetched++;
    return { username: "temp", password: `token-${fetched}`, expiresAt: Date.now() + 400 };
  });
  const [first, again] = await Promise.all([source.login(), source.login()]);
  assert.equal(first.password, "token-1");
  assert.equal(again.password, "token-1", "concurrent callers share one fetch");
  assert.equal((await source.login()).password, "token-1");
  await new Promise((done) => setTimeout(done, 330));
  assert.equal((await source.login()).password, "token-2", "renewed inside the last quarter of its lifetime");
  assert.equal(fetched, 2, "one fetch, one renewal");
  source.invalidate();
  assert.equal((await source.login()).password, "token-3", "a refused login is fetched again");
});
