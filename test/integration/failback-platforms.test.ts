import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runSync } from "../../provider";
import { imageSyncProvider } from "../../provider/resources/image-sync";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushImage } from "../support/fixtures";
import { IndexArtifact, Platform, buildImage, buildIndex } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest, rawManifest } from "../support/skopeo";
import { runCli } from "../support/cli-process";

/**
 * A standby kept with a platform filter (`--os/--arch`, ImageSync's os/arch) never holds the
 * primary's digest: it holds an index of the kept platforms. Both preflights, and the reverse
 * sync, know that copy as the primary's image; an image pushed under the same tag on the
 * standby while it served stays a conflict. BIND with `dig` as the oracle for the record.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";
const PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
];

/** A two-platform OCI index; `build` makes another image of the same platforms. */
function multiPlatformImage(build: string): IndexArtifact {
  return buildIndex({
    format: "oci",
    images: PLATFORMS.map((platform) =>
      buildImage({ format: "oci", platform, layers: [{ seed: `failback-platforms/${build}/${platform.architecture}`, size: 4096 }] }),
    ),
  });
}

describe("failback of a standby copied with a platform filter", () => {
  let dns: DnsTestServer;
  let primary: RegistryServer;
  let standby: RegistryServer;
  let dir: string;
  let recordFile: string;
  let configFile: string;
  const original = multiPlatformImage("1");
  const fqdn = () => `registry.${dns.zone}`;

  before(async () => {
    [dns, primary, standby] = await Promise.all([startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`] }), startRegistry(), startRegistry()]);
    await pushImage(primary, "dr/app:1.0", original);
    dir = makeTempDir("failback-platforms-");
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
        `readiness: { images: { "${primary.host}/dr/app:1.0": "${standby.host}/dr/app" }, arch: [arm64] }`,
        "clients: false # the registries serve plain HTTP on ports of their own, not the name on 443",
        "",
      ].join("\n"),
    );
    const images = { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` };
    writeFileSync(configFile, JSON.stringify({ images }));
    const synced = await runSync({ images }, { platforms: { os: [], arch: ["arm64"] } });
    assert.equal(synced.counts.failed, 0);
  });
  after(async () => {
    await Promise.all([dns?.stop(), primary?.stop(), standby?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  const run = (args: string[]) => runCli(args, { cwd: dir, env: { TSIG_SECRET: dns.key.secret } });

  test("the filtered copy is the primary's image: both flips pass, and sync --reverse copies nothing", async () => {
    const copied = await manifestDigest(`docker://${standby.host}/dr/app:1.0`);
    assert.notEqual(copied, original.digest, "the standby holds an index of the kept platform, not the primary's");
    const kept = JSON.parse((await rawManifest(`docker://${standby.host}/dr/app:1.0`)).toString());
    assert.deepEqual(
      kept.manifests.map((entry: { platform: Platform }) => entry.platform.architecture),
      ["arm64"],
    );

    const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
    assert.equal(over.code, 0, over.stderr);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);

    const verified = await run(["verify", "--reverse", "--arch", "arm64", "--config", configFile]);
    assert.equal(verified.code, 0, verified.stdout + verified.stderr);
    const reverse = await run(["sync", "--reverse", "--arch", "arm64", "--config", configFile]);
    assert.equal(reverse.code, 0, reverse.stderr);
    assert.doesNotMatch(reverse.stderr, /conflict/);
    assert.equal(await manifestDigest(`docker://${primary.host}/dr/app:1.0`), original.digest, "the primary keeps its whole index");

    const back = await run(["failover", "--record", recordFile, "--to", "primary"]);
    assert.equal(back.code, 0, back.stderr);
    assert.match(back.stdout, /preflight primary site .*: ready \(1 image\(s\) present\)/);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
  });

  test("ImageSync's refresh compares as its copy made them: forward and reverse, with the same arch", async () => {
    const images = { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` };
    for (const reverse of [false, true]) {
      const { props } = await imageSyncProvider.read!("imagesync-refresh", { images, arch: ["arm64"], reverse, summary: undefined });
      const statuses = (props.summary.images as { destination: string; status: string }[]).map((image) => `${image.destination} ${image.status}`);
      const primaryAt = reverse ? `${primary.host}/dr/app:1.0` : `${standby.host}/dr/app:1.0`;
      assert.deepEqual(statuses, [`${primaryAt} present`], `reverse: ${reverse}`);
    }
  });

  test("another image pushed under the tag on the standby is a conflict: the failback is refused and sync --reverse keeps both", async () => {
    const over = await run(["failover", "--record", recordFile, "--to", "secondary"]);
    assert.equal(over.code, 0, over.stderr);
    // CI pushes a new build of both platforms through the name during the outage.
    const rebuilt = await pushImage(standby, "dr/app:1.0", multiPlatformImage("2"));

    const refused = await run(["failover", "--record", recordFile, "--to", "primary"]);
    assert.equal(refused.code, 1, refused.stderr);
    assert.match(
      refused.stderr,
      new RegExp(`${primary.host.replace(/\./g, "\\.")}/dr/app:1\\.0 is ${original.digest} at the primary but ${rebuilt.digest} at .*: a conflict`),
    );
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP], "the record stays on the secondary");

    const reverse = await run(["sync", "--reverse", "--arch", "arm64", "--config", configFile]);
    assert.equal(reverse.code, 1, reverse.stderr);
    assert.match(reverse.stderr, /1 conflicting tag\(s\) kept on both sides/);
    assert.equal(await manifestDigest(`docker://${primary.host}/dr/app:1.0`), original.digest, "the primary's tag is not overwritten");
    assert.equal(await manifestDigest(`docker://${standby.host}/dr/app:1.0`), rebuilt.digest, "the standby's tag is kept");
  });
});
