import assert from "node:assert/strict";
import { test } from "node:test";
import { digestOf, parseManifest, IndexManifest, MediaType } from "../../provider/clients/oci";
import { filterIndex, matchesPlatform } from "../../provider/sync";

const entry = (architecture: string, variant?: string) => ({
  mediaType: MediaType.ociManifest,
  digest: digestOf(Buffer.from(architecture + (variant ?? ""))),
  size: 100,
  platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
});
const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [entry("amd64"), entry("arm64"), entry("arm", "v7")] }, null, 2));
const manifest = { bytes, mediaType: MediaType.ociIndex, digest: digestOf(bytes) };
const index = parseManifest(bytes, MediaType.ociIndex, "test") as IndexManifest;

test("arch entries match architecture, and variant when given", () => {
  assert.ok(matchesPlatform(entry("arm", "v7"), { os: [], arch: ["arm/v7"] }));
  assert.ok(!matchesPlatform(entry("arm", "v6"), { os: [], arch: ["arm/v7"] }));
  assert.ok(matchesPlatform(entry("arm", "v6"), { os: ["linux"], arch: ["arm"] }));
  assert.ok(!matchesPlatform({ ...entry("amd64"), platform: undefined }, { os: ["linux"], arch: [] }));
});

test("an index whose every entry matches keeps its bytes and digest", () => {
  assert.equal(filterIndex(manifest, index, { os: ["linux"], arch: [] }, "h"), manifest);
});

test("a partial match gives a smaller index, deterministically", () => {
  const first = filterIndex(manifest, index, { os: [], arch: ["arm64", "amd64"] }, "h");
  const again = filterIndex(manifest, index, { os: [], arch: ["amd64", "arm64"] }, "h");
  assert.equal(first.digest, again.digest);
  assert.notEqual(first.digest, manifest.digest);
  assert.equal(first.digest, digestOf(first.bytes));
  assert.deepEqual((parseManifest(first.bytes, MediaType.ociIndex, "h") as IndexManifest).manifests.map((m) => m.platform?.architecture), ["amd64", "arm64"]);
});

test("no match is an error naming the filter", () => {
  assert.throws(() => filterIndex(manifest, index, { os: ["windows"], arch: [] }, "h"), /no entry of the multi-arch image matches os windows/);
});
