import assert from "node:assert/strict";
import { test } from "node:test";
import { ImagesMap, compileJob, reverseSyncJob } from "../../provider/sync";
import { ConfigError } from "../../provider/validation";

/**
 * How a sync job runs backwards (`registry-dr sync --reverse`): each mapped repository's
 * destination tags go back to its source repository, whatever the forward rule selected; a
 * mapping that cannot be reversed without guessing is refused, naming its entry.
 */

const DIGEST = `sha256:${"c".repeat(64)}`;

function reversed(images: ImagesMap, options: { from?: string; defaults?: { registry: string; namespace: string } } = {}): ImagesMap {
  const job = reverseSyncJob({ images, defaults: options.defaults, auth: { "h.io": { username: "u", password: "p" } } }, { from: options.from });
  // What it returns is itself a valid job.
  compileJob(job);
  return job.images;
}

function refusal(images: ImagesMap, from?: string): string[] {
  try {
    reverseSyncJob({ images }, { from });
  } catch (error) {
    assert.ok(error instanceof ConfigError, String(error));
    return error.message.split("\n");
  }
  assert.fail("expected the mapping to be refused");
}

test("tag lists, patterns, digests and whole repositories all reverse to every tag of the destination repository", () => {
  assert.deepEqual(
    reversed({
      "h.io/library/nginx:1.25,1.26": "dr.io/library/nginx",
      "h.io/library/redis:/^7\\./": "dr.io/library/redis",
      "h.io/library/busybox:v*": "dr.io/library/busybox",
      [`h.io/library/alpine@${DIGEST}`]: "dr.io/library/alpine",
      "h.io/team/app": "dr.io/team/app",
    }),
    {
      "dr.io/library/nginx": "h.io/library/nginx",
      "dr.io/library/redis": "h.io/library/redis",
      "dr.io/library/busybox": "h.io/library/busybox",
      "dr.io/library/alpine": "h.io/library/alpine",
      "dr.io/team/app": "h.io/team/app",
    },
  );
});

test('the auth map comes along; destinations given as "" are resolved from the defaults first', () => {
  const job = reverseSyncJob({ images: { "h.io/a/b/nginx": "" }, defaults: { registry: "dr.io", namespace: "mirror" }, auth: { "h.io": { token: "t" } } });
  assert.deepEqual(job, { images: { "dr.io/mirror/nginx": "h.io/a/b/nginx" }, auth: { "h.io": { token: "t" } } });
});

test("two rules copying one repository pair are one reversed entry", () => {
  assert.deepEqual(reversed({ "h.io/library/nginx:1.25": "dr.io/library/nginx", "h.io/library/nginx:/^1\\.26/": "dr.io/library/nginx" }), {
    "dr.io/library/nginx": "h.io/library/nginx",
  });
});

test("whole projects reverse to the same glob below the destination, back under the source's namespace", () => {
  assert.deepEqual(reversed({ "h.io/library/**:v*": "dr.io/mirror", "h.io/team/*": "dr.io/team" }), {
    "dr.io/mirror/**": "h.io/library",
    "dr.io/team/*": "h.io/team",
  });
  // One level flattened to the last component under the defaults: the same path, so it comes back.
  assert.deepEqual(reversed({ "h.io/library/*": "" }, { defaults: { registry: "dr.io", namespace: "mirror" } }), { "dr.io/mirror/*": "h.io/library" });
});

test("from: only the destinations on the site that served; one source with several sites needs it", () => {
  const images = { "h.io/library/nginx": ["acr.example.com/dr/nginx", "gar.example.com/dr/nginx"] };
  assert.match(
    refusal(images).join("\n"),
    /images\["h\.io\/library\/nginx"\]: copies to acr\.example\.com\/dr\/nginx and gar\.example\.com\/dr\/nginx: a reverse run copies back from one of them; name the site that served \(from\)/,
  );
  assert.deepEqual(reversed(images, { from: "gar.example.com" }), { "gar.example.com/dr/nginx": "h.io/library/nginx" });
  assert.deepEqual(reversed(images, { from: "https://acr.example.com/" }), { "acr.example.com/dr/nginx": "h.io/library/nginx" });
  assert.match(refusal(images, "other.example.com").join("\n"), /images: no rule copies to other\.example\.com/);
});

test("from matches a loopback registry however it is spelled", () => {
  assert.deepEqual(reversed({ "127.0.0.1:5001/dr/app": "127.0.0.1:5002/dr/app" }, { from: "localhost:5002" }), {
    "127.0.0.1:5002/dr/app": "127.0.0.1:5001/dr/app",
  });
});

test("several sources into one destination repository are refused, naming both entries", () => {
  const lines = refusal({ "h.io/a/nginx": "dr.io/all/nginx", "h.io/b/nginx": "dr.io/all/nginx" });
  assert.deepEqual(lines.length, 1);
  assert.match(
    lines[0],
    /^images\["h\.io\/b\/nginx"\]: copies dr\.io\/all\/nginx back into h\.io\/b\/nginx, as images\["h\.io\/a\/nginx"\] does \(dr\.io\/all\/nginx -> h\.io\/a\/nginx\)/,
  );
});

test("one source repository copied to two destination repositories is refused: which one's tags go back is a guess", () => {
  const lines = refusal({ "h.io/a/nginx:1.0": "dr.io/x/nginx", "h.io/a/nginx:2.0": "dr.io/y/nginx" });
  assert.match(lines.join("\n"), /images\["h\.io\/a\/nginx:2\.0"\]: copies h\.io\/a\/nginx to dr\.io\/y\/nginx too, as images\["h\.io\/a\/nginx:1\.0"\] does/);
});

test("a renamed tag, or a digest given a tag, is refused: tags go back under their own names", () => {
  assert.match(refusal({ "h.io/a/nginx:1.0": "dr.io/a/nginx:stable" })[0], /images\["h\.io\/a\/nginx:1\.0"\]: writes tag 1\.0 as dr\.io\/a\/nginx:stable/);
  assert.match(refusal({ [`h.io/a/nginx@${DIGEST}`]: "dr.io/a/nginx:pinned" })[0], /writes sha256:c+ as dr\.io\/a\/nginx:pinned/);
  // The same tag named on both sides is no rename.
  assert.deepEqual(reversed({ "h.io/a/nginx:1.0": "dr.io/a/nginx:1.0" }), { "dr.io/a/nginx": "h.io/a/nginx" });
});

test("flattened projects and projects from a registry's root are refused: their paths do not come back", () => {
  const flattened = (() => {
    try {
      reverseSyncJob({ images: { "h.io/library/**": "" }, defaults: { registry: "dr.io", namespace: "mirror" } });
    } catch (error) {
      return (error as Error).message;
    }
    return "";
  })();
  assert.match(flattened, /images\["h\.io\/library\/\*\*"\]: keeps only the last path component of each repository \(destination ""\)/);
  assert.match(refusal({ "h.io/**": "dr.io/mirror" })[0], /copies repositories from the root of h\.io: a reverse run needs a namespace there/);
});

test("a whole-project rule and a repository rule that meet at the destination are refused", () => {
  const lines = refusal({ "h.io/library/**": "dr.io/mirror", "h.io/other/nginx": "dr.io/mirror/nginx" });
  assert.match(
    lines.join("\n"),
    /images\["h\.io\/other\/nginx"\]: copies into dr\.io\/mirror\/nginx, which a whole-project rule also covers, as images\["h\.io\/library\/\*\*"\] does/,
  );
});

test("every problem of the config is named in one refusal", () => {
  const lines = refusal({ "h.io/a/nginx:1.0": "dr.io/a/nginx:stable", "h.io/**": "dr.io/mirror" });
  assert.equal(lines.length, 2);
});
