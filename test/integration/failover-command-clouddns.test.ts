import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { pushSmallImage } from "../support/fixtures";
import { GoogleStandIn, StandInServiceAccount, startGoogleStandIn } from "../support/google";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` on a Cloud DNS record, keyed the way Google's own tools are: the key
 * file GOOGLE_APPLICATION_CREDENTIALS names, when the record gives no key. Against the Google
 * stand-in (every token's JWT verified, changes applied as Cloud DNS does) and two real registries.
 */

const PROJECT = "dr-project";
const ZONE = "dr-zone";
const FQDN = "registry.dr.example.com.";

let google: GoogleStandIn;
let account: StandInServiceAccount;
let primary: RegistryServer;
let standby: RegistryServer;
let dir: string;
let recordFile: string;
let keyFile: string;

before(async () => {
  [google, primary, standby] = await Promise.all([startGoogleStandIn(), startRegistry(), startRegistry()]);
  account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", PROJECT);
  google.dns.addZone(PROJECT, ZONE, "dr.example.com.");
  google.dns.setRecord(PROJECT, ZONE, { name: FQDN, type: "CNAME", ttl: 60, rrdatas: ["harbor.dc.example.com."] });
  await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
  await runSync({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` } });
  dir = makeTempDir("failover-clouddns-");
  keyFile = join(dir, "dr-dns-key.json");
  writeFileSync(keyFile, account.keyJson);
  recordFile = join(dir, "cloud-dns.yaml");
  writeFileSync(
    recordFile,
    [
      "backend: clouddns",
      `zone: ${ZONE}`,
      "name: registry",
      "type: CNAME",
      `google: { project: ${PROJECT}, endpoint: "${google.dnsEndpoint}" }`,
      "sites:",
      `  primary: { value: harbor.dc.example.com, registry: "${primary.host}" }`,
      `  secondary: { value: registry-lb.gcp.example.com, registry: "${standby.host}" }`,
      `readiness: { images: { "${primary.host}/dr/app": "${standby.host}/dr/app" } }`,
      "clients: false",
      "",
    ].join("\n"),
  );
});

after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([google?.stop(), primary?.stop(), standby?.stop()]);
  if (dir) await removeTempDir(dir);
});

const run = (args: string[], env: Record<string, string | undefined>) => runCli(args, { cwd: dir, env });

test("without a key in the record or GOOGLE_APPLICATION_CREDENTIALS, the command says where a key may come from and changes nothing", async () => {
  const none = await run(["failover", "--record", recordFile, "--to", "secondary"], { GOOGLE_APPLICATION_CREDENTIALS: undefined });
  assert.equal(none.code, 2, none.stderr);
  assert.match(
    none.stderr,
    /cloud-dns\.yaml: google\.serviceAccountKey: no Google service-account key: give google\.serviceAccountKey .* or set GOOGLE_APPLICATION_CREDENTIALS/,
  );
  const unreadable = await run(["failover", "--record", recordFile, "--to", "secondary"], { GOOGLE_APPLICATION_CREDENTIALS: join(dir, "missing.json") });
  assert.equal(unreadable.code, 2, unreadable.stderr);
  assert.match(unreadable.stderr, /GOOGLE_APPLICATION_CREDENTIALS names ".*missing\.json", which cannot be read \(ENOENT\)/);
  assert.deepEqual(google.dns.record(PROJECT, ZONE, FQDN, "CNAME")?.rrdatas, ["harbor.dc.example.com."]);
});

test("with GOOGLE_APPLICATION_CREDENTIALS the switch flips the Cloud DNS record in one change and never prints the key", async () => {
  const changes = () => google.requests().filter((request) => request.method === "POST" && request.path.endsWith("/changes")).length;
  const changesBefore = changes();
  const over = await run(["failover", "--record", recordFile, "--to", "secondary"], { GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  assert.equal(over.code, 0, over.stderr);
  assert.equal(changes(), changesBefore + 1, "one change");
  assert.match(over.stdout, /switched CNAME record .*harbor\.dc\.example\.com -> registry-lb\.gcp\.example\.com \(secondary\)/);
  assert.deepEqual(google.dns.record(PROJECT, ZONE, FQDN, "CNAME")?.rrdatas, ["registry-lb.gcp.example.com."]);
  const status = await run(["failover", "status", "--record", recordFile, "--json"], { GOOGLE_APPLICATION_CREDENTIALS: keyFile });
  assert.equal(status.code, 0, status.stderr);
  assert.equal(JSON.parse(status.stdout).active, "secondary");
  const privateKey = JSON.parse(account.keyJson).private_key as string;
  for (const output of [over, status]) {
    const printed = `${output.stdout}${output.stderr}`;
    assert.ok(!printed.includes("PRIVATE KEY") && !printed.includes(privateKey.split("\n")[1]), "the key is never printed");
  }
});
