import assert from "node:assert/strict";
import { test } from "node:test";
import {
  InvalidAnswerError,
  MediaType,
  checkAnsweredDigest,
  checkListedTag,
  checkMediaType,
  checkReference,
  checkRepository,
  checkTagPageLink,
  checkUploadLocation,
  nextLinkTarget,
  parseManifest,
} from "../../provider/clients/oci";

const HEX64 = "a".repeat(64);
const isInvalid = (pattern: RegExp) => (error: Error) => error instanceof InvalidAnswerError && pattern.test(error.message);

test("listed tags follow the distribution grammar; a bad one is named with the host and repository", () => {
  for (const tag of ["latest", "1.0", "_x", "v1.2.3-rc.1_b", "A".repeat(128)]) assert.equal(checkListedTag(tag, "r.example", "evil/img"), tag);
  const bad = ["../../../../v2/victim/app/manifests/prod", "..", ".hidden", "-x", "", "a".repeat(129), "a/b", "a b", "a%2Fb", "tag\n", "é", "a:b", "a@b"];
  for (const tag of bad) {
    assert.throws(() => checkListedTag(tag, "r.example", "evil/img"), isInvalid(/^invalid tag ".*" listed by r\.example\/evil\/img$/s), tag);
  }
  assert.throws(() => checkListedTag(42, "r.example", "evil/img"), isInvalid(/invalid tag "42"/));
});

test("a bad value is shown escaped and cut short, so it cannot flood or rewrite a terminal", () => {
  assert.throws(
    () => checkListedTag(`${"x".repeat(300)}\u001b[2J`, "r.example", "evil/img"),
    (error: Error) => error.message.length < 160 && error.message.includes(`"${"x".repeat(80)}..."`) && !error.message.includes("\u001b"),
  );
  assert.throws(
    () => checkListedTag("a\u001b[31m", "r.example", "e/i"),
    (error: Error) => error.message.includes("\\u001b[31m"),
  );
});

test("digests need an algorithm and the hex length of that algorithm, in lower case", () => {
  assert.equal(checkAnsweredDigest(`sha256:${HEX64}`, "h", "x"), `sha256:${HEX64}`);
  assert.equal(checkAnsweredDigest(`sha512:${"0".repeat(128)}`, "h", "x"), `sha512:${"0".repeat(128)}`);
  const bad = [
    `sha256:${"a".repeat(63)}`,
    `sha256:${"a".repeat(65)}`,
    `sha256:${"A".repeat(64)}`,
    `sha512:${HEX64}`,
    `md5:${"a".repeat(32)}`,
    HEX64,
    `sha256:../../${HEX64}`,
    "../../../v2/victim/app/manifests/prod",
  ];
  for (const digest of bad)
    assert.throws(
      () => checkAnsweredDigest(digest, "h", "the index of h/evil/img:1.0"),
      isInvalid(/^invalid digest ".*" in the index of h\/evil\/img:1\.0$/),
      digest,
    );
});

test("references going into a URL are a tag or a digest; repositories are lowercase path components", () => {
  assert.equal(checkReference("1.0", "h", "r"), "1.0");
  assert.equal(checkReference(`sha256:${HEX64}`, "h", "r"), `sha256:${HEX64}`);
  assert.throws(() => checkReference("../x", "h", "r"), isInvalid(/invalid tag or digest "\.\.\/x" for h\/r/));
  for (const name of ["library/nginx", "a/b-c/d__e", "a.b/c_d", "x--y"]) assert.equal(checkRepository(name, "h"), name);
  for (const name of ["../victim", "a//b", "A/b", "a/", "/a", "a/../b", "a%2fb", "a/.b", "a-/b"])
    assert.throws(() => checkRepository(name, "h"), isInvalid(/invalid repository name/), name);
});

test("media types are type/subtype; parameters are stripped; anything else is refused", () => {
  assert.equal(checkMediaType(`${MediaType.ociManifest}; charset=utf-8`, "h", "x"), MediaType.ociManifest);
  for (const bad of ["x", "text/plain\r\nX-Injected: 1", "a/b/c", "/b", ""])
    assert.throws(() => checkMediaType(bad, "h", "the Content-Type of h/r:t"), isInvalid(/invalid media type/), bad);
});

test("an upload Location must stay on the request's origin, under the repository's uploads", () => {
  const base = new URL("http://127.0.0.1:5000/v2/");
  const ok = checkUploadLocation("/v2/dst/mirror/evil/blobs/uploads/5f0c-uuid?_state=abc", base, "dst/mirror/evil", "127.0.0.1:5000");
  assert.equal(ok.href, "http://127.0.0.1:5000/v2/dst/mirror/evil/blobs/uploads/5f0c-uuid?_state=abc");
  assert.equal(checkUploadLocation("http://127.0.0.1:5000/v2/a/blobs/uploads/u", base, "a", "h").pathname, "/v2/a/blobs/uploads/u");
  const bad = [
    "http://attacker.example/v2/dst/mirror/evil/blobs/uploads/u",
    "https://127.0.0.1:5000/v2/dst/mirror/evil/blobs/uploads/u",
    "http://127.0.0.1:5001/v2/dst/mirror/evil/blobs/uploads/u",
    "//attacker.example/v2/dst/mirror/evil/blobs/uploads/u",
    "/v2/victim/app/blobs/uploads/u",
    "/v2/dst/mirror/evil/blobs/uploads/../../../../victim/app/blobs/uploads/u",
    "/v2/dst/mirror/evil/blobs/uploads/u/../../x",
    "/v2/dst/mirror/evil/blobs/uploads/a%2F..%2F..%2Fvictim",
    "/v2/dst/mirror/evil/blobs/uploads/",
    "/v2/dst/mirror/evil/manifests/prod",
    "http://user:pw@127.0.0.1:5000/v2/dst/mirror/evil/blobs/uploads/u",
  ];
  for (const location of bad) {
    assert.throws(
      () => checkUploadLocation(location, base, "dst/mirror/evil", "127.0.0.1:5000"),
      isInvalid(/^invalid upload Location ".*" from 127\.0\.0\.1:5000/),
      location,
    );
  }
});

test("a tag list's next page must be the same list on the same origin", () => {
  const base = new URL("http://r.example:5000/v2/");
  const next = (raw: string) => checkTagPageLink(new URL(raw, base), raw, base, "a/b", "r.example:5000");
  assert.equal(next("/v2/a/b/tags/list?n=2&last=t2").search, "?n=2&last=t2");
  for (const raw of [
    "http://other.example/v2/a/b/tags/list?n=2",
    "/v2/victim/app/tags/list",
    "/v2/a/b/tags/list/../../../victim/manifests/x",
    "/v2/a/b/manifests/prod",
  ]) {
    assert.throws(() => next(raw), isInvalid(/^invalid Link ".*" from r\.example:5000/), raw);
  }
  assert.equal(nextLinkTarget('<../../x>; rel="next"'), "../../x", "the raw target is handed out unresolved, to be checked");
});

test("an index whose child digest is a path, or whose sizes are not byte counts, is refused with where it came from", () => {
  const index = (digest: unknown, size: unknown = 10) =>
    Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ociIndex, manifests: [{ mediaType: MediaType.ociManifest, digest, size }] }));
  assert.throws(
    () => parseManifest(index("../../../../v2/victim/app/manifests/prod"), undefined, "h", "h/evil/img:1.0"),
    isInvalid(/^invalid digest "\.\.\/.*" in the index of h\/evil\/img:1\.0$/),
  );
  assert.throws(() => parseManifest(index(`sha256:${HEX64}`, -1), undefined, "h", "h/evil/img:1.0"), /invalid size -1/);
  assert.throws(() => parseManifest(index(`sha256:${HEX64}`, 1.5), undefined, "h", "h/evil/img:1.0"), /invalid size 1\.5/);
  const image = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      config: { mediaType: "x/y", digest: `sha256:${HEX64}`, size: 1 },
      layers: [{ mediaType: "x/y", digest: "sha256:../x", size: 1 }],
    }),
  );
  assert.throws(
    () => parseManifest(image, MediaType.ociManifest, "h", "h/evil/img:1.0"),
    isInvalid(/invalid digest "sha256:\.\.\/x" in the manifest of h\/evil\/img:1\.0/),
  );
  assert.equal(parseManifest(index(`sha256:${HEX64}`), undefined, "h").kind, "index");
});
