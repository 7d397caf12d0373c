import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * FailoverRecord on a data center's own DNS (RFC 2136 with TSIG, real BIND), in a user's own
 * stack under the real Pulumi engine: the flip is a change of `active` in the stack's config,
 * reviewed in `pulumi preview`, applied by `pulumi up`; a flip done by hand is noticed by
 * `pulumi refresh`. `dig` at the server is the oracle.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";
const BREAK_GLASS_IP = "10.3.0.30";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { FailoverRecord } = require("registry-dr");
const config = new pulumi.Config();
const images = { [config.require("primaryRegistry") + "/dr/app"]: config.require("standbyRegistry") + "/dr/app" };
const record = new FailoverRecord("dc-dns", {
  backend: "rfc2136",
  zone: config.require("zone"),
  name: "registry",
  type: "A",
  ttl: 60,
  rfc2136: {
    server: config.require("dnsServer"),
    tsig: { name: config.require("tsigName"), algorithm: config.require("tsigAlgorithm"), secret: config.requireSecret("tsigSecret") },
  },
  sites: {
    primary: { value: "${PRIMARY_IP}", registry: config.require("primaryRegistry") },
    secondary: { value: "${STANDBY_IP}", registry: config.require("standbyRegistry") },
  },
  active: config.require("active"),
  readiness: { images },
  // Plain-HTTP registries on loopback ports, not the name's sites: the client view is not what this stack checks.
  clients: false,
});
exports.activeTarget = record.activeTarget;
`;

let dns: DnsTestServer;
let primary: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
const transcript: CommandResult[] = [];
const fqdn = () => `registry.${dns.zone}`;

before(async () => {
  [dns, primary, standby] = await Promise.all([startDnsServer("bind"), startRegistry(), startRegistry()]);
  for (const registry of [primary, standby]) await pushSmallImage(registry, "dr/app:1.0", undefined, "1.0");
  stack = await UserStack.create("failover-rfc2136", {
    program: PROGRAM,
    config: {
      zone: dns.zone,
      dnsServer: dns.address,
      tsigName: dns.key.name,
      tsigAlgorithm: dns.key.algorithm,
      primaryRegistry: primary.host,
      standbyRegistry: standby.host,
      active: "primary",
    },
    secrets: { tsigSecret: dns.key.secret },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
});

test("preview writes nothing; up creates the record on the primary; then nothing is pending", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "dns:FailoverRecord", "dc-dns"));
  assert.deepEqual(await dns.dig(fqdn(), "A"), []);

  transcript.push(await stack.up());
  assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a flip is a config change: its preview names the change of site, up points the name at the standby", async () => {
  await stack.must(["config", "set", "active", "secondary"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "dc-dns"));
  assert.match(preview.stdout, /active\s*:\s*"primary"\s*=>\s*"secondary"/, preview.stdout);
  // What a reviewer checks is plain; the TSIG key alone is hidden.
  assert.match(preview.stdout, new RegExp(`server\\s*:\\s*"${dns.address.replace(/\./g, "\\.")}"`), "the DNS server shows");
  assert.match(preview.stdout, /tsig\s*:\s*\[secret\]/);
  assert.match(preview.stdout, new RegExp(`${primary.host}/dr/app"?\\s*:\\s*"${standby.host}/dr/app"`), "the readiness images show");
  assert.match(outputText(preview), /will switch .*10\.1\.0\.10 -> 10\.2\.0\.20, the secondary site/, "the preview says where the name will point");
  assert.match(outputText(preview), /preflight secondary site .*: ready \(1 image\(s\) present\)/, "and the preflight's verdict there");
  const unchecked = await stack.previewWithoutChecks();
  assert.match(outputText(unchecked), /preflight not run at preview/, "the preview's preflight can be turned off");
  assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP], "a preview flips nothing");

  const up = await stack.up();
  transcript.push(up);
  assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
  assert.equal((await stack.outputs()).activeTarget, STANDBY_IP);
});

test("a break-glass change by hand is refused by up, recorded by refresh, then set back by up", async () => {
  await dns.nsupdate([`update delete ${fqdn()} A`, `update add ${fqdn()} 60 A ${BREAK_GLASS_IP}`]);
  const refused = await stack.pulumi(["up", "--yes", "--skip-preview", "--refresh=false"]);
  transcript.push(refused);
  // Nothing to change in the inputs: up leaves the record alone rather than undo a hand flip unseen.
  assert.deepEqual(await dns.dig(fqdn(), "A"), [BREAK_GLASS_IP]);

  const refresh = await stack.must(["refresh", "--yes", "--skip-preview"]);
  transcript.push(refresh);
  assert.equal((await stack.resourceOutputs("dc-dns")).activeTarget, BREAK_GLASS_IP, "refresh records what the server holds");

  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "dc-dns"), preview.stdout);
  assert.match(
    preview.stdout,
    new RegExp(`active\\s*:\\s*"${BREAK_GLASS_IP.replaceAll(".", "\\.")}"\\s*=>\\s*"secondary"`),
    "the diff names what up puts back",
  );

  transcript.push(await stack.up());
  assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
});

test("the TSIG secret is nowhere in plain text: not in state, not in anything the CLI printed", async () => {
  const outputs = await stack.resourceOutputs("dc-dns");
  const rfc2136 = outputs.rfc2136 as Record<string, unknown>;
  assert.equal(rfc2136.server, dns.address, "the server is kept plain in state");
  assert.ok(JSON.stringify(rfc2136.tsig).includes("ciphertext"), "the TSIG key is kept encrypted");
  assert.ok(!JSON.stringify(outputs.readiness).includes("ciphertext"), "readiness (no credentials here) is kept plain");
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [dns.key.secret], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [dns.key.secret], "the CLI's output");
});

test("destroy deletes the record at the server", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await dns.dig(fqdn(), "A"), []);
});
