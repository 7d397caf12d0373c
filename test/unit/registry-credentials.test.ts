import assert from "node:assert/strict";
import { test } from "node:test";
import { accessFromAuthMap, accessKeyFor } from "../../provider/sync";

test("the longest registry/namespace prefix wins, never a partial path component", () => {
  const access = accessFromAuthMap({
    "h.io": { username: "all", password: "p1" },
    "h.io/team": { username: "team", password: "p2" },
    "h.io/team/sub/": { username: "sub", password: "p3" },
  });
  assert.equal(accessKeyFor(access, { registry: "h.io", repository: "team/app" }), "h.io/team");
  assert.equal(accessKeyFor(access, { registry: "h.io", repository: "team/sub/app" }), "h.io/team/sub");
  assert.equal(accessKeyFor(access, { registry: "h.io", repository: "teamwork/app" }), "h.io");
  assert.equal(accessKeyFor(access, { registry: "other.io", repository: "team/app" }), undefined);
});

test("entries become typed credentials; a `$` in a robot name stays literal", () => {
  const access = accessFromAuthMap({ a: { username: "robot$ci", password: "x$y" }, b: { token: "t" }, c: { insecure: true } });
  assert.deepEqual(access.a.credential, { kind: "basic", username: "robot$ci", password: "x$y" });
  assert.deepEqual(access.b.credential, { kind: "token", token: "t" });
  assert.deepEqual(access.c, { credential: { kind: "anonymous" }, insecure: true });
});
