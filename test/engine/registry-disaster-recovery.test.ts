import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { RegistryHttp } from "../support/registry-http";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * RegistryDisasterRecovery in a user's own stack under the real Pulumi engine: a Harbor primary
 * (the stand-in, whose replication really copies) and two registry sites, one kept in sync by
 * Harbor's replication and one by the direct copy. The repositories are chosen in the stack's
 * config; what the registries and Harbor hold is the oracle.
 */

const ADMIN = "Harbor12345-engine-dr";
const PUSHER = { username: "dr_pusher", password: "Pusher-Engine-Secret-DR2" };
const PRIMARY_IP = "10.1.0.10";
const DIRECT_IP = "10.2.0.20";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { RegistryDisasterRecovery } = require("registry-dr");
const config = new pulumi.Config();
const site = (url) => ({ url, namespace: "library", username: config.require("pusher"), password: config.requireSecret("pusherPassword") });
const dr = new RegistryDisasterRecovery("dr", {
  primary: { harbor: { url: config.require("harborUrl"), username: "admin", password: config.requireSecret("harborPassword") } },
  protect: { repositories: config.requireObject("repositories") },
  sites: {
    "via-harbor": { registry: site(config.require("viaHarborUrl")), replication: { harbor: { flatten: 1, runTimeoutSeconds: 120 } } },
    direct: { registry: site(config.require("directUrl")), replication: { direct: { flatten: 1 } } },
  },
  failover: {
    record: {
      backend: "rfc2136",
      zone: config.require("zone"),
      name: "registry",
      type: "A",
      ttl: 60,
      rfc2136: { server: config.require("dnsServer"), tsig: { name: config.require("tsigName"), algorithm: config.require("tsigAlgorithm"), secret: config.requireSecret("tsigSecret") } },
    },
    standby: "direct",
    values: { primary: "${PRIMARY_IP}", direct: "${DIRECT_IP}" },
    active: config.require("active"),
    // Plain-HTTP registries on loopback ports, not the name's sites: the client view is not what this stack checks.
    clients: false,
  },
});
exports.endpoints = dr.endpoints;
exports.readiness = dr.readiness;
exports.activeSite = dr.activeSite;
`;

let dns: DnsTestServer;
let harbor: HarborStandIn;
let viaHarbor: RegistryServer;
let direct: RegistryServer;
let stack: UserStack;
const pushed: Record<string, SmallImage> = {};
const transcript: CommandResult[] = [];
const creds = `${PUSHER.username}:${PUSHER.password}`;
const fqdn = () => `registry.${dns.zone}`;
const digestAt = (site: RegistryServer, ref: string) => manifestDigest(`docker://${site.host}/${ref}`, creds).catch(() => undefined);

before(async () => {
  const auth = { kind: "htpasswd" as const, users: { [PUSHER.username]: PUSHER.password } };
  [dns, harbor, viaHarbor, direct] = await Promise.all([
    startDnsServer("bind"),
    startHarborStandIn({ adminPassword: ADMIN }),
    startRegistry({ auth }),
    startRegistry({ auth }),
  ]);
  for (const [ref, variant] of [
    ["library/nginx:1.0", "a"],
    ["library/nginx:1.1", "b"],
    ["library/redis:7.0", "c"],
  ])
    pushed[ref] = await pushSmallImage(harbor.registry, ref, undefined, variant);
  stack = await UserStack.create("registry-dr-plan", {
    program: PROGRAM,
    config: {
      harborUrl: harbor.url,
      viaHarborUrl: viaHarbor.url,
      directUrl: direct.url,
      pusher: PUSHER.username,
      repositories: '["library/nginx"]',
      zone: dns.zone,
      dnsServer: dns.address,
      tsigName: dns.key.name,
      tsigAlgorithm: dns.key.algorithm,
      active: "primary",
    },
    secrets: { harborPassword: ADMIN, pusherPassword: PUSHER.password, tsigSecret: dns.key.secret },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([dns?.stop(), harbor?.stop(), viaHarbor?.stop(), direct?.stop()]);
});

/** What Harbor holds of this stack's: endpoints and rules, through its API as an admin. */
async function harborHoldings(): Promise<{ registries: string[]; policies: string[] }> {
  const get = async (path: string) => {
    const response = await fetch(`${harbor.url}/api/v2.0${path}`, { headers: { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` } });
    assert.equal(response.status, 200, `GET ${path}`);
    return (await response.json()) as { name: string }[];
  };
  return { registries: (await get("/registries")).map((entry) => entry.name), policies: (await get("/replication/policies")).map((entry) => entry.name) };
}

test("preview copies nothing; up sets up Harbor's replication, the direct copy and the record; both sites hold the chosen repository; then nothing is pending", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "registry-dr:ImageSync", "dr-direct-sync"));
  assert.match(preview.stdout, stepPattern("create", "harbor:HarborReplicationPolicy", "dr-via-harbor-replication-rule"));
  assert.deepEqual(await harborHoldings(), { registries: [], policies: [] }, "a preview creates nothing in Harbor");
  assert.equal(await digestAt(direct, "library/nginx:1.0"), undefined, "a preview copies nothing");

  assert.deepEqual(await dns.dig(fqdn(), "A"), [], "a preview writes no record");

  transcript.push(await stack.up());
  assert.deepEqual(await harborHoldings(), { registries: ["dr-via-harbor"], policies: ["dr-via-harbor"] });
  assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  for (const site of [viaHarbor, direct]) {
    assert.equal(await digestAt(site, "library/nginx:1.0"), pushed["library/nginx:1.0"].digest);
    assert.equal(await digestAt(site, "library/nginx:1.1"), pushed["library/nginx:1.1"].digest);
    assert.equal(await digestAt(site, "library/redis:7.0"), undefined, "only the chosen repository");
  }
  const readiness = (await stack.outputs()).readiness as Record<string, { path: string; present: number; missing: number }>;
  assert.deepEqual(
    Object.fromEntries(Object.entries(readiness).map(([site, summary]) => [site, [summary.path, summary.present, summary.missing]])),
    { "via-harbor": ["harbor", 1, 0], direct: ["direct", 2, 0] },
    "Harbor counts repositories, the direct copy images",
  );

  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a repository added in the config: the preview shows the rule's filter and the copy's images change; up copies it to the direct site", async () => {
  await stack.must(["config", "set", "repositories", '["library/nginx","library/redis"]']);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "registry-dr:ImageSync", "dr-direct-sync"));
  assert.match(preview.stdout, stepPattern("update", "harbor:HarborReplicationPolicy", "dr-via-harbor-replication-rule"));
  assert.match(preview.stdout, /library\/redis/, `the preview names the added repository:\n${preview.stdout}`);
  // The widened rule copies only new pushes: the run follows the rule and copies what Harbor holds; it still knows its policy.
  assert.match(preview.stdout, stepPattern("update", "harbor:HarborReplicationRun", "dr-via-harbor-replication-run"));
  assert.doesNotMatch(preview.stdout, /policyId\s*: .*(\[unknown\]|output<)/, "the run's policy is known in the preview");
  assert.match(preview.stdout, /HarborReplicationRun: \(update\)\n(.*\n){3}\s+policyId\s*: \d+\n/, "the run's unchanged policy id is shown as it is");
  assert.equal(await digestAt(direct, "library/redis:7.0"), undefined, "a preview copies nothing");

  transcript.push(await stack.up());
  assert.equal(await digestAt(direct, "library/redis:7.0"), pushed["library/redis:7.0"].digest);
  assert.equal(await digestAt(viaHarbor, "library/redis:7.0"), pushed["library/redis:7.0"].digest, "Harbor's run copied the newly protected repository");
});

test("a copy deleted by hand at the direct site: refresh records it missing, up copies it back", async () => {
  const http = new RegistryHttp(direct, creds);
  const deleted = await http.request(
    "DELETE",
    `/v2/library/nginx/manifests/${pushed["library/nginx:1.0"].digest}`,
    "repository:library/nginx:pull,push,delete",
  );
  assert.equal(deleted.status, 202);

  transcript.push(await stack.must(["refresh", "--yes", "--skip-preview"]));
  const { summary } = (await stack.resourceOutputs("dr-direct-sync")) as { summary: { images: { destination: string; status: string }[] } };
  const lost = summary.images.find((image) => image.destination.endsWith("/library/nginx:1.0"));
  assert.equal(lost?.status, "missing", `refresh records the copy as missing: ${JSON.stringify(summary.images)}`);

  transcript.push(await stack.up());
  assert.equal(await digestAt(direct, "library/nginx:1.0"), pushed["library/nginx:1.0"].digest);
  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, outputText(settled));
});

test("a flip to the direct site is a config change: its preview names the change, up points the name at the site", async () => {
  await stack.must(["config", "set", "active", "direct"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "dr-record"));
  assert.match(preview.stdout, /active\s*:\s*"primary"\s*=>\s*"secondary"/, preview.stdout);
  assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP], "a preview flips nothing");

  transcript.push(await stack.up());
  assert.deepEqual(await dns.dig(fqdn(), "A"), [DIRECT_IP]);
  assert.equal((await stack.outputs()).activeSite, "direct");
});

test("neither Harbor's admin password, the sites' password nor the TSIG secret is in plain text in the state or in anything the CLI printed", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [ADMIN, PUSHER.password, dns.key.secret], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [ADMIN, PUSHER.password, dns.key.secret], "the CLI's output");
  assert.match(state, /"ciphertext"/, "the credentials are stored encrypted");
});

test("destroy removes Harbor's endpoint and rule and the record; the DR copies stay, as deleting never deletes images", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await harborHoldings(), { registries: [], policies: [] });
  assert.deepEqual(await dns.dig(fqdn(), "A"), []);
  assert.equal(await digestAt(direct, "library/nginx:1.0"), pushed["library/nginx:1.0"].digest);
  assert.equal(await digestAt(viaHarbor, "library/nginx:1.0"), pushed["library/nginx:1.0"].digest);
  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: unknown[] } };
  assert.equal(state.deployment.resources?.length ?? 0, 0, "nothing left in state");
  assert.deepEqual(harbor.violations(), []);
});
