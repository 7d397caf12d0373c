import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { AlicloudClient, AlidnsRecords } from "../../provider/clients/alicloud";
import { startAlicloudStandIn, type AlicloudStandIn } from "../support/alicloud";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * FailoverRecord on public Alibaba Cloud DNS (solution 2 of Alibaba Cloud's Harbor-to-ACR
 * guide), in a user's own stack under the real Pulumi engine. The AccessKey comes from the
 * stack config @pulumi/alicloud reads (`alicloud:accessKey`, secret `alicloud:secretKey`), as
 * a stack with ACR sites has it; the flip is a change of `active`. What the stand-in holds is
 * the oracle.
 */

const KEY = { accessKey: "LTAI5tEngineAlidns01", secretKey: "engine-alidns-secret-3b7c1e" };
const OPERATOR = { accessKeyId: "LTAI5tEngineOperator3", accessKeySecret: "engine-operator-secret-5d2f" };
const DOMAIN = "dr-example.com";
const NAME = "harbor";
const PRIMARY_VALUE = "harbor.dc.example.com";
const STANDBY_VALUE = "dr-instance-registry.cn-hangzhou.cr.aliyuncs.com";
const HAND_VALUE = "break-glass.example.com";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { FailoverRecord } = require("registry-dr");
const config = new pulumi.Config();
const primaryRegistry = config.require("primaryRegistry");
const standbyRegistry = config.require("standbyRegistry");
// The record's settings, all in this one place.
const record = new FailoverRecord("public-record", {
  backend: "alidns",
  zone: "${DOMAIN}",
  name: "${NAME}",
  type: "CNAME",
  ttl: 600,
  sites: {
    primary: { value: "${PRIMARY_VALUE}", registry: primaryRegistry },
    secondary: { value: "${STANDBY_VALUE}", registry: standbyRegistry },
  },
  active: config.require("active"),
  readiness: { images: { [primaryRegistry + "/dr/app"]: standbyRegistry + "/dr/app" } },
  // Not about clients: the registries serve plain HTTP on ports of their own, not the name on 443.
  clients: false,
});
exports.activeTarget = record.activeTarget;
`;

let alibaba: AlicloudStandIn;
let primary: RegistryServer;
let standby: RegistryServer;
let operator: AlicloudClient;
let stack: UserStack;
const transcript: CommandResult[] = [];

before(async () => {
  [alibaba, primary, standby] = await Promise.all([
    startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey }, [OPERATOR.accessKeyId]: { secret: OPERATOR.accessKeySecret } } }),
    startRegistry(),
    startRegistry(),
  ]);
  // The free edition's TTL floor (600 s), as a new domain has it.
  alibaba.addDomain(DOMAIN, { minTtl: 600 });
  operator = new AlicloudClient({ accessKey: OPERATOR, endpoints: alibaba.endpoints });
  for (const registry of [primary, standby]) await pushSmallImage(registry, "dr/app:1.0", undefined, "1.0");
  stack = await UserStack.create("failover-alidns", {
    program: PROGRAM,
    config: {
      primaryRegistry: primary.host,
      standbyRegistry: standby.host,
      active: "primary",
      "alicloud:accessKey": KEY.accessKey,
      "alicloud:endpoints": JSON.stringify([alibaba.endpoints]),
    },
    secrets: { "alicloud:secretKey": KEY.secretKey },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await operator?.close();
  await Promise.all([alibaba?.stop(), primary?.stop(), standby?.stop()]);
});

const escaped = (text: string) => text.replaceAll(".", "\\.");
const records = () => new AlidnsRecords(operator, DOMAIN);
const values = async () => (await records().find(NAME)).map((record) => [record.type, record.value, record.ttl]);

test("preview writes nothing; up creates the CNAME for the primary; then nothing is pending", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "dns:FailoverRecord", "public-record"));
  assert.deepEqual(await values(), [], "a preview writes nothing");

  transcript.push(await stack.up());
  assert.deepEqual(await values(), [["CNAME", PRIMARY_VALUE, 600]]);
  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a flip is a config change: its preview names the site, the value and the preflight's verdict; up points the name at the standby", async () => {
  await stack.must(["config", "set", "active", "secondary"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "public-record"));
  assert.match(preview.stdout, /active\s*:\s*"primary"\s*=>\s*"secondary"/, preview.stdout);
  assert.match(
    outputText(preview),
    new RegExp(`will switch CNAME record "harbor" in domain dr-example\\.com: ${escaped(PRIMARY_VALUE)} -> ${escaped(STANDBY_VALUE)}, the secondary site`),
    "where the name will point",
  );
  assert.match(outputText(preview), /preflight secondary site .*: ready \(1 image\(s\) present\)/, "and the preflight's verdict there");
  assert.deepEqual(await values(), [["CNAME", PRIMARY_VALUE, 600]], "a preview flips nothing");

  transcript.push(await stack.up());
  assert.deepEqual(await values(), [["CNAME", STANDBY_VALUE, 600]]);
  assert.equal((await stack.outputs()).activeTarget, STANDBY_VALUE);
});

test("a change by hand in Alibaba Cloud DNS is recorded by refresh, shown by the preview, then set back by up", async () => {
  const [record] = await records().find(NAME);
  await records().update(record.recordId, { rr: NAME, type: "CNAME", value: HAND_VALUE, ttl: 600 });

  transcript.push(await stack.must(["refresh", "--yes", "--skip-preview"]));
  assert.equal((await stack.resourceOutputs("public-record")).activeTarget, HAND_VALUE, "refresh records what Alibaba Cloud DNS holds");
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, new RegExp(`active\\s*:\\s*"${escaped(HAND_VALUE)}"\\s*=>\\s*"secondary"`), preview.stdout);

  transcript.push(await stack.up());
  assert.deepEqual(await values(), [["CNAME", STANDBY_VALUE, 600]]);
  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, outputText(settled));
});

test("the AccessKey secret is nowhere in plain text: not in state, not in anything the CLI printed", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [KEY.secretKey], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [KEY.secretKey], "the CLI's output");
  assert.match(state, /"ciphertext"/, "the stack config's secret is stored encrypted");
});

test("destroy deletes the record at the stand-in, and the stand-in saw no request outside its contract", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await values(), []);
  assert.deepEqual(alibaba.violations(), []);
});
