import assert from "node:assert/strict";
import { test } from "node:test";
import { ConfigError } from "../../provider/validation";
import { compileRules, parseSourceSpec, projectDestination } from "../../provider/sync";

const DIGEST = `sha256:${"c".repeat(64)}`;

test("source selectors: all tags, one, a list, a digest, a pattern", () => {
  assert.deepEqual(parseSourceSpec("h.io:5000/library/nginx").selector, { kind: "all" });
  assert.deepEqual(parseSourceSpec("h.io/library/nginx:1.25").selector, { kind: "tags", tags: ["1.25"] });
  assert.deepEqual(parseSourceSpec("h.io/library/nginx:1.25, 1.26,1.25").selector, { kind: "tags", tags: ["1.25", "1.26"] });
  assert.deepEqual(parseSourceSpec(`h.io/library/nginx@${DIGEST}`).selector, { kind: "digest", digest: DIGEST });
  const pattern = parseSourceSpec("h.io:5000/library/nginx:/^v1\\.[0-9]+$/");
  assert.equal(pattern.registry, "h.io:5000");
  assert.equal(pattern.repository, "library/nginx");
  assert.ok(pattern.selector.kind === "pattern" && pattern.selector.pattern.test("v1.2") && !pattern.selector.pattern.test("v10.2x"));
});

test("a pattern may contain slashes and colons; a Docker Hub source may carry one", () => {
  const spec = parseSourceSpec("nginx:/a:b/c/");
  assert.equal(spec.registry, "docker.io");
  assert.equal(spec.repository, "library/nginx");
  assert.ok(spec.selector.kind === "pattern" && spec.selector.pattern.source === "a:b\\/c");
});

test("an empty destination keeps the last path component under --registry/--namespace (as in the image-syncer guide)", () => {
  const [rule] = compileRules({ "harbor.myk8s.paas.com:32080/library/nginx": "" }, { registry: "registry.cn-beijing.aliyuncs.com", namespace: "image-syncer" });
  assert.deepEqual(rule.destinations, [{ registry: "registry.cn-beijing.aliyuncs.com", repository: "image-syncer/nginx", tag: undefined, digest: undefined }]);
});

test("a list of destinations fans out; a destination tag renames one image", () => {
  const [rule] = compileRules({ "h.io/a/b:1": ["x.io/n/b", "y.io/m/c:stable"] });
  assert.deepEqual(
    rule.destinations.map((d) => `${d.registry}/${d.repository}:${d.tag ?? ""}`),
    ["x.io/n/b:", "y.io/m/c:stable"],
  );
});

test("every bad rule is reported at once, with its path, before anything runs", () => {
  let caught: unknown;
  try {
    compileRules({
      "h.io/a/B": "x.io/n/b",
      "h.io/a/c:/[/": "x.io/n/c",
      "h.io/a/d": "",
      "h.io/a/e:1,2": ["x.io/n/e:one"],
      [`h.io/a/f@${DIGEST}`]: `x.io/n/f@${DIGEST}`,
    });
  } catch (error) {
    caught = error;
  }
  assert.ok(caught instanceof ConfigError);
  assert.deepEqual(
    caught.issues.map((issue) => issue.path),
    [
      ["images", "h.io/a/B"],
      ["images", "h.io/a/c:/[/"],
      ["images", "h.io/a/d"],
      ["images", "h.io/a/e:1,2", 0],
      ["images", `h.io/a/f@${DIGEST}`],
    ],
  );
  assert.match(caught.message, /images\["h\.io\/a\/B"\]: repository "a\/B" is not valid/);
  assert.match(caught.message, /not a valid regular expression/);
  assert.match(caught.message, /a default destination registry and namespace must be given/);
  assert.match(caught.message, /must select exactly one tag or digest/);
  assert.match(caught.message, /cannot name a digest/);
});

test("Harbor's filter globs: ** any path, * and ? one component, {a,b} alternatives", async () => {
  const { harborPattern, passesHarborFilter } = await import("../../provider/clients/harbor/replication-rules");
  assert.ok(harborPattern("library/**").test("library/team/app"));
  assert.ok(!harborPattern("library/*").test("library/team/app"));
  assert.ok(harborPattern("library/*").test("library/app"));
  assert.ok(harborPattern("v{1,2}.?").test("v2.x"));
  assert.ok(!harborPattern("a.b").test("axb"), "a dot is literal");
  assert.equal(passesHarborFilter("dev-1", "dev-*", "excludes"), false);
  assert.equal(passesHarborFilter("anything", ""), true);
  assert.throws(() => harborPattern("{a,b"), /opens a \{ it does not close/);
});

test("whole-project sources: a literal prefix and a glob; tag globs; bad forms named", () => {
  const rules = compileRules({ "harbor.example.com/library/**:v*": "acr.example.com/dr" });
  assert.equal(rules[0].source.repository, "library");
  assert.equal(rules[0].source.repositories?.text, "library/**");
  assert.equal(rules[0].source.selector.kind, "pattern");
  assert.equal(projectDestination(rules[0], 0, "library/team/app").repository, "dr/team/app");
  const flat = compileRules({ "harbor.example.com/library/*": "" }, { registry: "acr.example.com", namespace: "ns" });
  assert.equal(projectDestination(flat[0], 0, "library/app").repository, "ns/app");
  assert.throws(
    () => compileRules({ "harbor.example.com/library/**@sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa": "acr.example.com/dr" }),
    /a digest names one image/,
  );
  assert.throws(() => compileRules({ "harbor.example.com/Library/**": "acr.example.com/dr" }), /is not valid/);
});
