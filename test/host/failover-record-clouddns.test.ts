import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { FailoverRecord } from "../../provider/resources/dns/failover-record";
import { ImageSync } from "../../provider/resources/image-sync";
import { pushSmallImage } from "../support/fixtures";
import { GoogleStandIn, startGoogleStandIn, StandInServiceAccount } from "../support/google";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * FailoverRecord with backend clouddns through the real provider host, against the Google
 * stand-in (which verifies every token's JWT and applies changes as Cloud DNS does) and two
 * real registries. `google.dns.record` reads what Cloud DNS holds; `google.dns.setRecord` is
 * an operator editing the record in the console.
 */

const PROJECT = "dr-project";
const ZONE = "dr-zone";
const FQDN = "registry.dr.example.com.";
const PRIMARY = "harbor.dc.example.com";
// A standby that can serve the name (a registry behind its own load balancer): Artifact Registry cannot.
const STANDBY = "registry-lb.gcp.example.com";

let google: GoogleStandIn;
let account: StandInServiceAccount;
let primary: RegistryServer;
let standby: RegistryServer;
let host: ProviderHost;
let record: ResourceDriver;
let imageSync: ResourceDriver;
let outputs: Record<string, unknown>;
let id: string;

const live = () => google.dns.record(PROJECT, ZONE, FQDN, "CNAME");

before(async () => {
  [google, primary, standby] = await Promise.all([startGoogleStandIn(), startRegistry(), startRegistry()]);
  account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", PROJECT);
  google.dns.addZone(PROJECT, ZONE, "dr.example.com.");
  await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
  const images = { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` };
  const captured = await captureResources(() => [
    new FailoverRecord("gcp-dns", {
      backend: "clouddns",
      zone: ZONE,
      name: "registry",
      type: "CNAME",
      google: { project: PROJECT, serviceAccountKey: account.keyJson, endpoint: google.dnsEndpoint },
      sites: { primary: { value: PRIMARY, registry: primary.host }, secondary: { value: `${STANDBY}.`, registry: standby.host } },
      active: "primary",
      readiness: { images },
      clients: false,
    }),
    new ImageSync("fill-standby", { images }),
  ]);
  host = await ProviderHost.start();
  await host.configure({});
  record = host.resource(captured.find((resource) => resource.name === "gcp-dns")!);
  imageSync = host.resource(captured.find((resource) => resource.name === "fill-standby")!);
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([host?.stop(), google?.stop(), primary?.stop(), standby?.stop()]);
});

test("check names a managed zone given as a DNS name, the key's missing field and a plain-http endpoint; google is a secret input", async () => {
  assert.ok(isSecretValue(record.captured.inputs.google), "google (with the key) is a secret input");
  const key = JSON.parse(account.keyJson);
  const { client_email: _dropped, ...keyWithoutEmail } = key;
  const { failures } = await record.check(
    record.inputs({
      zone: "dr.example.com",
      google: { project: PROJECT, serviceAccountKey: JSON.stringify(keyWithoutEmail), endpoint: "http://dns.example.com/dns/v1/" },
    }),
  );
  const byProperty = Object.fromEntries(failures.map((failure) => [failure.property, failure.reason]));
  assert.match(byProperty.zone, /expected the managed zone's name .* not its DNS name; got "dr\.example\.com"/);
  assert.match(byProperty["google.serviceAccountKey.client_email"], /expected the service account's e-mail address \(client_email\)/);
  assert.match(byProperty["google.endpoint"], /expected an https URL/);
  assert.ok(!JSON.stringify(failures).includes("PRIVATE KEY"), "no failure quotes the key");
  const { failures: noKey } = await record.check(record.inputs({ google: { project: PROJECT } }));
  assert.match(noKey.find((failure) => failure.property === "google")?.reason ?? "", /no Google service-account key: .*gcp:credentials/);
  assert.deepEqual((await record.check(record.inputs())).failures, []);
});

test("create writes the record set, CNAME data with the final dot; a record already there is refused unless adopted", async () => {
  ({ id, outputs } = await record.create(record.inputs()));
  assert.equal(id, "registry.dr.example.com/CNAME");
  assert.deepEqual(live(), { name: FQDN, type: "CNAME", ttl: 60, rrdatas: [`${PRIMARY}.`] });
  assert.equal(outputs.activeTarget, PRIMARY);
  google.dns.setRecord(PROJECT, ZONE, { name: "mirror.dr.example.com.", type: "CNAME", ttl: 300, rrdatas: ["mirror.dc.example.com."] });
  await assert.rejects(record.create(record.inputs({ name: "mirror" })), /already exists: CNAME mirror\.dc\.example\.com .*Set adopt: true/);
});

test("a flip to a standby missing images is refused by the preflight; the record stays", async () => {
  await assert.rejects(
    record.update(id, outputs, record.inputs({ active: "secondary" })),
    /preflight of the secondary site .* failed, so CNAME record "registry" in managed zone dr-zone was not changed/,
  );
  assert.deepEqual(live()?.rrdatas, [`${PRIMARY}.`]);
});

test("flip and failback are each one atomic change (the set as read deleted, the new one added), read back", async () => {
  await imageSync.create(imageSync.inputs());
  const changesBefore = google.requests().filter((request) => request.method === "POST" && request.path.endsWith("/changes")).length;
  const flipped = await record.update(id, outputs, record.inputs({ active: "secondary" }));
  assert.deepEqual(live()?.rrdatas, [`${STANDBY}.`]);
  assert.deepEqual([flipped.outputs.activeTarget, flipped.outputs.previousTarget], [STANDBY, PRIMARY]);
  assert.equal(
    google.requests().filter((request) => request.method === "POST" && request.path.endsWith("/changes")).length,
    changesBefore + 1,
    "one change per flip",
  );
  assert.ok(
    google.requests().some((request) => request.method === "GET" && /\/changes\/\d+$/.test(request.path)),
    "the change is polled until done",
  );
  const back = await record.update(id, flipped.outputs, record.inputs({ active: "primary" }));
  assert.deepEqual(live()?.rrdatas, [`${PRIMARY}.`]);
  outputs = back.outputs;
  assert.deepEqual(await record.diff(id, outputs, record.inputs()), { changes: "none", replaces: [] });
});

test("a change made by hand is refused until refresh sees it; refresh reports it; the next update repairs it", async () => {
  google.dns.setRecord(PROJECT, ZONE, { name: FQDN, type: "CNAME", ttl: 60, rrdatas: ["elsewhere.example.com."] });
  await assert.rejects(
    record.update(id, outputs, record.inputs({ active: "secondary" })),
    /holds elsewhere\.example\.com, but state says harbor\.dc\.example\.com: it was changed outside Pulumi/,
  );
  const read = await record.read(id, outputs);
  assert.equal(read.outputs.activeTarget, "elsewhere.example.com");
  assert.match(host.output(), /was changed outside Pulumi: it holds elsewhere\.example\.com/);
  assert.deepEqual(await record.diff(id, read.outputs, record.inputs()), { changes: "some", replaces: [] });
  const repaired = await record.update(id, read.outputs, record.inputs());
  assert.deepEqual(live()?.rrdatas, [`${PRIMARY}.`]);
  outputs = repaired.outputs;
});

test("a record changed between the provider's read and its write: Cloud DNS's 412 is reported as such, with what to do", async () => {
  google.failNext("/changes", 1, 412, "conditionNotMet");
  await assert.rejects(record.update(id, outputs, record.inputs({ active: "secondary" })), (error: Error) => {
    assert.match(
      error.message,
      /CNAME record registry\.dr\.example\.com changed since it was read \(412 conditionNotMet.*\), so nothing was written\. Run `pulumi refresh` to record what it holds now, then `pulumi up`/,
    );
    return true;
  });
  assert.deepEqual(live()?.rrdatas, [`${PRIMARY}.`]);
});

test("project and key from the stack config @pulumi/gcp reads (gcp:project, gcp:credentials)", async () => {
  // The host configures a provider once, when it first loads it: a stack with gcp config is another host.
  const configured = await ProviderHost.start();
  try {
    await configured.configure({ "gcp:project": PROJECT, "gcp:credentials": account.keyJson });
    const driver = configured.resource(record.captured);
    const inputs = record.inputs({ name: "config", google: { endpoint: google.dnsEndpoint } });
    assert.deepEqual((await driver.check(inputs)).failures, []);
    const created = await driver.create(inputs);
    assert.deepEqual(google.dns.record(PROJECT, ZONE, "config.dr.example.com.", "CNAME")?.rrdatas, [`${PRIMARY}.`]);
    await driver.delete(created.id, created.outputs);
    assert.equal(google.dns.record(PROJECT, ZONE, "config.dr.example.com.", "CNAME"), undefined);
    assert.deepEqual(
      findSecretLeaks([account.keyJson], { outputs: created.outputs, secretOutputs: ["google", "readiness"], hostOutput: configured.output() }),
      [],
    );
  } finally {
    await configured.stop();
  }
});

test("the key never reaches the serialized provider, plain outputs or the host's output", () => {
  const key = JSON.parse(account.keyJson);
  const keyLines = (key.private_key as string).split("\n").filter((line) => line.length > 40);
  assert.deepEqual(
    findSecretLeaks([account.keyJson, ...keyLines], {
      providerText: record.captured.providerText,
      outputs,
      secretOutputs: ["google", "readiness", "alicloud", "rfc2136"],
      hostOutput: host.output(),
    }),
    [],
  );
});

test("delete removes the record set it created, and only that", async () => {
  await record.delete(id, outputs);
  assert.equal(live(), undefined);
  assert.deepEqual(google.dns.record(PROJECT, ZONE, "mirror.dr.example.com.", "CNAME")?.rrdatas, ["mirror.dc.example.com."]);
  assert.equal((await record.read(id, outputs)).id, "");
});
