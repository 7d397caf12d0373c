import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync, runVerify, SyncEvent } from "../../provider";
import { useSeededRegistries } from "../support/seeded-registries";
import { manifestDigest } from "../support/skopeo";

/**
 * The engine against real registries: a cold copy of the whole fixture, checked with
 * skopeo as an independent oracle, then a no-op resync, then --force.
 */

const bed = useSeededRegistries();

const job = () => ({
  images: Object.fromEntries(bed.fixture.repos.map((repo) => [`${bed.source.host}/${repo.name}`, `${bed.destination.host}/mirror/${repo.name}`])),
});
const allTags = () => bed.fixture.repos.flatMap((repo) => repo.tags.map((tag) => ({ repo: repo.name, ...tag })));

test("a cold sync copies every tag with its digest preserved, uploading each unique blob once", async () => {
  const events: SyncEvent[] = [];
  const report = await runSync(job(), { proc: 5, onEvent: (event) => events.push(event) });
  const failed = report.results.filter((r) => r.status === "failed");
  assert.deepEqual(failed, []);
  assert.equal(report.counts.synced, allTags().length);
  for (const tag of allTags()) {
    assert.equal(await manifestDigest(`docker://${bed.destination.host}/mirror/${tag.repo}:${tag.tag}`), tag.digest, `${tag.repo}:${tag.tag}`);
  }
  assert.equal(report.stats.bytesUploaded, bed.fixture.uniqueBlobBytes, "bytes uploaded equal the unique missing blob bytes");
  assert.ok(
    events.some((e) => e.type === "blob" && e.outcome === "mounted"),
    "shared layers are mounted across repositories",
  );
  const uploads = bed.destination.requests().filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
  const uploadedDigests = uploads.map((r) => new URL(r.path, "http://x").searchParams.get("digest"));
  assert.equal(new Set(uploadedDigests).size, uploadedDigests.length, "no blob uploaded twice");
});

test("a no-op resync skips every tag with two manifest HEADs per tag", async () => {
  bed.source.clearRequests();
  bed.destination.clearRequests();
  const report = await runSync(job());
  assert.equal(report.counts.skipped, allTags().length);
  assert.equal(report.counts.synced + report.counts.failed, 0);
  const all = [...bed.source.requests(), ...bed.destination.requests()];
  // The source is asked once per run whether it has the referrers API (distribution 2.8: 404).
  assert.equal(all.filter((r) => r.path.includes("/referrers/")).length, 1, "one referrers API probe per run");
  const perTag = all.filter((r) => !r.path.includes("/tags/list") && r.path !== "/v2/" && !r.path.includes("/referrers/"));
  assert.ok(
    perTag.every((r) => r.method === "HEAD" && r.path.includes("/manifests/")),
    "only manifest HEADs besides pings, tag lists and the referrers probe",
  );
  assert.equal(perTag.length, 2 * allTags().length);
});

test("verify reports every destination tag present", async () => {
  const report = await runVerify(job());
  assert.equal(report.complete, true);
  assert.equal(report.rows.length, allTags().length);
  assert.ok(report.rows.every((row) => row.status === "present" && row.sourceDigest === row.destinationDigest));
});

test("--force re-pushes manifests but sends no blob bytes again", async () => {
  bed.destination.clearRequests();
  const some = bed.fixture.repos[0];
  const report = await runSync({ images: { [`${bed.source.host}/${some.name}`]: `${bed.destination.host}/mirror/${some.name}` } }, { force: true });
  assert.equal(report.counts.synced, some.tags.length);
  assert.equal(report.stats.bytesUploaded, 0);
  assert.ok(bed.destination.requests().some((r) => r.method === "PUT" && r.path.includes("/manifests/")));
});

test("a deleted destination tag is found missing, then restored by the next sync", async () => {
  const [tag] = allTags();
  const ref = `${bed.destination.url}/v2/mirror/${tag.repo}/manifests/${tag.digest}`;
  const response = await fetch(ref, { method: "DELETE" });
  assert.equal(response.status, 202);
  const report = await runVerify(job());
  assert.equal(report.complete, false);
  const missing = report.rows.filter((row) => row.status !== "present");
  assert.ok(missing.length >= 1 && missing.every((row) => row.status === "missing"));
  const resync = await runSync(job());
  assert.equal(resync.counts.failed, 0);
  assert.ok(resync.counts.synced >= 1);
  assert.equal((await runVerify(job())).complete, true);
});
