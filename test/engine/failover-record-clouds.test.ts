import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AlicloudClient, PrivateZoneRecords } from "../../provider/clients/alicloud";
import { startAlicloudStandIn, type AlicloudStandIn } from "../support/alicloud";
import { pushSmallImage } from "../support/fixtures";
import { startGoogleStandIn, type GoogleStandIn, type StandInServiceAccount } from "../support/google";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * FailoverRecord on the cloud DNS backends, in a user's own stack under the real Pulumi engine:
 * Alibaba Cloud PrivateZone (solution 1 of Alibaba Cloud's Harbor-to-ACR guide) with the key as
 * a secret input and the endpoints from `alicloud:endpoints`, and Google Cloud DNS with the
 * project and service-account key from the `gcp:*` stack config @pulumi/gcp reads. One config
 * value, `active`, flips both. What the stand-ins hold is the oracle.
 */

const KEY = { accessKey: "LTAI5tEngineClouds01", secretKey: "engine-clouds-secret-5e2d8b" };
const OPERATOR = { accessKeyId: "LTAI5tEngineOperator2", accessKeySecret: "engine-operator-secret-91c3" };
const PROJECT = "dr-project";
const MANAGED_ZONE = "dr-zone";
const FQDN = "registry.dr.example.com.";
const PRIMARY_VALUE = "harbor.dc.example.com";
const STANDBY_VALUE = "dr-instance-registry.cn-hangzhou.cr.aliyuncs.com";
const HAND_VALUE = "break-glass.example.com";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { FailoverRecord } = require("registry-dr");
const config = new pulumi.Config();
const primaryRegistry = config.require("primaryRegistry");
const standbyRegistry = config.require("standbyRegistry");
const sites = {
  primary: { value: "${PRIMARY_VALUE}", registry: primaryRegistry },
  secondary: { value: "${STANDBY_VALUE}", registry: standbyRegistry },
};
const readiness = { images: { [primaryRegistry + "/dr/app"]: standbyRegistry + "/dr/app" } };
const active = config.require("active");
const privateZone = new FailoverRecord("pvtz-record", {
  backend: "privatezone",
  zone: config.require("privateZoneId"),
  name: "@",
  type: "CNAME",
  ttl: 60,
  alicloud: { accessKey: config.require("accessKey"), secretKey: config.requireSecret("secretKey") },
  sites,
  active,
  readiness,
  // Plain-HTTP registries on loopback ports, not the names' sites: the client view is not what this stack checks.
  clients: false,
});
const cloudDns = new FailoverRecord("clouddns-record", {
  backend: "clouddns",
  zone: config.require("managedZone"),
  name: "registry",
  type: "CNAME",
  google: { endpoint: config.require("cloudDnsEndpoint") },
  sites,
  active,
  readiness,
  // Plain-HTTP registries on loopback ports, not the names' sites: the client view is not what this stack checks.
  clients: false,
});
exports.privateZoneTarget = privateZone.activeTarget;
exports.cloudDnsTarget = cloudDns.activeTarget;
`;

let alibaba: AlicloudStandIn;
let google: GoogleStandIn;
let account: StandInServiceAccount;
let primary: RegistryServer;
let standby: RegistryServer;
let operator: AlicloudClient;
let zoneId: string;
let stack: UserStack;
const transcript: CommandResult[] = [];

before(async () => {
  [alibaba, google, primary, standby] = await Promise.all([
    startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey }, [OPERATOR.accessKeyId]: { secret: OPERATOR.accessKeySecret } } }),
    startGoogleStandIn(),
    startRegistry(),
    startRegistry(),
  ]);
  operator = new AlicloudClient({ accessKey: OPERATOR, endpoints: alibaba.endpoints });
  zoneId = (await operator.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: "harbor.example.com" })).ZoneId;
  account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", PROJECT);
  google.dns.addZone(PROJECT, MANAGED_ZONE, "dr.example.com.");
  for (const registry of [primary, standby]) await pushSmallImage(registry, "dr/app:1.0", undefined, "1.0");
  stack = await UserStack.create("failover-clouds", {
    program: PROGRAM,
    config: {
      primaryRegistry: primary.host,
      standbyRegistry: standby.host,
      active: "primary",
      privateZoneId: zoneId,
      accessKey: KEY.accessKey,
      "alicloud:endpoints": JSON.stringify([alibaba.endpoints]),
      managedZone: MANAGED_ZONE,
      cloudDnsEndpoint: google.dnsEndpoint,
      "gcp:project": PROJECT,
    },
    secrets: { secretKey: KEY.secretKey, "gcp:credentials": account.keyJson },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await operator?.close();
  await Promise.all([alibaba?.stop(), google?.stop(), primary?.stop(), standby?.stop()]);
});

const privateZoneValues = async () => (await new PrivateZoneRecords(operator, zoneId).find("@")).map((record) => record.value);
const cloudDnsValues = () => google.dns.record(PROJECT, MANAGED_ZONE, FQDN, "CNAME")?.rrdatas ?? [];

test("preview writes nothing; up writes both records for the primary; then nothing is pending", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "dns:FailoverRecord", "pvtz-record"));
  assert.match(preview.stdout, stepPattern("create", "dns:FailoverRecord", "clouddns-record"));
  assert.deepEqual([await privateZoneValues(), cloudDnsValues()], [[], []], "a preview writes nothing");

  transcript.push(await stack.up());
  assert.deepEqual(await privateZoneValues(), [PRIMARY_VALUE]);
  assert.deepEqual(cloudDnsValues(), [`${PRIMARY_VALUE}.`]);
  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a flip is a config change: the preview names the change of site on both records, up points both at the standby", async () => {
  await stack.must(["config", "set", "active", "secondary"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "pvtz-record"));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "clouddns-record"));
  assert.equal(preview.stdout.match(/active\s*:\s*"primary"\s*=>\s*"secondary"/g)?.length, 2, preview.stdout);
  assert.deepEqual([await privateZoneValues(), cloudDnsValues()], [[PRIMARY_VALUE], [`${PRIMARY_VALUE}.`]], "a preview flips nothing");

  transcript.push(await stack.up());
  assert.deepEqual(await privateZoneValues(), [STANDBY_VALUE]);
  assert.deepEqual(cloudDnsValues(), [`${STANDBY_VALUE}.`]);
  const outputs = await stack.outputs();
  assert.deepEqual([outputs.privateZoneTarget, outputs.cloudDnsTarget], [STANDBY_VALUE, STANDBY_VALUE]);
});

test("a change by hand at each stand-in is recorded by refresh, then set back by up", async () => {
  const [record] = await new PrivateZoneRecords(operator, zoneId).find("@");
  await new PrivateZoneRecords(operator, zoneId).update(record.recordId, { rr: "@", type: "CNAME", value: HAND_VALUE, ttl: 60 });
  google.dns.setRecord(PROJECT, MANAGED_ZONE, { name: FQDN, type: "CNAME", ttl: 60, rrdatas: [`${HAND_VALUE}.`] });

  transcript.push(await stack.must(["refresh", "--yes", "--skip-preview"]));
  assert.equal((await stack.resourceOutputs("pvtz-record")).activeTarget, HAND_VALUE, "refresh records what PrivateZone holds");
  assert.equal((await stack.resourceOutputs("clouddns-record")).activeTarget, HAND_VALUE, "refresh records what Cloud DNS holds");

  transcript.push(await stack.up());
  assert.deepEqual(await privateZoneValues(), [STANDBY_VALUE]);
  assert.deepEqual(cloudDnsValues(), [`${STANDBY_VALUE}.`]);
  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, outputText(settled));
});

test("neither the AccessKey secret nor the service-account key is in plain text: not in state, not in anything the CLI printed", async () => {
  const key = JSON.parse(account.keyJson) as { private_key: string };
  const secrets = [KEY.secretKey, account.keyJson, ...key.private_key.split("\n").filter((line) => line.length > 40)];
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, secrets, "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), secrets, "the CLI's output");
  assert.match(state, /"ciphertext"/, "the credentials are stored encrypted");
});

test("destroy deletes both records at the stand-ins, and the stand-ins saw no request outside their contract", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await privateZoneValues(), []);
  assert.deepEqual(cloudDnsValues(), []);
  assert.deepEqual(alibaba.violations(), []);
  assert.deepEqual(google.violations(), []);
});
