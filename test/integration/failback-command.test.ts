import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runSync } from "../../provider";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";
import { runCli } from "../support/cli-process";

/**
 * A failback that loses nothing, as an operator runs it: while the secondary serves, CI pushes
 * through the name, so the secondary gets a tag the primary lacks. `registry-dr failover --to
 * primary` refuses to flip until that tag is on the primary, naming it; `registry-dr sync
 * --reverse` copies it back; a tag both hold as different images is a conflict, kept on both
 * sides, until settled or forced. BIND with `dig` as the oracle for the record, skopeo for
 * what the registries hold.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

describe("failback: registry-dr failover --to primary and sync --reverse", () => {
  let dns: DnsTestServer;
  let primary: RegistryServer;
  let standby: RegistryServer;
  let dir: string;
  let recordFile: string;
  let configFile: string;
  const fqdn = () => `registry.${dns.zone}`;
  const digestAt = (registry: RegistryServer, reference: string) => manifestDigest(`docker://${registry.host}/${reference}`);

  before(async () => {
    [dns, primary, standby] = await Promise.all([startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`] }), startRegistry(), startRegistry()]);
    await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
    dir = makeTempDir("failback-command-");
    recordFile = join(dir, "dc-dns.yaml");
    configFile = join(dir, "dr-sync.json");
    writeFileSync(
      recordFile,
      [
        "backend: rfc2136",
        `zone: ${dns.zone}`,
        "name: registry",
        "type: A",
        "ttl: 60",
        `rfc2136: { server: "${dns.address}", tsig: { name: ${dns.key.name}, algorithm: ${dns.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
        "sites:",
        `  primary: { value: ${PRIMARY_IP}, registry: "${primary.host}" }`,
        `  secondary: { value: ${STANDBY_IP}, registry: "${standby.host}" }`,
        `readiness: { images: { "${primary.host}/dr/app:1.0": "${standby.host}/dr/app" } }`,
        "clients: false",
        "",
      ].join("\n"),
    );
    // The sync job that keeps the standby: the same mapping, run backwards by --reverse.
    writeFileSync(configFile, JSON.stringify({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` } }));
    const synced = await runSync({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` } });
    assert.equal(synced.counts.failed, 0);
  });
  after(async () => {
    await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  const run = (args: string[]) => runCli(args, { cwd: dir, env: { TSIG_SECRET: dns.key.secret } });

  test("a tag pushed to the secondary while it served refuses the failback, named, until sync --reverse copies it back", async () => {
    const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
    assert.equal(over.code, 0, over.stderr);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);

    // CI pushes through the name during the outage: it lands on the standby only.
    const pushed = await pushSmallImage(standby, "dr/app:2.0-hotfix", undefined, "hotfix");

    const status = await run(["failover", "status", "--record", recordFile]);
    assert.match(status.stdout, /primary .*: NOT ready/);
    assert.match(status.stdout, /dr\/app:2\.0-hotfix/);

    const refused = await run(["failover", "--record", recordFile, "--to", "primary"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(refused.stderr, /preflight of the primary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/);
    assert.match(
      refused.stderr,
      new RegExp(
        `${standby.host.replace(/\./g, "\\.")}/dr/app:2\\.0-hotfix \\(${pushed.digest}\\) is on the secondary site but not at ${primary.host.replace(/\./g, "\\.")}/dr/app:2\\.0-hotfix`,
      ),
    );
    assert.match(refused.stderr, /registry-dr sync --reverse/);
    assert.doesNotMatch(refused.stderr, /dr\/app:1\.0 /, "a tag the primary holds is no problem");
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP], "the record stays on the secondary");
    assert.deepEqual(await listTags(`docker://${primary.host}/dr/app`), ["1.0"], "the refusal copied nothing");

    const lacking = await run(["verify", "--reverse", "--shallow", "--config", configFile]);
    assert.equal(lacking.code, 1, lacking.stderr);
    assert.match(lacking.stdout, /missing\s+\S+\/dr\/app:2\.0-hotfix\s+\S+\/dr\/app:2\.0-hotfix/);
    assert.match(lacking.stdout, /INCOMPLETE \(tag digests only\): 1 present, 0 incomplete, 1 missing/);

    const reverse = await run(["sync", "--reverse", "--config", configFile]);
    assert.equal(reverse.code, 0, reverse.stderr);
    assert.equal(await digestAt(primary, "dr/app:2.0-hotfix"), pushed.digest, "the primary holds the hotfix, byte for byte");

    const back = await run(["failover", "--record", recordFile, "--to", "primary"]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /preflight primary site .*: ready \(2 image\(s\) present\)/);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  });

  test("a tag both sides hold as different images is a conflict: listed, kept on both, exit 1, and it blocks the failback unless forced", async () => {
    const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
    assert.equal(over.code, 0, over.stderr);
    const onStandby = await pushSmallImage(standby, "dr/app:3.0", undefined, "standby-3.0");
    const onPrimary = await pushSmallImage(primary, "dr/app:3.0", undefined, "primary-3.0");
    assert.notEqual(onStandby.digest, onPrimary.digest);

    const reverse = await run(["sync", "--reverse", "--config", configFile]);
    assert.equal(reverse.code, 1, reverse.stderr);
    assert.match(reverse.stderr, /conflict: .*\/dr\/app:3\.0 is sha256:[0-9a-f]{64}, .*\/dr\/app:3\.0 is sha256:[0-9a-f]{64}; both kept, nothing overwritten/);
    assert.match(reverse.stderr, /1 conflicting tag\(s\) kept on both sides/);
    assert.equal(await digestAt(primary, "dr/app:3.0"), onPrimary.digest, "the primary's tag is not overwritten");
    assert.equal(await digestAt(standby, "dr/app:3.0"), onStandby.digest, "the standby's tag is kept");

    const refused = await run(["failover", "--record", recordFile, "--to", "primary"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`${primary.host.replace(/\./g, "\\.")}/dr/app:3\\.0 is ${onPrimary.digest} at the primary but ${onStandby.digest} at .*: a conflict`),
    );
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);

    const forced = await run(["failover", "--record", recordFile, "--to", "primary", "--force", "--json"]);
    assert.equal(forced.code, 0, forced.stderr);
    const result = JSON.parse(forced.stdout);
    assert.equal(result.preflight.forced, true);
    assert.deepEqual(result.preflight.failback.conflicts, [`${primary.host}/dr/app:3.0`]);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  });

  test("--reverse takes no --force, and a mapping that cannot run backwards is refused by name, changing nothing", async () => {
    const forced = await run(["sync", "--reverse", "--force", "--config", configFile]);
    assert.equal(forced.code, 2, forced.stderr);
    assert.match(forced.stderr, /--force cannot go with --reverse/);
    const merged = join(dir, "merged.json");
    writeFileSync(
      merged,
      JSON.stringify({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/all`, [`${primary.host}/dr/web`]: `${standby.host}/dr/all` } }),
    );
    const refused = await run(["sync", "--reverse", "--config", merged]);
    assert.equal(refused.code, 2, refused.stderr);
    assert.match(refused.stderr, /images\[".*\/dr\/web"\]: copies .*\/dr\/all back into .*\/dr\/web, as images\[".*\/dr\/app"\] does/);
  });
});
