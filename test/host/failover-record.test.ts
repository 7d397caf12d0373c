import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AlicloudClient, AlidnsRecords, PrivateZoneRecords } from "../../provider/clients/alicloud";
import { FailoverRecord } from "../../provider/resources/dns/failover-record";
import { ImageSync } from "../../provider/resources/image-sync";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { pushSmallImage } from "../support/fixtures";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver, UNKNOWN } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * FailoverRecord through the real provider host, against the Alibaba stand-in (PrivateZone)
 * and two real registries: the primary site holding the images, the standby (the ACR side)
 * filled by ImageSync. The drill of solution 1 of Alibaba Cloud's Harbor-to-ACR guide: a blocked flip, the copy, the flip,
 * failback, and a record changed behind Pulumi's back.
 */

const KEY = { accessKey: "LTAI5tFailoverTest01", secretKey: "failover-secret-4f1c9a" };
const OPERATOR = { accessKeyId: "LTAI5tOperatorKey002", accessKeySecret: "operator-secret-77b2" };
const PRIMARY_VALUE = "harbor-origin.example.com";
const SECONDARY_VALUE = "dr-instance-registry.cn-hangzhou.cr.aliyuncs.com";

let alibaba: AlicloudStandIn;
let primary: RegistryServer;
let standby: RegistryServer;
let host: ProviderHost;
let record: ResourceDriver;
let imageSync: ResourceDriver;
let operator: AlicloudClient;
let zoneId: string;

before(async () => {
  [alibaba, primary, standby] = await Promise.all([
    startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey }, [OPERATOR.accessKeyId]: { secret: OPERATOR.accessKeySecret } } }),
    startRegistry(),
    startRegistry(),
  ]);
  operator = new AlicloudClient({ accessKey: OPERATOR, endpoints: alibaba.endpoints });
  zoneId = (await operator.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "harbor.example.com" })).ZoneId;
  for (const ref of ["dr/app:1.0", "dr/app:1.1", "dr/web:2.0"]) await pushSmallImage(primary, ref, undefined, ref);
  const images = { [`${primary.host}/dr/app`]: `${standby.host}/dr/app`, [`${primary.host}/dr/web:2.0`]: `${standby.host}/dr/web` };
  const captured = await captureResources(() => [
    new FailoverRecord("harbor-endpoint", {
      backend: "privatezone",
      zone: zoneId,
      name: "@",
      type: "CNAME",
      ttl: 60,
      sites: {
        primary: { value: PRIMARY_VALUE, registry: primary.host },
        secondary: { value: SECONDARY_VALUE, registry: `http://${standby.host}`, insecure: true },
      },
      active: "primary",
      readiness: { images },
      clients: false,
      alicloud: { accessKey: KEY.accessKey, secretKey: pulumi.secret(KEY.secretKey) },
    }),
    new ImageSync("fill-standby", { images }),
  ]);
  // Registration order is not construction order: pick each by name.
  host = await ProviderHost.start();
  await host.configure({ "alicloud:endpoints": JSON.stringify([alibaba.endpoints]) });
  record = host.resource(captured.find((resource) => resource.name === "harbor-endpoint")!);
  imageSync = host.resource(captured.find((resource) => resource.name === "fill-standby")!);
  // The standby starts with one of the three tags.
  await imageSync.create(imageSync.inputs({ images: { [`${primary.host}/dr/app:1.0`]: `${standby.host}/dr/app` } }));
});
after(async () => {
  await operator?.close();
  await Promise.all([host?.stop(), alibaba?.stop(), primary?.stop(), standby?.stop()]);
});

async function zoneRecords(rr = "@") {
  return new PrivateZoneRecords(operator, zoneId).find(rr);
}

let outputs: Record<string, unknown>;
let id: string;

test("check names the property for each bad input and accepts unknowns", async () => {
  assert.equal(record.captured.type, "pulumi-nodejs:dynamic/dns:FailoverRecord");
  assert.ok(isSecretValue(record.captured.inputs.alicloud), "the credentials are a secret input");
  assert.ok(!isSecretValue(record.captured.inputs.readiness), "readiness without credentials stays plain, for a reviewer to see");
  const sites = record.inputs().sites as Record<string, Record<string, unknown>>;
  const bad = await record.check(
    record.inputs({
      backend: "route53",
      ttl: 120,
      active: "tertiary",
      sites: { primary: { ...sites.primary, value: "10.0.0.7" }, secondary: sites.secondary },
    }),
  );
  const byProperty = Object.fromEntries(bad.failures.map((failure) => [failure.property, failure.reason]));
  assert.match(byProperty.backend, /expected "privatezone" .*, "alidns" .*, "rfc2136" .* or "clouddns" \(Google Cloud DNS\)/);
  assert.match(byProperty.active, /expected "primary" or "secondary"/);
  const rules = await record.check(record.inputs({ ttl: 120, sites: { primary: { ...sites.primary, value: "not a host!" }, secondary: sites.secondary } }));
  const ruleFailures = Object.fromEntries(rules.failures.map((failure) => [failure.property, failure.reason]));
  assert.match(ruleFailures.ttl, /PrivateZone takes a TTL of 5, 30, 60, 3600, 43200, 86400 seconds; got 120/);
  assert.match(ruleFailures["sites.primary.value"], /a CNAME record points at a host name/);
  const ipv4 = await record.check(record.inputs({ type: "A" }));
  assert.match(ipv4.failures.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"), /sites\.primary\.value: an A record holds an IPv4 address/);
  assert.deepEqual((await record.check(record.inputs({ zone: UNKNOWN }))).failures, []);
  assert.deepEqual((await record.check(record.inputs())).failures, []);
  const noKey = await record.check(record.inputs({ alicloud: undefined }));
  assert.match(noKey.failures.find((failure) => failure.property === "alicloud")?.reason ?? "", /no Alibaba Cloud AccessKey: .*alicloud:accessKey/);
});

test("create writes the record for the active site after its preflight; diff is quiet", async () => {
  const created = await record.create(record.inputs());
  ({ id, outputs } = created);
  const [written] = await zoneRecords();
  assert.deepEqual({ id: written.recordId, value: written.value, ttl: written.ttl, type: written.type }, { id, value: PRIMARY_VALUE, ttl: 60, type: "CNAME" });
  assert.equal(outputs.activeTarget, PRIMARY_VALUE);
  assert.equal(outputs.createdByResource, true);
  assert.equal((outputs.preflight as { registryAnswered: boolean }).registryAnswered, true);
  assert.deepEqual(await record.diff(id, outputs, record.inputs()), { changes: "none", replaces: [] });
  assert.deepEqual(await record.diff(id, outputs, record.inputs({ name: "registry" })), { changes: "some", replaces: ["name"] });
});

test("a second resource on the same name is a conflict; adopt takes over a record and leaves it on delete", async () => {
  await assert.rejects(
    record.create(record.inputs()),
    /CNAME record "@" in PrivateZone zone .* already exists: CNAME harbor-origin\.example\.com \(RecordId \d+\)\. Set adopt: true/,
  );
  await new PrivateZoneRecords(operator, zoneId).create({ rr: "legacy", type: "CNAME", value: "old-harbor.example.com", ttl: 3600 });
  const adopted = await record.create(record.inputs({ name: "legacy", ttl: 3600, adopt: true }));
  assert.equal(adopted.outputs.createdByResource, false);
  assert.equal(adopted.outputs.previousTarget, "old-harbor.example.com");
  assert.equal((await zoneRecords("legacy"))[0].value, PRIMARY_VALUE);
  await record.delete(adopted.id, adopted.outputs);
  assert.equal((await zoneRecords("legacy")).length, 1, "an adopted record stays");
});

test("a flip to a standby missing two tags is blocked, lists them, and changes nothing", async () => {
  const flip = record.inputs({ active: "secondary" });
  assert.deepEqual(await record.diff(id, outputs, flip), { changes: "some", replaces: [] });
  const error = await record.update(id, outputs, flip).then(
    () => undefined,
    (failure: Error) => failure,
  );
  assert.ok(error, "the flip must fail");
  assert.match(error.message, /preflight of the secondary site .* failed, so CNAME record "@" .* was not changed/);
  assert.match(error.message, new RegExp(`${standby.host}/dr/app:1\\.1: missing`));
  assert.match(error.message, new RegExp(`${standby.host}/dr/web:2\\.0: missing`));
  assert.doesNotMatch(error.message, /dr\/app:1\.0/, "the tag the standby holds is not reported");
  assert.equal((await zoneRecords())[0].value, PRIMARY_VALUE);
});

test("after ImageSync fills the standby the flip goes through, reads back, and records the switch", async () => {
  const synced = await imageSync.create(imageSync.inputs());
  assert.deepEqual((synced.outputs.summary as { counts: unknown }).counts, { synced: 2, skipped: 1, failed: 0 });
  const flipped = await record.update(id, outputs, record.inputs({ active: "secondary" }));
  outputs = flipped.outputs;
  assert.equal((await zoneRecords())[0].value, SECONDARY_VALUE);
  assert.equal(outputs.activeTarget, SECONDARY_VALUE);
  assert.equal(outputs.previousTarget, PRIMARY_VALUE);
  assert.ok(Date.now() - Date.parse(String(outputs.switchedAt)) < 60_000);
  const preflight = outputs.preflight as { site: string; counts: Record<string, number>; problems: string[] };
  assert.deepEqual([preflight.site, preflight.counts, preflight.problems], ["secondary", { present: 3, incomplete: 0, missing: 0, differs: 0, error: 0 }, []]);
  assert.match(host.output(), /switched CNAME record "@" .*: harbor-origin\.example\.com -> dr-instance-registry/);
});

test("failback to the primary flips the record back", async () => {
  const back = await record.update(id, outputs, record.inputs({ active: "primary" }));
  outputs = back.outputs;
  assert.equal((await zoneRecords())[0].value, PRIMARY_VALUE);
  assert.deepEqual([outputs.activeTarget, outputs.previousTarget], [PRIMARY_VALUE, SECONDARY_VALUE]);
});

test("refresh sees a record changed outside Pulumi; the next update puts it back", async () => {
  await new PrivateZoneRecords(operator, zoneId).update(id, { rr: "@", type: "CNAME", value: "someone-else.example.com", ttl: 60 });
  const read = await record.read(id, outputs);
  assert.equal(read.id, id);
  assert.equal(read.outputs.activeTarget, "someone-else.example.com");
  assert.match(host.output(), /was changed outside Pulumi: it holds someone-else\.example\.com/);
  assert.deepEqual(await record.diff(id, read.outputs, record.inputs()), { changes: "some", replaces: [] });
  const repaired = await record.update(id, read.outputs, record.inputs());
  assert.equal((await zoneRecords())[0].value, PRIMARY_VALUE);
  assert.equal(repaired.outputs.previousTarget, "someone-else.example.com");
  outputs = repaired.outputs;
});

test("the secret key never reaches the serialized provider, plain outputs or the host's output", () => {
  assert.deepEqual(
    findSecretLeaks([KEY.secretKey], {
      providerText: record.captured.providerText,
      outputs,
      secretOutputs: ["alicloud"],
      hostOutput: host.output(),
    }),
    [],
  );
  assert.deepEqual(alibaba.violations(), []);
});

test("delete removes the record this resource created; a record already gone reads as deleted", async () => {
  await record.delete(id, outputs);
  assert.deepEqual(await zoneRecords(), []);
  assert.equal((await record.read(id, outputs)).id, "");
});

test("public DNS (solution 2): a flip to a site that does not answer is blocked unless forced, and then says so", async () => {
  alibaba.addDomain("dr-example.com", { minTtl: 600 });
  const [captured] = await captureResources(() => [
    new FailoverRecord("public-endpoint", {
      backend: "alidns",
      zone: "dr-example.com",
      name: "harbor",
      type: "CNAME",
      ttl: 600,
      // Nothing listens on port 1: the standby is down.
      sites: { primary: { value: PRIMARY_VALUE, registry: primary.host }, secondary: { value: SECONDARY_VALUE, registry: "127.0.0.1:1" } },
      active: "primary",
      clients: false,
      alicloud: { accessKey: KEY.accessKey, secretKey: pulumi.secret(KEY.secretKey) },
    }),
  ]);
  const publicRecord = host.resource(captured);
  const records = new AlidnsRecords(operator, "dr-example.com");
  const created = await publicRecord.create(publicRecord.inputs());
  assert.deepEqual(
    (await records.find("harbor")).map((r) => [r.value, r.ttl]),
    [[PRIMARY_VALUE, 600]],
  );
  await assert.rejects(publicRecord.update(created.id, created.outputs, publicRecord.inputs({ active: "secondary" })), /127\.0\.0\.1:1 does not answer \/v2\//);
  assert.equal((await records.get(created.id))?.value, PRIMARY_VALUE, "the blocked flip changed nothing");
  const forced = await publicRecord.update(created.id, created.outputs, publicRecord.inputs({ active: "secondary", force: true }));
  assert.equal((await records.get(created.id))?.value, SECONDARY_VALUE);
  const preflight = forced.outputs.preflight as { forced: boolean; registryAnswered: boolean };
  assert.deepEqual([preflight.forced, preflight.registryAnswered], [true, false]);
  await publicRecord.delete(created.id, forced.outputs);
  assert.deepEqual(await records.find("harbor"), []);
  assert.deepEqual(alibaba.violations(), []);
});
