import assert from "node:assert/strict";
import { test } from "node:test";
import { digestOf, parseManifest, IndexManifest, MediaType } from "../../provider/clients/oci";
import { filterIndex, matchesPlatform, parsePlatformSelector } from "../../provider/sync";

const entry = (architecture: string, variant?: string) => ({
  mediaType: MediaType.ociManifest,
  digest: digestOf(Buffer.from(architecture + (variant ?? ""))),
  size: 100,
  platform: { os: "linux", architecture, ...(variant ? { variant } : {}) },
});
const bytes = Buffer.from(
  JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [entry("amd64"), entry("arm64"), entry("arm", "v7")] }, null, 2),
);
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
  assert.deepEqual(
    (parseManifest(first.bytes, MediaType.ociIndex, "h") as IndexManifest).manifests.map((m) => m.platform?.architecture),
    ["amd64", "arm64"],
  );
});

test("no match is an error naming the filter", () => {
  assert.throws(() => filterIndex(manifest, index, { os: ["windows"], arch: [] }, "h"), /no entry of the multi-arch image matches os windows/);
});

const windows = (osVersion: string | undefined) => ({
  mediaType: MediaType.ociManifest,
  digest: digestOf(Buffer.from(`windows${osVersion}`)),
  size: 100,
  platform: { os: "windows", architecture: "amd64", ...(osVersion ? { "os.version": osVersion } : {}) },
});

test("os:osversion matches os and os.version; a bare os matches every version (image-syncer's selectors)", () => {
  assert.ok(matchesPlatform(windows("10.0.17763.1999"), { os: ["windows:10.0.17763.1999"], arch: [] }));
  assert.ok(!matchesPlatform(windows("10.0.20348.2113"), { os: ["windows:10.0.17763.1999"], arch: [] }));
  assert.ok(!matchesPlatform(windows(undefined), { os: ["windows:10.0.17763.1999"], arch: [] }));
  assert.ok(matchesPlatform(windows("10.0.20348.2113"), { os: ["windows"], arch: [] }));
  assert.ok(!matchesPlatform(windows("10.0.17763.1999"), { os: ["linux:10.0.17763.1999"], arch: [] }));
});

test("arch:variant and arch/variant mean the same", () => {
  assert.ok(matchesPlatform(entry("arm", "v7"), { os: [], arch: ["arm:v7"] }));
  assert.ok(!matchesPlatform(entry("arm", "v6"), { os: [], arch: ["arm:v7"] }));
  assert.ok(!matchesPlatform(entry("arm"), { os: [], arch: ["arm:v7"] }));
  assert.ok(matchesPlatform(entry("arm", "v6"), { os: [], arch: ["arm"] }));
});

test("platform fields that are not strings match nothing (the index is the registry's answer)", () => {
  const odd = { ...entry("arm", "v7"), platform: { os: "linux", architecture: "arm", variant: 7 } } as unknown as Parameters<typeof matchesPlatform>[0];
  assert.ok(!matchesPlatform(odd, { os: [], arch: ["arm:7"] }));
  const osVersionObject = {
    ...windows("x"),
    platform: { os: "windows", architecture: "amd64", "os.version": { toString: () => "10.0" } },
  } as unknown as Parameters<typeof matchesPlatform>[0];
  assert.ok(!matchesPlatform(osVersionObject, { os: ["windows:10.0"], arch: [] }));
});

test("a malformed selector is refused naming the form expected", () => {
  assert.throws(
    () => parsePlatformSelector("os", "windows:"),
    /invalid os selector "windows:": expected linux, or os:osversion such as windows:10\.0\.17763\.1999/,
  );
  assert.throws(() => parsePlatformSelector("arch", "arm:v7:x"), /invalid arch selector "arm:v7:x": expected amd64, or arch:variant such as arm:v7/);
  assert.throws(() => parsePlatformSelector("os", "windows/10.0"), /invalid os selector/);
  assert.deepEqual(parsePlatformSelector("arch", "arm/v7"), { name: "arm", detail: "v7" });
  assert.deepEqual(parsePlatformSelector("os", "windows:10.0.17763.1999"), { name: "windows", detail: "10.0.17763.1999" });
});
