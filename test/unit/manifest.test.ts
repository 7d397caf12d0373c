import assert from "node:assert/strict";
import { test } from "node:test";
import { MediaType, parseManifest, referencedBlobs, UnsupportedManifestError } from "../../provider/clients/oci";

const d = (n: string, size = 1, extra = {}) => ({ mediaType: "x", digest: `sha256:${n.repeat(64)}`, size, ...extra });

test("media type comes from Content-Type, then the body, then the shape", () => {
  const image = Buffer.from(JSON.stringify({ schemaVersion: 2, config: d("a"), layers: [d("b")] }));
  assert.equal(parseManifest(image, `${MediaType.dockerManifest}; charset=utf-8`, "h").mediaType, MediaType.dockerManifest);
  assert.equal(parseManifest(image, "application/json", "h").mediaType, MediaType.ociManifest);
  const list = Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.dockerManifestList, manifests: [d("c")] }));
  assert.equal(parseManifest(list, undefined, "h").mediaType, MediaType.dockerManifestList);
});

test("foreign layers are not copied; config and other layers are", () => {
  const parsed = parseManifest(
    Buffer.from(
      JSON.stringify({ schemaVersion: 2, config: d("a"), layers: [d("b"), d("c", 5, { mediaType: MediaType.dockerForeignLayer, urls: ["https://x"] })] }),
    ),
    MediaType.dockerManifest,
    "h",
  );
  assert.ok(parsed.kind === "image");
  assert.deepEqual(
    referencedBlobs(parsed).map((blob) => blob.digest[7]),
    ["a", "b"],
  );
});

test("schema 1 and malformed manifests are refused with the reason", () => {
  assert.throws(
    () => parseManifest(Buffer.from('{"schemaVersion":1,"fsLayers":[]}'), MediaType.dockerSchema1Signed, "h.io"),
    (error: Error) => error instanceof UnsupportedManifestError && /schema 1/.test(error.message),
  );
  assert.throws(() => parseManifest(Buffer.from("{not json"), undefined, "h.io"), /not valid JSON/);
  assert.throws(() => parseManifest(Buffer.from('{"schemaVersion":2,"layers":[]}'), undefined, "h.io"), /config is missing/);
});
