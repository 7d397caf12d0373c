import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "node:test";
import { checkSiteReadiness, runSync, runVerify } from "../../provider";
import { useSeededRegistries } from "../support/seeded-registries";
import { skopeoCopy } from "../support/skopeo";

/**
 * Readiness means pullable. After a sync, one layer blob and one child manifest of a
 * multi-arch image are deleted at the destination with the registry's delete API: the
 * tags still resolve to the right digests, but a pull would fail. `verify` must say so
 * per image, `sync` stays cheap and calls the tags up to date, `sync --repair` re-copies
 * what is missing, and skopeo can then copy the images out.
 */

const bed = useSeededRegistries();
const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

const job = () => ({
  images: Object.fromEntries(bed.fixture.repos.map((repo) => [`${bed.source.host}/${repo.name}`, `${bed.destination.host}/mirror/${repo.name}`])),
});
const tagCount = () => bed.fixture.repos.reduce((sum, repo) => sum + repo.tags.length, 0);
/** Requests per tag: pings, tag listings and the referrers API probe (404 on distribution 2.8) are per run, not per tag. */
const perTagRequests = () =>
  [...bed.source.requests(), ...bed.destination.requests()].filter(
    (r) => r.path !== "/v2/" && !r.path.includes("/tags/list") && !r.path.includes("/referrers/"),
  );

function runCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-verify-"));
  const config = join(dir, "config.json");
  writeFileSync(config, JSON.stringify(job()));
  return new Promise((done) =>
    execFile(process.execPath, [BIN, ...args, "--config", config], { cwd: dir, env: { ...process.env, CI: "true" } }, (error, stdout, stderr) =>
      done({ code: error ? Number(error.code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

async function deleteAtDestination(path: string): Promise<void> {
  const response = await fetch(`${bed.destination.url}/v2/${path}`, { method: "DELETE" });
  assert.equal(response.status, 202, `DELETE ${path}`);
}

function imageOf(ref: string) {
  const image = bed.fixture.images.find((built) => built.ref === ref);
  assert.ok(image, ref);
  return image;
}

test("deep verify of a complete copy: every tag present, each distinct blob and child manifest asked about once", async (t) => {
  const synced = await runSync(job());
  assert.equal(synced.counts.failed, 0);

  bed.source.clearRequests();
  bed.destination.clearRequests();
  const shallow = await runVerify(job(), { shallow: true });
  assert.equal(shallow.complete, true);
  const shallowRequests = perTagRequests().length;
  assert.equal(shallowRequests, 2 * tagCount(), "shallow: a HEAD at each end per tag");

  bed.source.clearRequests();
  bed.destination.clearRequests();
  const deep = await runVerify(job());
  assert.equal(deep.complete, true, JSON.stringify(deep.rows.filter((row) => row.status !== "present")));
  assert.ok(deep.rows.every((row) => row.status === "present" && row.destinationDigest === row.sourceDigest));
  // Per repository, each distinct blob gets one HEAD and each child manifest one GET, whatever the number of tags sharing them.
  const distinct = new Map<string, Set<string>>();
  for (const image of bed.fixture.images) {
    const repo = image.ref.split(":")[0];
    const seen = distinct.get(repo) ?? new Set<string>();
    for (const blob of image.blobs) seen.add(blob.digest);
    for (const child of image.children ?? []) seen.add(child.digest);
    distinct.set(repo, seen);
  }
  const expected = 2 * tagCount() + [...distinct.values()].reduce((sum, set) => sum + set.size, 0);
  const deepRequests = perTagRequests();
  assert.equal(
    deepRequests.length,
    expected,
    "deep: a HEAD at the source and a GET at the destination per tag, plus one request per distinct blob and child manifest",
  );
  assert.ok(
    bed.source.requests().every((r) => r.method === "HEAD" || r.path === "/v2/" || r.path.includes("/tags/list") || r.path.includes("/referrers/")),
    "the source is only asked for digests (and once whether it has the referrers API)",
  );
  const fewTags = tagCount() - bed.fixture.repos.find((repo) => repo.name === "many/tags")!.tags.length;
  const fewTagRequests = deepRequests.filter((r) => !r.path.startsWith("/v2/many/") && !r.path.startsWith("/v2/mirror/many/")).length;
  t.diagnostic(`deep, without many/tags (${fewTags} tags, no sharing across tags): ${fewTagRequests} (${(fewTagRequests / fewTags).toFixed(2)}/tag)`);
  t.diagnostic(
    `request cost on the standard fixture (${tagCount()} tags): shallow ${shallowRequests} (${(shallowRequests / tagCount()).toFixed(2)}/tag), deep ${deepRequests.length} (${(deepRequests.length / tagCount()).toFixed(2)}/tag)`,
  );
});

test("a deleted layer blob and a deleted child manifest make those images incomplete; sync without --repair calls them up to date; --repair re-copies them", async () => {
  const web = imageOf("apps/web:1.0");
  const appLayer = (JSON.parse(web.manifest.toString("utf8")) as { layers: { digest: string }[] }).layers.at(-1)!.digest;
  const otherWebLayers = bed.fixture.images
    .filter((image) => image.ref.startsWith("apps/web:") && image !== web)
    .flatMap((image) => image.blobs.map((blob) => blob.digest));
  assert.ok(!otherWebLayers.includes(appLayer), "the app layer is apps/web:1.0's own");
  const index = imageOf("multi/oci-index:1.0");
  const arm64 = index.children!.find((child) => child.platform.architecture === "arm64")!;

  await deleteAtDestination(`mirror/apps/web/blobs/${appLayer}`);
  await deleteAtDestination(`mirror/multi/oci-index/manifests/${arm64.digest}`);
  const scratch = mkdtempSync(join(tmpdir(), "registry-dr-pull-"));
  await assert.rejects(
    skopeoCopy(`docker://${bed.destination.host}/mirror/multi/oci-index:1.0`, `dir:${join(scratch, "before")}`, { all: true }),
    "the deletion does break a pull",
  );

  const report = await runVerify(job());
  assert.equal(report.complete, false);
  const broken = report.rows.filter((row) => row.status !== "present");
  assert.deepEqual(
    broken.map((row) => [row.destination, row.status, row.missing]),
    [
      [`${bed.destination.host}/mirror/apps/web:1.0`, "incomplete", [`${appLayer} (layer)`]],
      [`${bed.destination.host}/mirror/multi/oci-index:1.0`, "incomplete", [`linux/arm64 manifest ${arm64.digest}`]],
    ],
  );
  assert.equal((await runVerify(job(), { shallow: true })).complete, true, "a shallow verify cannot see it");
  const site = await checkSiteReadiness(bed.destination.host, true, job());
  assert.deepEqual(
    site.rows.filter((row) => row.status !== "present").map((row) => row.status),
    ["incomplete", "incomplete"],
    "the failover preflight checks deeply by default",
  );

  const cli = await runCli(["verify"]);
  assert.equal(cli.code, 1, cli.stderr);
  assert.match(cli.stdout, new RegExp(`incomplete .*mirror/apps/web:1\\.0 +missing ${appLayer} \\(layer\\)`));
  assert.match(cli.stdout, new RegExp(`incomplete .*mirror/multi/oci-index:1\\.0 +missing linux/arm64 manifest ${arm64.digest}`));
  assert.match(cli.stdout, /INCOMPLETE: \d+ present, 2 incomplete, 0 missing, 0 differ, 0 could not be checked/);
  assert.equal((await runCli(["verify", "--shallow"])).code, 0, "--shallow keeps the cheap check for cron runs");

  bed.source.clearRequests();
  bed.destination.clearRequests();
  const plain = await runSync(job());
  assert.deepEqual(plain.counts, { synced: 0, skipped: tagCount(), failed: 0 }, "without --repair an existing tag with the right digest is up to date");
  assert.equal(perTagRequests().length, 2 * tagCount(), "and the no-op resync stays at two HEADs per tag");

  const repair = await runCli(["sync", "--repair"]);
  assert.equal(repair.code, 0, repair.stderr);
  assert.match(repair.stderr, new RegExp(`2 synced, ${tagCount() - 2} up to date, 0 failed`));
  assert.equal((await runVerify(job())).complete, true);
  await skopeoCopy(`docker://${bed.destination.host}/mirror/multi/oci-index:1.0`, `dir:${join(scratch, "index")}`, { all: true });
  await skopeoCopy(`docker://${bed.destination.host}/mirror/apps/web:1.0`, `dir:${join(scratch, "web")}`, { all: true });
});
