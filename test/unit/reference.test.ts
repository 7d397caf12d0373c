import assert from "node:assert/strict";
import { test } from "node:test";
import { apiHost, formatReference, parseReference, ReferenceError } from "../../provider/clients/oci";

test("parses host, port, path, tag and digest", () => {
  const digest = `sha256:${"a".repeat(64)}`;
  assert.deepEqual(parseReference(`harbor.example.com:32080/library/nginx:1.25@${digest}`), {
    registry: "harbor.example.com:32080",
    repository: "library/nginx",
    tag: "1.25",
    digest,
  });
  assert.deepEqual(parseReference("localhost/a/b/c"), { registry: "localhost", repository: "a/b/c", tag: undefined, digest: undefined });
});

test("expands Docker Hub short names like docker does", () => {
  assert.deepEqual(parseReference("nginx:1.25"), { registry: "docker.io", repository: "library/nginx", tag: "1.25", digest: undefined });
  assert.equal(parseReference("bitnami/redis").repository, "bitnami/redis");
  assert.equal(parseReference("docker.io/nginx").repository, "library/nginx");
  assert.equal(apiHost("docker.io"), "registry-1.docker.io");
  assert.equal(apiHost("harbor:443"), "harbor:443");
});

test("round-trips through formatReference", () => {
  for (const text of ["r.io/a/b:t", `r.io/a@sha256:${"b".repeat(64)}`, "127.0.0.1:5000/x"]) {
    assert.equal(formatReference(parseReference(text)), text);
  }
});

test("rejects malformed references with the reason", () => {
  assert.throws(
    () => parseReference("r.io/Upper/case"),
    (error: Error) => error instanceof ReferenceError && /repository "Upper\/case" is not valid/.test(error.message),
  );
  assert.throws(() => parseReference("r.io/a:-bad"), /tag "-bad" is not valid/);
  assert.throws(() => parseReference("r.io/a@sha256:123"), /digest "sha256:123" is not valid/);
  assert.throws(() => parseReference("r.io/a//b"), /is not valid/);
});
