import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { after, test } from "node:test";
import { gunzipSync } from "node:zlib";
import { makeSelfSignedCert } from "../support/certs";
import { addTags, buildLargeLayerImage, planStandardFixture, pushImage, pushSmallImage, seedStandardFixture, smallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { sha256, writeLayerFile } from "../support/layers";
import { buildImage, buildIndex } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { send } from "../support/registry-http";
import { parseAccessLog, RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest, rawManifest, skopeoCopy } from "../support/skopeo";
import { TokenClaims, TokenSigner } from "../support/jwt";
import { startTokenServer, TokenServer } from "../support/token-server";

/**
 * The test bed checked on its own: every registry variant starts, takes the fixtures with
 * their computed digests intact (as skopeo sees them), and enforces what it is meant to.
 * If these fail, the other integration tests' failures say nothing about registry-dr.
 */

const stoppers: (() => Promise<void>)[] = [];
after(async () => {
  await Promise.all(stoppers.map((stop) => stop()));
});

async function registry(...args: Parameters<typeof startRegistry>): Promise<RegistryServer> {
  const started = await startRegistry(...args);
  stoppers.push(started.stop);
  return started;
}

async function tokenServer(...args: Parameters<typeof startTokenServer>): Promise<TokenServer> {
  const started = await startTokenServer(...args);
  stoppers.push(started.stop);
  return started;
}

const basicHeader = (creds: string) => `Basic ${Buffer.from(creds).toString("base64")}`;

test("fixtures are reproducible: pinned tar digests, streamed layers equal in-memory ones, layers are real gzip tars", async () => {
  const [first, second] = [planStandardFixture(), planStandardFixture()];
  const digests = (plan: typeof first) => plan.flatMap((repo) => repo.tags.map((tag) => `${repo.name}:${tag.tag}@${tag.artifact.digest}`));
  assert.deepEqual(digests(first), digests(second));
  assert.deepEqual(
    first.map((repo) => [repo.name, repo.tags.length]),
    [
      ["library/alpine-like", 2],
      ["apps/web", 3],
      ["multi/oci-index", 1],
      ["multi/docker-list", 1],
      ["many/tags", 120],
    ],
  );
  const image = smallImage();
  // The uncompressed tars depend on this code alone (the gzip bytes also on node's zlib).
  assert.deepEqual(
    image.layers.map((layer) => layer.diffId),
    ["sha256:8966bd81b49a522dc8506a12784e712fa32f0089270c97c79004b18e6d62b577", "sha256:f7fd251bc035763460aca6b4155da03f9bf727ff003012dda4002b465f2c837c"],
  );
  assert.ok("bytes" in image.config.content);
  const config = JSON.parse(image.config.content.bytes.toString()) as { rootfs: { diff_ids: string[] }; architecture: string; os: string };
  assert.deepEqual([config.os, config.architecture], ["linux", "amd64"]);
  for (const [i, layer] of image.layers.entries()) {
    assert.ok("bytes" in layer.content);
    const tar = gunzipSync(layer.content.bytes);
    assert.equal(sha256(tar), layer.diffId);
    assert.equal(config.rootfs.diff_ids[i], layer.diffId);
    assert.equal(tar.subarray(257, 262).toString(), "ustar");
    assert.equal(sha256(layer.content.bytes), layer.digest);
  }
  const dir = makeTempDir("registry-dr-layer-test-");
  try {
    const streamed = await writeLayerFile({ seed: "small/app", size: 100 * 1024 }, dir, 1);
    assert.equal(streamed.digest, image.layers[1].digest, "streaming at the same gzip level gives the same bytes");
    assert.equal(streamed.diffId, image.layers[1].diffId);
  } finally {
    await removeTempDir(dir);
  }
});

test("plain registry: OCI and Docker images, an OCI index and a Docker list keep their digests; the access log is parsed", async () => {
  const plain = await registry();
  assert.match(plain.host, /^127\.0\.0\.1:\d+$/);
  assert.equal(plain.url, `http://${plain.host}`);
  assert.deepEqual(plain.requests(), [], "the readiness probe's requests are not reported");
  const fixture = await seedStandardFixture(plain, { parts: ["shared-base", "multi-arch"] });
  for (const repo of fixture.repos) {
    for (const tag of repo.tags) assert.equal(await manifestDigest(`docker://${plain.host}/${repo.name}:${tag.tag}`), tag.digest, `${repo.name}:${tag.tag}`);
  }
  const mediaTypes = fixture.repos.flatMap((repo) => repo.tags.map((tag) => tag.mediaType));
  for (const type of [
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
  ]) {
    assert.ok(mediaTypes.includes(type), `fixture has a ${type}`);
  }
  const list = JSON.parse((await rawManifest(`docker://${plain.host}/multi/docker-list:1.0`)).toString()) as {
    mediaType: string;
    manifests: { digest: string; platform: { architecture: string } }[];
  };
  assert.equal(list.mediaType, "application/vnd.docker.distribution.manifest.list.v2+json");
  assert.deepEqual(
    list.manifests.map((m) => m.platform.architecture),
    ["amd64", "arm64"],
  );
  for (const child of list.manifests) assert.equal(await manifestDigest(`docker://${plain.host}/multi/docker-list@${child.digest}`), child.digest);
  const index = fixture.images.find((image) => image.ref === "multi/oci-index:1.0");
  assert.deepEqual(
    index?.children?.map((c) => c.platform),
    [
      { os: "linux", architecture: "amd64" },
      { os: "linux", architecture: "arm64" },
      { os: "linux", architecture: "arm", variant: "v7" },
    ],
  );

  // The two repositories share the base layer: the fixture counts it once.
  const baseShared = fixture.images
    .filter((image) => image.ref.startsWith("library/") || image.ref.startsWith("apps/"))
    .map((image) => new Set(image.blobs.map((b) => b.digest)));
  const common = [...baseShared[0]].filter((digest) => baseShared.every((set) => set.has(digest)));
  assert.equal(common.length, 1, "one base layer in every alpine-like and web image");
  const distinct = new Map(fixture.images.flatMap((image) => image.blobs.map((b) => [b.digest, b.size] as const)));
  assert.equal(
    fixture.uniqueBlobBytes,
    [...distinct.values()].reduce((a, b) => a + b, 0),
  );

  plain.clearRequests();
  assert.deepEqual(plain.requests(), []);
  await rawManifest(`docker://${plain.host}/apps/web:1.0`);
  const seen = plain.requests();
  assert.ok(
    seen.some((r) => r.method === "GET" && r.path === "/v2/apps/web/manifests/1.0" && r.status === 200),
    JSON.stringify(seen),
  );
  const missing = await send({ method: "GET", url: `${plain.url}/v2/apps/web/tags/list?n=1&last=0` });
  assert.equal(missing.status, 200);
  assert.ok(
    plain.requests().some((r) => r.path === "/v2/apps/web/tags/list?n=1&last=0" && r.status === 200),
    "query strings are kept",
  );
});

test("many/tags: 120 tags across 40 manifests; paginateTags serves them in Link-chained pages", async (t) => {
  const paged = await registry({ paginateTags: true });
  // Seeding goes through the proxy too: uploads and manifest PUTs pass it untouched.
  const fixture = await seedStandardFixture(paged, { parts: ["many-tags"] });
  t.diagnostic(`many/tags seeded in ${(fixture.seedMs / 1000).toFixed(1)} s`);
  const repo = fixture.repos[0];
  assert.equal(repo.name, "many/tags");
  assert.equal(repo.tags.length, 120);
  assert.equal(new Set(repo.tags.map((t) => t.digest)).size, 40);
  assert.deepEqual(
    (await listTags(`docker://${paged.host}/many/tags`)).sort(),
    repo.tags.map((t) => t.tag),
  );
  for (const tag of ["t000", "t001", "t059", "t119"]) {
    assert.equal(await manifestDigest(`docker://${paged.host}/many/tags:${tag}`), repo.tags.find((t) => t.tag === tag)?.digest);
  }

  paged.clearRequests();
  const pages: string[][] = [];
  for (let path: string | undefined = "/v2/many/tags/tags/list?n=50"; path; ) {
    const page = await send({ method: "GET", url: `${paged.url}${path}` });
    assert.equal(page.status, 200);
    pages.push((JSON.parse(page.body.toString()) as { tags: string[] }).tags);
    path = /<([^>]+)>;\s*rel="next"/.exec(String(page.headers.link ?? ""))?.[1];
  }
  assert.deepEqual(
    pages.map((p) => p.length),
    [50, 50, 20],
  );
  assert.deepEqual(
    pages.flat(),
    repo.tags.map((t) => t.tag),
  );
  assert.deepEqual(
    paged.requests().map((r) => r.path),
    ["/v2/many/tags/tags/list?n=50", "/v2/many/tags/tags/list?n=50&last=t049", "/v2/many/tags/tags/list?n=50&last=t099"],
  );
});

test("distribution 2.8 itself ignores n on tag lists, and lists tags in no particular order (why paginateTags exists)", async () => {
  const plain = await registry();
  await seedStandardFixture(plain, { parts: ["shared-base"] });
  const page = await send({ method: "GET", url: `${plain.url}/v2/apps/web/tags/list?n=1` });
  assert.equal(page.status, 200);
  assert.equal(page.headers.link, undefined);
  assert.deepEqual((JSON.parse(page.body.toString()) as { tags: string[] }).tags.sort(), ["1.0", "1.1", "2.0"]);
});

test("htpasswd registry: Basic credentials are required and checked", async () => {
  const users = { robot$ci: "pa$$w0rd" };
  const basic = await registry({ auth: { kind: "htpasswd", users } });
  const image = await pushSmallImage(basic, "team/app:1.0", "robot$ci:pa$$w0rd");
  assert.equal(await manifestDigest(`docker://${basic.host}/team/app:1.0`, "robot$ci:pa$$w0rd"), image.digest);
  await addTags(basic, "team/app", ["latest"], smallImage(), "robot$ci:pa$$w0rd");
  assert.equal(await manifestDigest(`docker://${basic.host}/team/app:latest`, "robot$ci:pa$$w0rd"), image.digest);
  await assert.rejects(manifestDigest(`docker://${basic.host}/team/app:1.0`, "robot$ci:wrong"), /unauthorized|authentication required/i);
  await assert.rejects(manifestDigest(`docker://${basic.host}/team/app:1.0`), /unauthorized|authentication required/i);
  const ping = await send({ method: "GET", url: `${basic.url}/v2/` });
  assert.equal(ping.status, 401);
  assert.match(String(ping.headers["www-authenticate"]), /^Basic realm=/);
  const authed = await send({ method: "GET", url: `${basic.url}/v2/`, headers: { authorization: basicHeader("robot$ci:pa$$w0rd") } });
  assert.equal(authed.status, 200);
});

for (const keyHeader of ["x5c", "kid"] as const) {
  test(`token registry (JWT key named by ${keyHeader}): tokens from the token server are accepted, wrong credentials and forged tokens are not`, async () => {
    const tokens = await tokenServer({ users: { pusher: "s3cret-push" }, keyHeader });
    const bearer = await registry({ auth: { kind: "token", tokenServer: tokens } });
    const fixture = await seedStandardFixture(bearer, { parts: ["shared-base"], creds: "pusher:s3cret-push" });
    for (const repo of fixture.repos) {
      for (const tag of repo.tags) assert.equal(await manifestDigest(`docker://${bearer.host}/${repo.name}:${tag.tag}`, "pusher:s3cret-push"), tag.digest);
    }
    await addTags(bearer, "apps/web", ["stable"], planStandardFixture(1, ["shared-base"])[1].tags[2].artifact, "pusher:s3cret-push");
    assert.equal(await manifestDigest(`docker://${bearer.host}/apps/web:stable`, "pusher:s3cret-push"), fixture.repos[1].tags[2].digest);
    assert.ok(tokens.requests().every((r) => r.status === 200 && r.account === "pusher"));
    assert.ok(
      tokens.requests().some((r) => r.scopes.includes("repository:apps/web:pull,push")),
      JSON.stringify(tokens.requests()),
    );

    tokens.clearRequests();
    await assert.rejects(manifestDigest(`docker://${bearer.host}/apps/web:1.0`, "pusher:wrong"), /incorrect username or password/);
    await assert.rejects(manifestDigest(`docker://${bearer.host}/apps/web:1.0`, "nobody:s3cret-push"), /incorrect username or password/);
    assert.deepEqual(
      tokens.requests().map((r) => [r.account, r.status]),
      [
        ["pusher", 401],
        ["nobody", 401],
      ],
    );
    // Anonymous: a token with no access (200), which the registry then refuses.
    await assert.rejects(manifestDigest(`docker://${bearer.host}/apps/web:1.0`), /denied|unauthorized/i);

    const challenge = await send({ method: "GET", url: `${bearer.url}/v2/apps/web/manifests/1.0` });
    assert.equal(challenge.status, 401);
    assert.equal(challenge.headers["www-authenticate"], `Bearer realm="${tokens.realm}",service="${tokens.service}",scope="repository:apps/web:pull"`);
    const issued = await send({
      method: "GET",
      url: `${tokens.realm}?service=${tokens.service}&scope=repository:apps/web:pull`,
      headers: { authorization: basicHeader("pusher:s3cret-push") },
    });
    const body = JSON.parse(issued.body.toString()) as { token: string; access_token: string; expires_in: number; issued_at: string };
    assert.equal(body.token, body.access_token);
    assert.equal(body.expires_in, 300);
    const [headerPart, claimsPart] = body.token.split(".");
    const header = JSON.parse(Buffer.from(headerPart, "base64url").toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(claimsPart, "base64url").toString()) as TokenClaims;
    assert.equal(header.alg, "RS256");
    assert.ok(keyHeader === "x5c" ? Array.isArray(header.x5c) : typeof header.kid === "string");
    assert.deepEqual(claims.access, [{ type: "repository", name: "apps/web", actions: ["pull"] }]);
    assert.equal(claims.aud, tokens.service);
    const accepted = await send({
      method: "GET",
      url: `${bearer.url}/v2/apps/web/manifests/1.0`,
      headers: { authorization: `Bearer ${body.token}`, accept: "application/vnd.oci.image.manifest.v1+json" },
    });
    assert.equal(accepted.status, 200);

    // The same claims signed by a key the registry does not trust.
    const rogueDir = makeTempDir("registry-dr-rogue-");
    try {
      const rogue = await makeSelfSignedCert(rogueDir, { commonName: "rogue-issuer" });
      const forged = new TokenSigner(readFileSync(rogue.keyPath), readFileSync(rogue.certPath), keyHeader).sign(claims);
      const refused = await send({ method: "GET", url: `${bearer.url}/v2/apps/web/manifests/1.0`, headers: { authorization: `Bearer ${forged}` } });
      assert.equal(refused.status, 401);
    } finally {
      await removeTempDir(rogueDir);
    }
  });
}

test("token server with anonymousPull: anonymous clients pull but cannot push", async () => {
  const tokens = await tokenServer({ users: { pusher: "pw" }, anonymousPull: true });
  const bearer = await registry({ auth: { kind: "token", tokenServer: tokens } });
  const image = await pushSmallImage(bearer, "open/app:1", "pusher:pw");
  assert.equal(await manifestDigest(`docker://${bearer.host}/open/app:1`), image.digest);
  await assert.rejects(pushSmallImage(bearer, "open/anonymous:1"), /denied|unauthorized/i);
  assert.ok(tokens.requests().some((r) => r.account === undefined && r.status === 200));
});

test("TLS registry: HTTPS with a self-signed certificate for 127.0.0.1", async () => {
  const tls = await registry({ tls: true });
  assert.equal(tls.url, `https://${tls.host}`);
  assert.ok(tls.caCertPath && existsSync(tls.caCertPath));
  const image = await pushSmallImage(tls, "secure/app:1.0");
  assert.equal(await manifestDigest(`docker://${tls.host}/secure/app:1.0`), image.digest);
  const ca = readFileSync(tls.caCertPath);
  assert.equal((await send({ method: "GET", url: `${tls.url}/v2/`, ca })).status, 200, "trusted with the certificate as CA");
  await assert.rejects(new Promise((resolve, reject) => httpsGet(`${tls.url}/v2/`, resolve).on("error", reject)), /self[- ]signed/i, "untrusted without it");
});

test("redirecting registry: blob GETs answer 307 to another loopback host that serves the bytes and refuses credentials", async () => {
  const redirecting = await registry({ auth: { kind: "htpasswd", users: { u: "p" } }, redirectBlobs: true });
  const image = await pushSmallImage(redirecting, "team/app:1.0", "u:p");
  const layer = smallImage().layers[1];
  assert.ok("bytes" in layer.content);
  redirecting.clearRequests();
  const answer = await send({ method: "GET", url: `${redirecting.url}/v2/team/app/blobs/${layer.digest}`, headers: { authorization: basicHeader("u:p") } });
  assert.equal(answer.status, 307);
  const location = new URL(String(answer.headers.location));
  assert.equal(location.hostname, "127.0.0.2");
  assert.equal(location.origin, redirecting.blobBaseUrl);
  assert.equal(location.pathname, `/docker/registry/v2/blobs/sha256/${layer.digest.slice(7, 9)}/${layer.digest.slice(7)}/data`);
  assert.deepEqual(redirecting.requests(), [{ method: "GET", path: `/v2/team/app/blobs/${layer.digest}`, status: 307 }]);

  const fetched = await send({ method: "GET", url: location.toString() });
  assert.equal(fetched.status, 200);
  assert.ok(fetched.body.equals(layer.content.bytes));
  const ranged = await send({ method: "GET", url: location.toString(), headers: { range: "bytes=10-19" } });
  assert.equal(ranged.status, 206);
  assert.ok(ranged.body.equals(layer.content.bytes.subarray(10, 20)));
  assert.deepEqual(redirecting.redirectViolations(), []);

  // skopeo follows the redirect without credentials.
  const copyDir = makeTempDir("registry-dr-pull-");
  try {
    await skopeoCopy(`docker://${redirecting.host}/team/app:1.0`, `dir:${copyDir}/image`, { srcCreds: "u:p" });
  } finally {
    await removeTempDir(copyDir);
  }
  assert.deepEqual(redirecting.redirectViolations(), []);
  assert.ok(image.blobs.length === 3);

  const leaked = await send({ method: "GET", url: location.toString(), headers: { authorization: basicHeader("u:p") } });
  assert.equal(leaked.status, 400);
  assert.equal(redirecting.redirectViolations().length, 1);
  assert.match(redirecting.redirectViolations()[0], /^GET \/docker\/registry\/v2\/blobs\/.* carried an Authorization header/);
});

test("a large layer is streamed to disk, is a valid gzip tar, and keeps its digest through a push", async () => {
  const plain = await registry();
  const dir = makeTempDir("registry-dr-large-test-");
  try {
    const image = await buildLargeLayerImage(3 * 1024 * 1024 + 5, dir);
    const layer = image.layers[0];
    assert.ok("path" in layer.content);
    const gz = readFileSync(layer.content.path);
    assert.equal(sha256(gz), layer.digest);
    assert.equal(gz.length, layer.size);
    assert.equal(sha256(gunzipSync(gz)), layer.diffId);
    const pushed = await pushImage(plain, "large/layer:1", image);
    assert.equal(await manifestDigest(`docker://${plain.host}/large/layer:1`), pushed.digest);
  } finally {
    await removeTempDir(dir);
  }
});

test("an OCI index refuses Docker images", async () => {
  assert.throws(() => buildIndex({ format: "oci", images: [buildImage({ format: "docker", layers: [{ seed: "x", size: 10 }] })] }), /cannot hold/);
});

test("stop() kills the registry, frees its port and removes its storage", async () => {
  const plain = await startRegistry({ redirectBlobs: true });
  const { rootDir } = plain;
  assert.ok(existsSync(rootDir));
  await plain.stop();
  await plain.stop(); // idempotent
  assert.ok(!existsSync(rootDir));
  await assert.rejects(send({ method: "GET", url: `${plain.url}/v2/` }), /ECONNREFUSED/);
});

test("access-log parsing and free ports", async () => {
  const lines = [
    '127.0.0.1 - - [22/Nov/2026:23:58:29 +0000] "GET /v2/ HTTP/1.1" 200 2 "" "curl/7.88.1"',
    '127.0.0.1 - robot$ci [22/Nov/2026:23:58:30 +0000] "PUT /v2/a/b/blobs/uploads/x?digest=sha256%3Aab HTTP/1.1" 201 0 "" "skopeo"',
    "time=... level=info msg=not an access line",
  ];
  assert.deepEqual(parseAccessLog(lines.join("\n")), [
    { method: "GET", path: "/v2/", status: 200 },
    { method: "PUT", path: "/v2/a/b/blobs/uploads/x?digest=sha256%3Aab", status: 201 },
  ]);
  const port = await freePort();
  assert.ok(port > 0 && port < 65536);
  assert.ok((await freePort("127.0.0.2")) > 0);
});
