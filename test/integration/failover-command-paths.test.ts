import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` refuses, before any registry or DNS server is asked, a flip clients
 * could not pull through: a standby holding the readiness images under other paths than the
 * primary's, and Artifact Registry. Against BIND with `dig` as the oracle: the record stays.
 */

let dns: DnsTestServer;
let primary: RegistryServer;
let standby: RegistryServer;
let dir: string;
const fqdn = () => `registry.${dns.zone}`;

before(async () => {
  [dns, primary, standby] = await Promise.all([
    startDnsServer("bind", { records: ["registry 60 IN CNAME harbor.dc.example.com."] }),
    startRegistry(),
    startRegistry(),
  ]);
  dir = makeTempDir("failover-paths-");
});
after(async () => {
  await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
  if (dir) await removeTempDir(dir);
});

function recordFile(name: string, secondary: string, readiness: string): string {
  const file = join(dir, name);
  writeFileSync(
    file,
    [
      "backend: rfc2136",
      `zone: ${dns.zone}`,
      "name: registry",
      "type: CNAME",
      `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
      "sites:",
      `  primary: { value: harbor.dc.example.com, registry: "${primary.host}" }`,
      `  secondary: ${secondary}`,
      readiness,
      "",
    ].join("\n"),
  );
  return file;
}

const run = (args: string[]) => runCli(args, { cwd: dir, env: { TSIG_SECRET: dns.key.secret } });

test("a standby holding library/app as dr/app is refused with exit 2, naming both paths; the record stays", async () => {
  const file = recordFile(
    "moved.yaml",
    `{ value: standby.dr.example.com, registry: "${standby.host}" }`,
    `readiness: { images: { "${primary.host}/library/app": "${standby.host}/dr/app" } }`,
  );
  const { code, stdout, stderr } = await run(["failover", "--record", file, "--to", "secondary"]);
  assert.equal(code, 2, `${stdout}${stderr}`);
  assert.match(
    stderr,
    /readiness\.images\[".*\/library\/app"\]: the secondary site \(127\.0\.0\.1:\d+\) holds library\/app as dr\/app: after a DNS flip to it, clients asking for library\/app would get 404 there/,
  );
  assert.match(stderr, /`registry-dr rewrite`/);
  assert.deepEqual(await dns.dig(fqdn(), "CNAME"), ["harbor.dc.example.com"]);
});

test("Artifact Registry as the standby is refused with exit 2; the record stays", async () => {
  const file = recordFile("artifact-registry.yaml", "{ value: us-docker.pkg.dev., registry: us-docker.pkg.dev }", "");
  const { code, stdout, stderr } = await run(["failover", "--record", file, "--to", "secondary"]);
  assert.equal(code, 2, `${stdout}${stderr}`);
  assert.match(stderr, /sites\.secondary\.registry: us-docker\.pkg\.dev is served by Google Artifact Registry, which cannot serve a custom name/);
  assert.deepEqual(await dns.dig(fqdn(), "CNAME"), ["harbor.dc.example.com"]);
});
