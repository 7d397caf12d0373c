import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { makeTempDir, removeTempDir } from "../support/processes";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { packRelease, RELEASE_0_1_0 } from "./support/previous-release";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * An upgrade as a user does it: a stack created with registry-dr 0.1.0 (packed from this
 * repository's history), then `npm install` of the new package, and `pulumi refresh`, `up` and
 * `destroy` on the state 0.1.0 wrote. The registries are the oracle.
 */

const STANDBY = { username: "acr_pusher@1938562138124787", password: "acr-upgrade-Pa55w0rd" };
const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

// Written against 0.1.0's API, which the new release must still run.
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageSync, FailoverRecord } = require("registry-dr");
const config = new pulumi.Config();
const source = config.require("source");
const standby = config.require("standby");
const images = {};
for (const tag of config.requireObject("tags")) images[source + "/library/nginx:" + tag] = standby + "/library/nginx";
const auth = { [standby]: { username: config.require("standbyUser"), password: config.requireSecret("standbyPassword"), insecure: true } };
const sync = new ImageSync("nginx-copy", { auth, images, retainOnDelete: false });
const record = new FailoverRecord("dc-dns", {
  backend: "rfc2136",
  zone: config.require("zone"),
  name: "registry",
  type: "A",
  ttl: 60,
  rfc2136: { server: config.require("dnsServer"), tsig: { name: config.require("tsigName"), algorithm: config.require("tsigAlgorithm"), secret: config.requireSecret("tsigSecret") } },
  sites: { primary: { value: "${PRIMARY_IP}", registry: source }, secondary: { value: "${STANDBY_IP}", registry: standby, insecure: true } },
  active: config.require("active"),
  readiness: { auth, images: { [source + "/library/nginx:1.0"]: standby + "/library/nginx" } },
  // Set only after the upgrade (0.1.0 has no clients setting): the sites are plain-HTTP registries on loopback
  // ports, not the name's, so the client view the new release checks by default is turned off.
  ...(config.getBoolean("clientView") === false ? { clients: false } : {}),
}, { dependsOn: [sync] });
exports.counts = sync.summary.apply((summary) => summary.counts);
exports.activeTarget = record.activeTarget;
`;

let workDir: string;
let dns: DnsTestServer;
let source: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
const pushed: Record<string, SmallImage> = {};
const transcript: CommandResult[] = [];
const standbyCreds = `${STANDBY.username}:${STANDBY.password}`;
const standbyDigest = (tag: string) => manifestDigest(`docker://${standby.host}/library/nginx:${tag}`, standbyCreds).catch(() => undefined);

before(async () => {
  workDir = makeTempDir("engine-release");
  const [tarball, dnsServer, sourceRegistry, standbyRegistry] = await Promise.all([
    packRelease(RELEASE_0_1_0, workDir),
    startDnsServer("bind"),
    startRegistry(),
    startRegistry({ auth: { kind: "htpasswd", users: { [STANDBY.username]: STANDBY.password } } }),
  ]);
  [dns, source, standby] = [dnsServer, sourceRegistry, standbyRegistry];
  for (const tag of ["1.0", "1.1"]) pushed[tag] = await pushSmallImage(source, `library/nginx:${tag}`, undefined, tag);
  stack = await UserStack.create("upgrade", {
    program: PROGRAM,
    registryDr: tarball,
    config: {
      source: source.host,
      standby: standby.host,
      standbyUser: STANDBY.username,
      tags: '["1.0"]',
      zone: dns.zone,
      dnsServer: dns.address,
      tsigName: dns.key.name,
      tsigAlgorithm: dns.key.algorithm,
      active: "primary",
    },
    secrets: { standbyPassword: STANDBY.password, tsigSecret: dns.key.secret },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  if (workDir) await removeTempDir(workDir);
  await Promise.all([dns?.stop(), source?.stop(), standby?.stop()]);
});

/** The provider shim state holds for a resource: which module of registry-dr it loads. */
async function stateProvider(name: string): Promise<string> {
  return String((await stack.resourceOutputs(name)).__provider ?? "");
}
const fqdn = () => `registry.${dns.zone}`;

test("0.1.0 creates the stack: up copies and writes the record, and state names 0.1.0's provider modules", async () => {
  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  assert.match(await stateProvider("nginx-copy"), /modulePath: "dist\/provider\/resources\/image-sync\.js"/, "the state is 0.1.0's");
  assert.match(await stateProvider("dc-dns"), /modulePath: "dist\/provider\/resources\/dns\/failover-record\.js"/, "the state is 0.1.0's");
});

test("after npm install of the new package, refresh reads 0.1.0's state and a preview finds nothing to change", async () => {
  await stack.install();
  const refresh = await stack.must(["refresh", "--yes", "--skip-preview"]);
  transcript.push(refresh);
  const { summary } = (await stack.resourceOutputs("nginx-copy")) as { summary: { schemaVersion: number; images: { destination: string; status: string }[] } };
  assert.equal(summary.schemaVersion, 1);
  assert.deepEqual(
    summary.images.map(({ destination, status }) => [destination, status]),
    [[`${standby.host}/library/nginx:1.0`, "present"]],
  );
  assert.equal((await stack.resourceOutputs("dc-dns")).activeTarget, PRIMARY_IP, "the record's state reads back");

  const preview = await stack.preview("--expect-no-changes");
  transcript.push(preview);
  assert.equal(preview.code, 0, `the upgrade alone shows a change:\n${outputText(preview)}`);
});

test("an update with the new package: the added tag and the flip show in the preview, up applies both and rewrites state with the new provider entry", async () => {
  await stack.must(["config", "set", "tags", '["1.0","1.1"]']);
  await stack.must(["config", "set", "active", "secondary"]);
  await stack.must(["config", "set", "clientView", "false"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "registry-dr:ImageSync", "nginx-copy"));
  assert.match(preview.stdout, /library\/nginx:1\.1/);
  assert.match(preview.stdout, stepPattern("update", "dns:FailoverRecord", "dc-dns"));
  assert.match(preview.stdout, /active\s*:\s*"primary"\s*=>\s*"secondary"/);

  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.1"), pushed["1.1"].digest);
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
  for (const name of ["nginx-copy", "dc-dns"])
    assert.doesNotMatch(await stateProvider(name), /dist\/provider\/resources/, "state now names the new release's stable entry");
});

test("the password and the TSIG secret are in plain text neither in the upgraded state nor in anything the CLI printed", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [STANDBY.password, dns.key.secret], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [STANDBY.password, dns.key.secret], "the CLI's output");
});

test("destroy with the new package removes the record and the copies (retainOnDelete: false) and leaves no state", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual(await dns.dig(fqdn(), "A"), []);
  assert.equal(await standbyDigest("1.0"), undefined);
  assert.equal(await standbyDigest("1.1"), undefined);
  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: unknown[] } };
  assert.equal(state.deployment.resources?.length ?? 0, 0);
});
