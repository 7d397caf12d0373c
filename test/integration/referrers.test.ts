import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync, runVerify } from "../../provider";
import { pushSmallImage } from "../support/fixtures";
import { BuiltArtifact, cosignSignature, descriptorOf, fallbackTag, getJson, pushArtifact, putFallbackIndex, referrer } from "../support/referrer-artifacts";
import { ReferrersFront, startReferrersFront } from "../support/referrers-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * Signatures and referrers travel with the images they name: cosign's tags, OCI 1.1
 * referrers found through the referrers API or the fallback tag schema, recursively, with
 * digests unchanged, indexed at the destination the way it supports.
 */

let source: RegistryServer;
let destination: RegistryServer;
let subject: { digest: string; mediaType: string; size: number };
let signature: BuiltArtifact;
let sbom: BuiltArtifact;
let sbomSignature: BuiltArtifact;
let foreign: BuiltArtifact;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await pushSmallImage(source, "team/app:1.0", undefined, "one");
  await pushSmallImage(source, "team/app:2.0", undefined, "two");
  subject = await descriptorOf(source.url, "team/app", "1.0");
  const other = await descriptorOf(source.url, "team/app", "2.0");
  signature = cosignSignature(subject.digest);
  await pushArtifact(source.url, "team/app", signature, `${fallbackTag(subject.digest)}.sig`);
  // As oras does against a registry without the API: push the referrer, then the fallback index.
  sbom = referrer(subject, "application/spdx+json", '{"spdxVersion":"SPDX-2.3"}');
  sbomSignature = referrer(sbom.descriptor, "application/vnd.dev.cosign.artifact.sig.v1+json", "signature of the SBOM");
  foreign = referrer(other, "application/spdx+json", '{"spdxVersion":"SPDX-2.3","of":"2.0"}');
  for (const artifact of [sbom, sbomSignature, foreign]) await pushArtifact(source.url, "team/app", artifact);
  // The index of 1.0 also lists an artifact naming 2.0: it must not be copied as 1.0's.
  await putFallbackIndex(source.url, "team/app", subject.digest, [sbom.descriptor, foreign.descriptor]);
  await putFallbackIndex(source.url, "team/app", sbom.digest, [sbomSignature.descriptor]);
});

after(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

test("one tag selected: its cosign signature, its SBOM and the SBOM's signature come along, digests unchanged, the fallback index merged", async () => {
  // Someone else's referrer is already listed at the destination: it must stay.
  const theirs = referrer(subject, "application/vnd.example.scan+json", "their scan");
  await pushSmallImage(destination, "dr/app:1.0", undefined, "one");
  await pushArtifact(destination.url, "dr/app", theirs);
  await putFallbackIndex(destination.url, "dr/app", subject.digest, [theirs.descriptor]);

  const images = { [`${source.host}/team/app:1.0`]: `${destination.host}/dr/app` };
  const report = await runSync({ images });
  assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
  assert.equal(report.counts.synced, 1, "the image was there, its signatures were not: the run copied something");

  const sigTag = `${fallbackTag(subject.digest)}.sig`;
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:${sigTag}`), signature.digest);
  for (const artifact of [sbom, sbomSignature]) assert.equal(await manifestDigest(`docker://${destination.host}/dr/app@${artifact.digest}`), artifact.digest);
  const missingForeign = await getJson(`${destination.url}/v2/dr/app/manifests/${foreign.digest}`);
  assert.equal(missingForeign.status, 404, "an index entry naming another subject is not copied");
  const two = await getJson(`${destination.url}/v2/dr/app/manifests/2.0`);
  assert.equal(two.status, 404, "only the selected tag is copied");

  const index = await getJson(`${destination.url}/v2/dr/app/manifests/${fallbackTag(subject.digest)}`);
  assert.deepEqual(index.body.manifests.map((entry: { digest: string }) => entry.digest).sort(), [theirs.digest, sbom.digest].sort(), "merged, not replaced");
  const nested = await getJson(`${destination.url}/v2/dr/app/manifests/${fallbackTag(sbom.digest)}`);
  assert.deepEqual(
    nested.body.manifests.map((entry: { digest: string }) => entry.digest),
    [sbomSignature.digest],
  );

  assert.equal((await runVerify({ images })).complete, true);
  const again = await runSync({ images });
  assert.equal(again.counts.skipped, 1, "a second run finds nothing to do");
  assert.equal(again.stats.bytesUploaded, 0);
});

test("verify reports a removed referrer and a replaced signature, and fails", async () => {
  const images = { [`${source.host}/team/app:1.0`]: `${destination.host}/verify/app` };
  assert.equal((await runSync({ images })).counts.failed, 0);
  assert.equal((await runVerify({ images })).complete, true);

  const removed = await fetch(`${destination.url}/v2/verify/app/manifests/${sbomSignature.digest}`, { method: "DELETE" });
  assert.equal(removed.status, 202);
  const replaced = cosignSignature(subject.digest, "someone else's");
  await pushArtifact(destination.url, "verify/app", replaced, `${fallbackTag(subject.digest)}.sig`);

  const report = await runVerify({ images });
  assert.equal(report.complete, false);
  const row = report.rows[0];
  assert.equal(row.status, "incomplete");
  assert.ok(
    row.missing!.some((line) => line.includes(sbomSignature.digest)),
    row.missing!.join("\n"),
  );
  assert.ok(
    row.missing!.some((line) => line.includes(".sig is") && line.includes(replaced.digest)),
    row.missing!.join("\n"),
  );
  assert.equal((await runVerify({ images }, { referrers: false })).complete, true, "--no-referrers checks the image only");
});

test("--no-referrers copies the image alone", async () => {
  const images = { [`${source.host}/team/app:1.0`]: `${destination.host}/bare/app` };
  assert.equal((await runSync({ images }, { referrers: false })).counts.synced, 1);
  const sig = await getJson(`${destination.url}/v2/bare/app/manifests/${fallbackTag(subject.digest)}.sig`);
  assert.equal(sig.status, 404);
  const index = await getJson(`${destination.url}/v2/bare/app/manifests/${fallbackTag(subject.digest)}`);
  assert.equal(index.status, 404);
});

test("referrers API on both sides: listed by the source's API, indexed by the destination's, no fallback tag written", async () => {
  let sourceFront: ReferrersFront | undefined;
  let destinationFront: ReferrersFront | undefined;
  try {
    sourceFront = await startReferrersFront(new URL(source.url));
    destinationFront = await startReferrersFront(new URL(destination.url));
    await pushSmallImage(source, "api/app:1.0", undefined, "api");
    const image = await descriptorOf(source.url, "api/app", "1.0");
    const attestation = referrer(image, "application/vnd.in-toto+json", '{"predicateType":"https://slsa.dev/provenance/v1"}');
    await pushArtifact(sourceFront.url, "api/app", attestation);
    const listed = await getJson(`${sourceFront.url}/v2/api/app/referrers/${image.digest}`);
    assert.equal(listed.body.manifests[0].digest, attestation.digest, "the front indexes what is pushed through it");

    const images = { [`${sourceFront.host}/api/app:1.0`]: `${destinationFront.host}/api/app` };
    const report = await runSync({ images });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
    const answer = await getJson(`${destinationFront.url}/v2/api/app/referrers/${image.digest}`);
    assert.deepEqual(
      answer.body.manifests.map((entry: { digest: string; artifactType: string }) => [entry.digest, entry.artifactType]),
      [[attestation.digest, "application/vnd.in-toto+json"]],
    );
    assert.ok(destinationFront.apiRequests() > 1, "the engine asked the destination's API, not only this test");
    const fallback = await getJson(`${destination.url}/v2/api/app/manifests/${fallbackTag(image.digest)}`);
    assert.equal(fallback.status, 404, "a destination with the API gets no fallback index");
    assert.equal((await runVerify({ images })).complete, true);
  } finally {
    await sourceFront?.stop();
    await destinationFront?.stop();
  }
});
