import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, UserStack } from "./support/user-stack";

/**
 * The order of a replacement under the real Pulumi engine: delete-before-replace only where the
 * new record would collide with the old. A FailoverRecord (RFC 2136, real BIND) moved to
 * another zone is created there before the old one is deleted, so the name never stops
 * resolving; a new type for the same name in the same zone (A to AAAA) is written after the
 * old record is deleted. The engine's own step lines and `dig` at both servers are the oracles.
 */

const SITES = {
  A: { primary: "10.1.0.10", secondary: "10.2.0.20" },
  AAAA: { primary: "fd00:1::10", secondary: "fd00:2::20" },
};

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { FailoverRecord } = require("registry-dr");
const config = new pulumi.Config();
const primaryRegistry = config.require("primaryRegistry");
const standbyRegistry = config.require("standbyRegistry");
// The record's settings, all in this one place.
const record = new FailoverRecord("moving-record", {
  backend: "rfc2136",
  zone: config.require("zone"),
  name: "registry",
  type: config.require("type"),
  ttl: 60,
  rfc2136: {
    server: config.require("dnsServer"),
    tsig: { name: config.require("tsigName"), algorithm: config.require("tsigAlgorithm"), secret: config.requireSecret("tsigSecret") },
  },
  sites: {
    primary: { value: config.require("primaryValue"), registry: primaryRegistry },
    secondary: { value: config.require("standbyValue"), registry: standbyRegistry },
  },
  active: "primary",
  readiness: { images: { [primaryRegistry + "/dr/app"]: standbyRegistry + "/dr/app" } },
  // Not about clients: the registries serve plain HTTP on ports of their own, not the name on 443.
  clients: false,
});
exports.activeTarget = record.activeTarget;
`;

let first: DnsTestServer;
let second: DnsTestServer;
let primary: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
const transcript: CommandResult[] = [];
const nameIn = (dns: DnsTestServer) => `registry.${dns.zone}`;

before(async () => {
  first = await startDnsServer("bind", { zone: "dr.example.com" });
  // The zone the record moves to, on another server taking the same TSIG key.
  [second, primary, standby] = await Promise.all([startDnsServer("bind", { zone: "failover.example.com", key: first.key }), startRegistry(), startRegistry()]);
  for (const registry of [primary, standby]) await pushSmallImage(registry, "dr/app:1.0", undefined, "1.0");
  stack = await UserStack.create("replace-order", {
    program: PROGRAM,
    config: {
      zone: first.zone,
      dnsServer: first.address,
      tsigName: first.key.name,
      tsigAlgorithm: first.key.algorithm,
      type: "A",
      primaryValue: SITES.A.primary,
      standbyValue: SITES.A.secondary,
      primaryRegistry: primary.host,
      standbyRegistry: standby.host,
    },
    secrets: { tsigSecret: first.key.secret },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([first?.stop(), second?.stop(), primary?.stop(), standby?.stop()]);
});

const REPLACE_LINE = /\+-\s*pulumi-nodejs:dynamic\/dns:FailoverRecord: \(replace\)\n(\s*\[id=[^\]]*\]\n)?\s*\[urn=[^\]]*::moving-record\]/;

/**
 * The record's replacement steps in the order the engine plans them, as
 * `pulumi preview --diff --show-replacement-steps` prints them: "++ create-replacement", "+- replace", "-- delete-replaced".
 */
async function plannedSteps(): Promise<string[]> {
  const preview = await stack.preview("--show-replacement-steps");
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  const step = /(\+\+|\+-|--)\s*pulumi-nodejs:dynamic\/dns:FailoverRecord: \(([a-z-]+)\)\n(?:\s*\[id=[^\]]*\]\n)?\s*\[urn=[^\]]*::moving-record\]/g;
  return [...preview.stdout.matchAll(step)].map((match) => `${match[1]} ${match[2]}`);
}

/** The record's replacement steps in the order `pulumi up` finished them. */
function appliedSteps(up: CommandResult): string[] {
  const done = { "created replacement": "create-replacement", replaced: "replace", "deleted original": "delete-replaced" } as Record<string, string>;
  const steps: string[] = [];
  for (const line of up.stdout.split("\n")) {
    const step = line.includes("moving-record") ? /\b(created replacement|replaced|deleted original)\b/.exec(line)?.[1] : undefined;
    if (step && !steps.includes(done[step])) steps.push(done[step]);
  }
  return steps;
}

test("up creates the A record in the first zone", async () => {
  transcript.push(await stack.up());
  assert.deepEqual(await first.dig(nameIn(first), "A"), [SITES.A.primary]);
});

test("a move to another zone is create-before-delete: the preview says replace, up creates the new record before it deletes the old", async () => {
  await stack.must(["config", "set", "zone", second.zone]);
  await stack.must(["config", "set", "dnsServer", second.address]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, REPLACE_LINE, preview.stdout);
  assert.match(preview.stdout, /~ zone\s*:\s*"dr\.example\.com" => "failover\.example\.com"/, "the preview names the change that replaces");
  assert.deepEqual(await plannedSteps(), ["++ create-replacement", "+- replace", "-- delete-replaced"], "the engine plans the new record first");
  assert.deepEqual(await second.dig(nameIn(second), "A"), [], "a preview writes nothing");

  const up = await stack.up();
  transcript.push(up);
  assert.deepEqual(appliedSteps(up), ["create-replacement", "replace", "delete-replaced"], up.stdout);
  assert.deepEqual(await second.dig(nameIn(second), "A"), [SITES.A.primary], "the name resolves in the new zone");
  assert.deepEqual(await first.dig(nameIn(first), "A"), [], "and the old zone's record is gone");
  assert.equal((await stack.outputs()).activeTarget, SITES.A.primary);
});

test("a new type for the same name in the same zone is delete-before-replace: up deletes the A record, then writes the AAAA record", async () => {
  await stack.must(["config", "set", "type", "AAAA"]);
  await stack.must(["config", "set", "primaryValue", SITES.AAAA.primary]);
  await stack.must(["config", "set", "standbyValue", SITES.AAAA.secondary]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, REPLACE_LINE, preview.stdout);
  assert.match(preview.stdout, /~ type\s*:\s*"A" => "AAAA"/, "the preview names the change that replaces");
  assert.deepEqual(await plannedSteps(), ["-- delete-replaced", "+- replace", "++ create-replacement"], "the engine plans the old record's deletion first");
  assert.deepEqual(await second.dig(nameIn(second), "AAAA"), [], "a preview writes nothing");

  const up = await stack.up();
  transcript.push(up);
  assert.deepEqual(appliedSteps(up), ["delete-replaced", "replace", "create-replacement"], up.stdout);
  assert.deepEqual(await second.dig(nameIn(second), "AAAA"), [SITES.AAAA.primary]);
  assert.deepEqual(await second.dig(nameIn(second), "A"), [], "the A record is gone");
});

test("destroy leaves nothing at either server, and the TSIG secret was never in plain text", async () => {
  assertNoPlainSecrets(await stack.exportedState(), [first.key.secret], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [first.key.secret], "the CLI's output");
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await second.dig(nameIn(second), "AAAA"), []);
  assert.deepEqual(await first.dig(nameIn(first), "A"), []);
});
