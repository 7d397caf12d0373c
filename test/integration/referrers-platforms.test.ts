import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync, runVerify } from "../../provider";
import { pushImage } from "../support/fixtures";
import { buildImage, buildIndex, IndexArtifact, Platform } from "../support/oci-layout";
import { BuiltArtifact, cosignSignature, Descriptor, fallbackTag, getJson, pushArtifact, putFallbackIndex, referrer } from "../support/referrer-artifacts";
import { ReferrersFront, startReferrersFront } from "../support/referrers-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * Signatures and SBOMs attached to each platform of a multi-arch image (`cosign sign
 * --recursive` signs the index and every child; SBOMs are made per architecture) travel with
 * the index: cosign's `sha256-<child>.sig/.att` tags and the children's OCI referrers, from
 * the fallback tag schema or the referrers API. With --os/--arch only the kept platforms'.
 * verify names the platform whose referrer is missing. A resync of an unchanged index does
 * not walk its children (figures printed as diagnostics); --repair does.
 */

const PLATFORMS: Platform[] = [
  { os: "linux", architecture: "amd64" },
  { os: "linux", architecture: "arm64" },
  { os: "linux", architecture: "arm", variant: "v7" },
];

interface SignedIndex {
  index: IndexArtifact;
  indexSignature: BuiltArtifact;
  /** Per child digest: its cosign signature and its SBOM (an OCI 1.1 referrer). */
  children: Map<string, { platform: Platform; descriptor: Descriptor; signature: BuiltArtifact; sbom: BuiltArtifact }>;
  /** An in-toto attestation (cosign's `.att` tag) on the arm64 child only. */
  attestation: BuiltArtifact;
  arm64: string;
}

let source: RegistryServer;
let destination: RegistryServer;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
});

after(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

function multiArchIndex(variant: string): IndexArtifact {
  const image = (platform: Platform) =>
    buildImage({
      format: "oci",
      platform,
      layers: [
        { seed: `platform-referrers/common`, size: 4096 },
        { seed: `platform-referrers/${variant}/${platform.architecture}${platform.variant ?? ""}`, size: 8192 },
      ],
    });
  return buildIndex({ format: "oci", images: PLATFORMS.map(image) });
}

/**
 * Pushes the index with skopeo, then signs it as `cosign sign --recursive` does, adds an
 * SBOM per child and an attestation on arm64. SBOMs go through `sbomRegistryUrl`: the
 * registry itself (then the fallback index is written, as oras does without the API) or a
 * referrers front (which indexes them).
 */
async function pushSignedIndex(repository: string, variant: string, sbomVia?: ReferrersFront): Promise<SignedIndex> {
  const index = multiArchIndex(variant);
  await pushImage(source, `${repository}:1.0`, index);
  const indexSignature = cosignSignature(index.digest, `index ${variant}`);
  await pushArtifact(source.url, repository, indexSignature, `${fallbackTag(index.digest)}.sig`);
  const children: SignedIndex["children"] = new Map();
  for (const child of index.children) {
    const descriptor = { mediaType: child.mediaType, digest: child.digest, size: child.manifest.length };
    const signature = cosignSignature(child.digest, `${child.platform.architecture} ${variant}`);
    await pushArtifact(source.url, repository, signature, `${fallbackTag(child.digest)}.sig`);
    const sbom = referrer(descriptor, "application/spdx+json", JSON.stringify({ spdxVersion: "SPDX-2.3", name: `${variant}-${child.platform.architecture}` }));
    await pushArtifact(sbomVia?.url ?? source.url, repository, sbom);
    if (!sbomVia) await putFallbackIndex(source.url, repository, child.digest, [sbom.descriptor]);
    children.set(child.digest, { platform: child.platform, descriptor, signature, sbom });
  }
  const arm64 = index.children.find((child) => child.platform.architecture === "arm64")!.digest;
  const attestation = cosignSignature(arm64, `attestation ${variant}`);
  await pushArtifact(source.url, repository, attestation, `${fallbackTag(arm64)}.att`);
  return { index, indexSignature, children, attestation, arm64 };
}

const hexOf = (digest: string) => digest.slice("sha256:".length);

test("every platform's signature, attestation and SBOM come with the index (fallback tag schema), subject first; verify names a platform's missing SBOM; a no-op resync does not walk the children, --repair does", async (t) => {
  const signed = await pushSignedIndex("signed/app", "schema");
  const images = { [`${source.host}/signed/app:1.0`]: `${destination.host}/dr/app` };
  destination.clearRequests();
  const cold = await runSync({ images });
  assert.equal(cold.counts.failed, 0, JSON.stringify(cold.results));

  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:1.0`), signed.index.digest);
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:${fallbackTag(signed.index.digest)}.sig`), signed.indexSignature.digest);
  for (const [child, { signature, sbom }] of signed.children) {
    assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:${fallbackTag(child)}.sig`), signature.digest);
    assert.equal(await manifestDigest(`docker://${destination.host}/dr/app@${sbom.digest}`), sbom.digest);
    const index = await getJson(`${destination.url}/v2/dr/app/manifests/${fallbackTag(child)}`);
    assert.deepEqual(
      index.body.manifests.map((entry: { digest: string }) => entry.digest),
      [sbom.digest],
      "the child's fallback index lists its SBOM",
    );
  }
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:${fallbackTag(signed.arm64)}.att`), signed.attestation.digest);
  // Subject first: each child's manifest reached the destination before anything naming it.
  const puts = destination
    .requests()
    .filter((request) => request.method === "PUT" && request.path.includes("/manifests/"))
    .map((request) => request.path);
  for (const [child, { sbom }] of signed.children) {
    const subjectAt = puts.indexOf(`/v2/dr/app/manifests/${child}`);
    assert.ok(subjectAt >= 0 && subjectAt < puts.indexOf(`/v2/dr/app/manifests/${sbom.digest}`), `child ${child} before its SBOM: ${puts.join("\n")}`);
    assert.ok(subjectAt < puts.indexOf(`/v2/dr/app/manifests/${fallbackTag(child)}.sig`), "child before its signature");
  }
  assert.equal((await runVerify({ images })).complete, true);

  // A no-op resync reads nothing of the children: the index is unchanged.
  source.clearRequests();
  destination.clearRequests();
  const noop = await runSync({ images });
  assert.equal(noop.counts.skipped, 1);
  const childPaths = [...source.requests(), ...destination.requests()].filter((request) =>
    [...signed.children.keys()].some((child) => request.path.includes(hexOf(child))),
  );
  assert.deepEqual(childPaths, [], "no request about a child in a no-op resync");
  t.diagnostic(`no-op resync of a signed 3-platform index: ${noop.stats.requests} requests (${JSON.stringify(noop.stats.byKind)})`);

  // Gone at the destination: arm64's SBOM and amd64's signature tag (moved to another signature).
  const amd64 = [...signed.children].find(([, child]) => child.platform.architecture === "amd64")![0];
  const deleted = await fetch(`${destination.url}/v2/dr/app/manifests/${signed.children.get(signed.arm64)!.sbom.digest}`, { method: "DELETE" });
  assert.equal(deleted.status, 202);
  const forged = cosignSignature(amd64, "someone else's");
  await pushArtifact(destination.url, "dr/app", forged, `${fallbackTag(amd64)}.sig`);
  const verify = await runVerify({ images });
  assert.equal(verify.complete, false);
  assert.equal(verify.rows[0].status, "incomplete");
  const missing = verify.rows[0].missing!;
  assert.ok(
    missing.includes(`linux/arm64 manifest ${signed.arm64}: referrer ${signed.children.get(signed.arm64)!.sbom.digest} (application/spdx+json)`),
    missing.join("\n"),
  );
  assert.ok(
    missing.some((line) => line.startsWith(`linux/amd64 manifest ${amd64}: signature tag ${fallbackTag(amd64)}.sig is ${forged.digest}`)),
    missing.join("\n"),
  );
  assert.equal(missing.length, 2, missing.join("\n"));
  assert.equal((await runVerify({ images }, { shallow: true })).complete, true, "a shallow verify checks the index's own referrers only");

  assert.equal((await runSync({ images })).counts.skipped, 1, "a plain resync of an unchanged index leaves its children's referrers alone");
  source.clearRequests();
  const repair = await runSync({ images }, { repair: true });
  assert.equal(repair.counts.failed, 0, JSON.stringify(repair.results));
  t.diagnostic(`--repair of the same index: ${repair.stats.requests} requests (${JSON.stringify(repair.stats.byKind)})`);
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/app:${fallbackTag(amd64)}.sig`), signed.children.get(amd64)!.signature.digest);
  assert.equal(
    await manifestDigest(`docker://${destination.host}/dr/app@${signed.children.get(signed.arm64)!.sbom.digest}`),
    signed.children.get(signed.arm64)!.sbom.digest,
  );
  assert.equal((await runVerify({ images })).complete, true);
});

test("--arch with the referrers API on both sides: only the kept platforms' signatures and SBOMs travel; the filtered index's are not invented", async () => {
  let sourceFront: ReferrersFront | undefined;
  let destinationFront: ReferrersFront | undefined;
  try {
    sourceFront = await startReferrersFront(new URL(source.url));
    destinationFront = await startReferrersFront(new URL(destination.url));
    const signed = await pushSignedIndex("filtered/app", "api", sourceFront);
    const images = { [`${sourceFront.host}/filtered/app:1.0`]: `${destinationFront.host}/arm/app` };
    const platforms = { os: ["linux"], arch: ["arm64"] };
    const report = await runSync({ images }, { platforms });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));

    const arm64 = signed.children.get(signed.arm64)!;
    assert.equal(await manifestDigest(`docker://${destination.host}/arm/app:${fallbackTag(signed.arm64)}.sig`), arm64.signature.digest);
    assert.equal(await manifestDigest(`docker://${destination.host}/arm/app:${fallbackTag(signed.arm64)}.att`), signed.attestation.digest);
    const listed = await getJson(`${destinationFront.url}/v2/arm/app/referrers/${signed.arm64}`);
    assert.deepEqual(
      listed.body.manifests.map((entry: { digest: string }) => entry.digest),
      [arm64.sbom.digest],
      "the destination's API lists the arm64 SBOM",
    );
    assert.equal((await getJson(`${destination.url}/v2/arm/app/manifests/${fallbackTag(signed.arm64)}`)).status, 404, "no fallback index where the API is");
    for (const [child, { platform, signature, sbom }] of signed.children) {
      if (child === signed.arm64) continue;
      assert.equal(
        (await getJson(`${destination.url}/v2/arm/app/manifests/${fallbackTag(child)}.sig`)).status,
        404,
        `${platform.architecture}'s signature stays behind`,
      );
      assert.equal((await getJson(`${destination.url}/v2/arm/app/manifests/${sbom.digest}`)).status, 404, `${platform.architecture}'s SBOM stays behind`);
      assert.equal((await getJson(`${destination.url}/v2/arm/app/manifests/${signature.digest}`)).status, 404);
    }
    assert.equal(
      (await getJson(`${destination.url}/v2/arm/app/manifests/${fallbackTag(signed.index.digest)}.sig`)).status,
      404,
      "the source index's signature does not name the filtered index",
    );

    assert.equal((await runVerify({ images }, { platforms })).complete, true);
    const removed = await fetch(`${destinationFront.url}/v2/arm/app/manifests/${arm64.sbom.digest}`, { method: "DELETE" });
    assert.equal(removed.status, 202);
    const verify = await runVerify({ images }, { platforms });
    assert.deepEqual(verify.rows[0].missing, [`linux/arm64 manifest ${signed.arm64}: referrer ${arm64.sbom.digest} (application/spdx+json)`]);
  } finally {
    await sourceFront?.stop();
    await destinationFront?.stop();
  }
});
