import assert from "node:assert/strict";
import { test } from "node:test";
import { parseChallenges, preferredChallenge } from "../../provider/clients/oci";

test("parses a Bearer challenge whose scope contains commas", () => {
  const [challenge] = parseChallenges(
    'Bearer realm="https://auth.example.com/token",service="registry.example.com",scope="repository:samalba/my-app:pull,push",error="insufficient_scope"',
  );
  assert.deepEqual(challenge, {
    scheme: "bearer",
    params: {
      realm: "https://auth.example.com/token",
      service: "registry.example.com",
      scope: "repository:samalba/my-app:pull,push",
      error: "insufficient_scope",
    },
  });
});

test("parses several challenges, unquoted values and escapes", () => {
  const challenges = parseChallenges(['Basic realm="a \\"quoted\\" realm", charset=UTF-8', "Bearer realm=https://t.example/token , service=reg"]);
  assert.deepEqual(challenges, [
    { scheme: "basic", params: { realm: 'a "quoted" realm', charset: "UTF-8" } },
    { scheme: "bearer", params: { realm: "https://t.example/token", service: "reg" } },
  ]);
  assert.equal(preferredChallenge(challenges)?.scheme, "bearer");
  assert.deepEqual(
    parseChallenges('Basic realm="x", Bearer realm="y"').map((c) => c.scheme),
    ["basic", "bearer"],
  );
});

test("nothing to answer when the header is absent or a Bearer has no realm", () => {
  assert.deepEqual(parseChallenges(undefined), []);
  assert.equal(preferredChallenge(parseChallenges("Bearer service=x")), undefined);
});
