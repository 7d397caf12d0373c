import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runSync } from "../../provider";
import { DnsServerKind, DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * The break-glass command, `registry-dr failover`, as an operator runs it while Pulumi is out
 * of reach: against real DNS servers (BIND 9, Knot) with `dig` as the oracle, and two real
 * registries as the sites.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

for (const kind of ["bind", "knot"] as DnsServerKind[]) {
  describe(`registry-dr failover on ${kind}`, () => {
    let dns: DnsTestServer;
    let primary: RegistryServer;
    let standby: RegistryServer;
    let dir: string;
    let recordFile: string;
    const fqdn = () => `registry.${dns.zone}`;

    before(async () => {
      [dns, primary, standby] = await Promise.all([startDnsServer(kind, { records: [`registry 60 IN A ${PRIMARY_IP}`] }), startRegistry(), startRegistry()]);
      await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
      dir = makeTempDir("failover-command-");
      recordFile = join(dir, "dc-dns.yaml");
      writeFileSync(
        recordFile,
        [
          "# The data-center record, as the stack declares it",
          "backend: rfc2136",
          `zone: ${dns.zone}`,
          "name: registry",
          "type: A",
          "ttl: 60",
          `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
          "sites:",
          `  primary: { value: ${PRIMARY_IP}, registry: "${primary.host}" }`,
          `  secondary: { value: ${STANDBY_IP}, registry: "${standby.host}" }`,
          `readiness: { images: { "${primary.host}/dr/app": "${standby.host}/dr/app" } }`,
          "clients: false",
          "",
        ].join("\n"),
      );
    });
    after(async () => {
      await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
      if (dir) await removeTempDir(dir);
    });

    const run = (args: string[], env: Record<string, string> = { TSIG_SECRET: dns.key.secret }) => runCli(args, { cwd: dir, env });

    test("status shows where the record points and what each site lacks", async () => {
      const { code, stdout, stderr } = await run(["failover", "status", "--record", recordFile]);
      assert.equal(code, 0, stderr);
      assert.match(stdout, new RegExp(`A record "registry" in zone dr\\.example\\.com: ${PRIMARY_IP.replace(/\./g, "\\.")} \\(the primary site\\)`));
      assert.match(stdout, /primary .*: ready/);
      assert.match(stdout, /secondary .*: NOT ready \(0 present, 1 missing/);
      // The record says clients: false: each site's report says the client view was not checked.
      assert.equal(stdout.match(/^ +client view not checked \(clients: false\)/gm)?.length, 2, stdout);
      const json = JSON.parse((await run(["failover", "status", "--record", recordFile, "--json"])).stdout);
      assert.equal(json.active, "primary");
      assert.deepEqual(
        json.sites.map((site: { problems: string[] }) => site.problems.length),
        [0, 1],
      );
    });

    test("a switch to a standby that lacks images is refused, and the record stays", async () => {
      const { code, stderr } = await run(["failover", "--record", recordFile, "--to", "secondary"]);
      assert.equal(code, 1);
      assert.match(stderr, /preflight of the secondary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/);
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
    });

    test("once the standby holds the images, the switch flips the record and reads it back; failback too", async () => {
      const synced = await runSync({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` } });
      assert.equal(synced.counts.failed, 0);
      const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
      assert.equal(over.code, 0, over.stderr);
      assert.match(
        over.stdout,
        new RegExp(
          `switched A record "registry" in zone dr\\.example\\.com: ${PRIMARY_IP.replace(/\./g, "\\.")} -> ${STANDBY_IP.replace(/\./g, "\\.")} \\(secondary\\)`,
        ),
      );
      assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
      assert.match(over.stdout, /^preflight client view not checked \(clients: false\)/m);
      const again = await run(["failover", "--record", recordFile, "--to", "secondary", "--json"]);
      assert.equal(again.code, 0, again.stderr);
      assert.equal(JSON.parse(again.stdout).switched, false);
      assert.equal(over.stdout.match(/switched/g)?.length, 1, "one line says the record switched");
      const back = await run(["failover", "--record", recordFile, "--to", "primary", "--json"]);
      assert.equal(back.code, 0, back.stderr);
      assert.deepEqual(
        { ...JSON.parse(back.stdout), preflight: undefined },
        { record: `A record "registry" in zone ${dns.zone}`, site: "primary", from: STANDBY_IP, to: PRIMARY_IP, switched: true, preflight: undefined },
      );
      assert.match(back.stderr, /switched A record/, "with --json the progress lines go to stderr");
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
      for (const output of [over, again, back]) assert.ok(!`${output.stdout}${output.stderr}`.includes(dns.key.secret), "the TSIG secret is never printed");
    });

    test("bad input exits 2 naming what is wrong, and changes nothing", async () => {
      const unset = await run(["failover", "--record", recordFile, "--to", "secondary"], { TSIG_SECRET: "" });
      assert.equal(unset.code, 2, unset.stderr);
      assert.match(unset.stderr, /dc-dns\.yaml: rfc2136\.tsig\.secret: is read from the environment variable TSIG_SECRET, which is empty/);
      const noSite = await run(["failover", "--record", recordFile, "--to", "tertiary"]);
      assert.equal(noSite.code, 2, noSite.stderr);
      assert.match(noSite.stderr, /--to: expected primary or secondary, got "tertiary"/);
      const wrongKey = await run(["failover", "--record", recordFile, "--to", "secondary", "--force"], { TSIG_SECRET: Buffer.alloc(32, 4).toString("base64") });
      assert.equal(wrongKey.code, 1, wrongKey.stderr);
      assert.match(wrongKey.stderr, /NOTAUTH \(BADSIG\): the server does not accept key "dr-key" with this secret/);
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
    });
  });
}
