import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` on BIND with CNAME values written as zone files and DNS tools write
 * them: absolute names with the final dot, in mixed case. BIND answers in its own spelling (lower
 * case here, no final dot in `dig +short`'s reading): a switch that changed the record says so and
 * exits 0, and `status` knows which site the record points at.
 */

let dns: DnsTestServer;
let primary: RegistryServer;
let standby: RegistryServer;
let dir: string;
let recordFile: string;
const fqdn = () => `registry.${dns.zone}`;

before(async () => {
  [dns, primary, standby] = await Promise.all([
    startDnsServer("bind", { records: ["registry 60 IN CNAME harbor.dc.example.com."] }),
    startRegistry(),
    startRegistry(),
  ]);
  await pushSmallImage(primary, "library/app:1.0", undefined, "library/app:1.0");
  await runSync({ images: { [`${primary.host}/library/app`]: `${standby.host}/library/app` } });
  dir = makeTempDir("failover-names-");
  recordFile = join(dir, "dc-dns.yaml");
  writeFileSync(
    recordFile,
    [
      "backend: rfc2136",
      `zone: ${dns.zone}.`,
      "name: registry",
      "type: CNAME",
      "ttl: 60",
      `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
      "sites:",
      `  primary: { value: Harbor.DC.Example.com., registry: "${primary.host}" }`,
      `  secondary: { value: Standby.DR.Example.com., registry: "${standby.host}" }`,
      `readiness: { images: { "${primary.host}/library/app": "${standby.host}/library/app" } }`,
      "clients: false",
      "",
    ].join("\n"),
  );
});
after(async () => {
  await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
  if (dir) await removeTempDir(dir);
});

const run = (args: string[]) => runCli(args, { cwd: dir, env: { TSIG_SECRET: dns.key.secret } });

test("status knows the primary's value in BIND's spelling", async () => {
  const { code, stdout, stderr } = await run(["failover", "status", "--record", recordFile]);
  assert.equal(code, 0, `${stdout}${stderr}`);
  assert.match(stdout, /CNAME record "registry" in zone dr\.example\.com\.: harbor\.dc\.example\.com \(the primary site\)/);
});

test("a switch to a value with the final dot and mixed case flips the record, says so and exits 0; so does failback", async () => {
  const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
  assert.equal(over.code, 0, `${over.stdout}${over.stderr}`);
  assert.match(over.stdout, /switched CNAME record "registry" .*: harbor\.dc\.example\.com -> Standby\.DR\.Example\.com\. \(secondary\)/);
  assert.doesNotMatch(`${over.stdout}${over.stderr}`, /does not hold|reads back/);
  assert.deepEqual(await dns.dig(fqdn(), "CNAME"), ["standby.dr.example.com"]);

  const json = JSON.parse((await run(["failover", "status", "--record", recordFile, "--json"])).stdout);
  assert.equal(json.active, "secondary");
  const again = await run(["failover", "--record", recordFile, "--to", "secondary"]);
  assert.equal(again.code, 0, `${again.stdout}${again.stderr}`);
  assert.match(again.stdout, /already points at the secondary site/);

  const back = await run(["failover", "--record", recordFile, "--to", "primary"]);
  assert.equal(back.code, 0, `${back.stdout}${back.stderr}`);
  assert.match(back.stdout, /switched CNAME record "registry" .*: standby\.dr\.example\.com -> Harbor\.DC\.Example\.com\. \(primary\)/);
  assert.deepEqual(await dns.dig(fqdn(), "CNAME"), ["harbor.dc.example.com"]);
});
