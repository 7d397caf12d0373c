import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { makeTempDir, removeTempDir } from "../support/processes";
import { FailoverSites, startFailoverSites } from "../support/tls-sites";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` with `clients`: the preflight pulls through the failover name (the
 * record's own name in its zone, by default) from the site's address, as clients will once
 * BIND hands that address out. A standby that moved the repositories is refused and the
 * record stays; a path-preserving one is switched to, and a client then pulls through it.
 */

const USERS = { ci: "ci-pass-5d2e8b" };

describe("registry-dr failover with clients", () => {
  let dns: DnsTestServer;
  let sites: FailoverSites;
  let dir: string;
  const fqdn = () => `registry.${dns.zone}`;

  before(async () => {
    dir = makeTempDir("failover-clients-");
    dns = await startDnsServer("bind", { records: ["registry 60 IN A 127.0.0.2"] });
    sites = await startFailoverSites(dir, fqdn(), USERS);
  });
  after(async () => {
    await Promise.all([dns?.stop(), sites?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  function recordFile(standby: "good" | "renamed"): string {
    const file = join(dir, `${standby}.yaml`);
    const path = standby === "renamed" ? "dr/app" : "library/app";
    const target = sites[standby].host;
    writeFileSync(
      file,
      [
        "backend: rfc2136",
        `zone: ${dns.zone}`,
        "name: registry",
        "type: A",
        `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
        "sites:",
        `  primary: { value: ${sites.addresses.primary}, registry: "${sites.primary.host}" }`,
        `  secondary: { value: ${sites.addresses[standby]}, registry: "${target}" }`,
        "readiness:",
        `  auth: { "${sites.primary.host}": { username: ci, password: "\${CI_PASSWORD}" }, "${target}": { username: ci, password: "\${CI_PASSWORD}" } }`,
        `  images: { "${sites.primary.host}/library/app:1.0": "${target}/${path}:1.0" }`,
        `clients: { port: ${sites.port}, caFile: "${sites.ca.certPath}", credential: { username: ci, password: "\${CI_PASSWORD}" } }`,
        "",
      ].join("\n"),
    );
    return file;
  }

  const run = (args: string[]) => runCli(args, { cwd: dir, env: { TSIG_SECRET: dns.key.secret, CI_PASSWORD: USERS.ci } });

  test("a standby that holds the images under other paths is refused before anything is asked, and the record stays", async () => {
    const refused = await run(["failover", "--record", recordFile("renamed"), "--to", "secondary"]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /holds library\/app as dr\/app: after a DNS flip to it, clients asking for library\/app would get 404/);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.primary]);
    const status = await run(["failover", "status", "--record", recordFile("renamed"), "--json"]);
    assert.equal(status.code, 2, status.stderr);
    for (const output of [refused, status]) assert.ok(!`${output.stdout}${output.stderr}`.includes(USERS.ci), "the clients' password is never printed");
  });

  test("a path-preserving standby with a certificate for the name is switched to", async () => {
    const over = await run(["failover", "--record", recordFile("good"), "--to", "secondary"]);
    assert.equal(over.code, 0, over.stderr);
    assert.match(over.stdout, /preflight secondary site .*: ready \(1 image\(s\) present\)/);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.good]);
    const back = await run(["failover", "--record", recordFile("good"), "--to", "primary"]);
    assert.equal(back.code, 0, back.stderr);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.primary]);
    assert.ok(!`${over.stdout}${over.stderr}${back.stdout}${back.stderr}`.includes(USERS.ci));
  });
});
