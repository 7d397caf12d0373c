import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { HttpTransport, RegistryClient } from "../../provider/clients/oci";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { QuirkyRegistry, QuirkyRegistryOptions, startQuirkyRegistry } from "../support/quirky-registry";
import { RegistryRequest, RegistryServer, startRegistry } from "../support/registry-server";

/**
 * What a cold copy costs per new blob and per new image, counted in the registries' access
 * logs, and that the mount which stands in for the blob HEAD never costs a blob: a registry
 * that ignores mounts (202 for everything) or refuses them (405) still ends up with every
 * blob, and blobs a repository already holds are not uploaded to it again.
 */

let source: RegistryServer;
let destination: RegistryServer;
let images: SmallImage[];
let other: SmallImage;
const transport = new HttpTransport();

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  images = [
    await pushSmallImage(source, "apps/api:1", undefined, "1"),
    await pushSmallImage(source, "apps/api:2", undefined, "2"),
    await pushSmallImage(source, "apps/api:3", undefined, "3"),
  ];
  other = await pushSmallImage(source, "apps/other:1", undefined, "other");
});
after(() => Promise.all([source?.stop(), destination?.stop(), transport.close()]));

function distinctBlobs(...pushed: SmallImage[]): { digest: string; size: number }[] {
  return [...new Map(pushed.flatMap((image) => image.blobs).map((blob) => [blob.digest, blob])).values()];
}

function blobsLacking(blobs: { digest: string; size: number }[], held: SmallImage): { digest: string; size: number }[] {
  const digests = new Set(held.blobs.map((blob) => blob.digest));
  return blobs.filter((blob) => !digests.has(blob.digest));
}

const sizeOf = (blobs: { size: number }[]) => blobs.reduce((sum, blob) => sum + blob.size, 0);
const isBlobHead = (r: RegistryRequest) => r.method === "HEAD" && /\/blobs\/sha256:/.test(r.path);
const isUploadStart = (r: RegistryRequest) => r.method === "POST" && r.path.includes("/blobs/uploads/");
const isUploadPut = (r: RegistryRequest) => r.method === "PUT" && r.path.includes("/blobs/uploads/");
const isBlobGet = (r: RegistryRequest) => r.method === "GET" && /\/blobs\/sha256:/.test(r.path);
const count = (requests: RegistryRequest[], predicate: (r: RegistryRequest) => boolean) => requests.filter(predicate).length;

test("a cold copy costs three requests per new blob and, past a repository's first tag, no HEAD per image", async () => {
  source.clearRequests();
  destination.clearRequests();
  const report = await runSync({ images: { [`${source.host}/apps/api`]: `${destination.host}/cold/api` } });
  assert.equal(report.counts.synced, 3, JSON.stringify(report.results));
  const blobs = distinctBlobs(...images);
  const [at, from] = [destination.requests(), source.requests()];
  assert.equal(count(at, isBlobHead), 0, "no blob HEAD: the repository was empty, a mount asks instead");
  assert.equal(count(at, isUploadStart), blobs.length, "one POST per new blob, a mount that opened the session");
  assert.ok(
    at.filter(isUploadStart).every((r) => r.status === 202 && r.path.includes("mount=")),
    "every POST was a mount answered with a session",
  );
  assert.equal(count(at, isUploadPut), blobs.length, "one PUT per new blob");
  assert.equal(count(from, isBlobGet), blobs.length, "one GET per new blob");
  assert.equal(
    count(at, (r) => r.method === "HEAD" && r.path.includes("/manifests/")),
    1,
    "one manifest HEAD: the repository's first tag, which found it empty",
  );
  assert.equal(
    count(at, (r) => r.path.includes("/tags/list")),
    1,
    "then one tag list instead of a HEAD per tag",
  );
  assert.equal(
    count(from, (r) => r.method === "HEAD"),
    0,
    "the source is read, not HEADed, for images the destination lacks",
  );
  assert.equal(
    count(from, (r) => r.method === "GET" && r.path.includes("/manifests/")),
    images.length,
  );
  const client = new RegistryClient({ host: destination.host, transport });
  for (const image of images) assert.equal((await client.headManifest("cold/api", image.ref.split(":")[1]))?.digest, image.digest);

  // A no-op stays at two HEADs a tag: the first HEAD finds its tag, so no listing is read.
  source.clearRequests();
  destination.clearRequests();
  const again = await runSync({ images: { [`${source.host}/apps/api`]: `${destination.host}/cold/api` } });
  assert.equal(again.counts.skipped, 3);
  assert.deepEqual(
    destination
      .requests()
      .filter((r) => r.path !== "/v2/")
      .map((r) => r.method),
    ["HEAD", "HEAD", "HEAD"],
  );
  assert.equal(
    count(source.requests(), (r) => r.method === "HEAD"),
    3,
  );
});

async function withQuirkyRegistry(options: QuirkyRegistryOptions, work: (registry: QuirkyRegistry) => Promise<void>): Promise<void> {
  const registry = await startQuirkyRegistry(options);
  try {
    await work(registry);
  } finally {
    await registry.stop();
  }
}

async function assertHolds(registry: QuirkyRegistry, repository: string, pushed: SmallImage[]): Promise<void> {
  const client = new RegistryClient({ host: registry.backend.host, transport });
  for (const blob of distinctBlobs(...pushed)) assert.equal(await client.hasBlob(repository, blob.digest), true, `${repository} holds ${blob.digest}`);
  for (const image of pushed) assert.equal((await client.headManifest(repository, image.ref.split(":")[1]))?.digest, image.digest);
}

for (const mounts of ["ignore", "refuse"] as const) {
  const how = mounts === "refuse" ? "refuses mounts (405)" : "ignores mounts (202 whatever it holds)";
  test(`a registry that ${how} gets every blob, and no blob its repository holds is uploaded again`, async () => {
    await withQuirkyRegistry({ mounts }, async (registry) => {
      // Cold, into two repositories sharing the base layer: the mount between them is answered with a session (or refused), which must still carry the blob.
      const cold = await runSync({
        images: { [`${source.host}/apps/api:1`]: `${registry.host}/dr/api`, [`${source.host}/apps/other:1`]: `${registry.host}/dr/other` },
      });
      assert.equal(cold.counts.synced, 2, JSON.stringify(cold.results));
      assert.ok(registry.ignoredMounts() > 0, "mounts were sent");
      await assertHolds(registry, "dr/api", [images[0]]);
      await assertHolds(registry, "dr/other", [other]);

      // Then the rest of apps/api into dr/api, which holds image 1: a mount answered 202 cannot tell a held blob from a missing one, so HEADs decide.
      registry.backend.clearRequests();
      const rest = await runSync({ images: { [`${source.host}/apps/api`]: `${registry.host}/dr/api` } });
      assert.equal(rest.counts.synced, 2, JSON.stringify(rest.results));
      assert.equal(rest.counts.skipped, 1);
      const fresh = blobsLacking(distinctBlobs(images[1], images[2]), images[0]);
      assert.ok(fresh.length < distinctBlobs(images[1], images[2]).length, "the fixture shares a layer with the image already there");
      assert.equal(count(registry.backend.requests(), isUploadPut), fresh.length, "only blobs dr/api lacked were uploaded");
      assert.equal(rest.stats.bytesUploaded, sizeOf(fresh));
      await assertHolds(registry, "dr/api", images);

      // One image at a time: apps/other into a new repository, which places the shared base layer there first, then apps/api:1
      // into dr/other (its tag 1 replaced), which holds the base layer: the mount from dr/fresh opens a session, and a HEAD finds the layer held.
      registry.backend.clearRequests();
      const across = await runSync(
        { images: { [`${source.host}/apps/other:1`]: `${registry.host}/dr/fresh`, [`${source.host}/apps/api:1`]: `${registry.host}/dr/other` } },
        { proc: 1 },
      );
      assert.equal(across.counts.synced, 2, JSON.stringify(across.results));
      const lacked = blobsLacking(images[0].blobs, other);
      assert.equal(
        count(
          registry.backend.requests().filter((r) => r.path.startsWith("/v2/dr/other/")),
          isUploadPut,
        ),
        lacked.length,
        "only blobs dr/other lacked were uploaded into it",
      );
      assert.equal(across.stats.bytesUploaded, sizeOf([...lacked, ...other.blobs]));
      await assertHolds(registry, "dr/fresh", [other]);
      await assertHolds(registry, "dr/other", [images[0]]);
    });
  });
}

test("once a host has answered a mount with 201, a mount stands in for the blob HEAD in repositories with content too", async () => {
  const target = await startRegistry();
  const client = new RegistryClient({ host: target.host, transport });
  try {
    await runSync({ images: { [`${source.host}/apps/api:1`]: `${target.host}/warm/api` } });
    target.clearRequests();
    // One image at a time, in order: apps/other goes to two new repositories, the second by mounts (201) from the first; then apps/api into the repository that holds tag 1.
    const report = await runSync(
      {
        images: {
          [`${source.host}/apps/other:1`]: [`${target.host}/warm/other`, `${target.host}/warm/other-copy`],
          [`${source.host}/apps/api`]: `${target.host}/warm/api`,
        },
      },
      { proc: 1 },
    );
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
    const intoApi = target.requests().filter((r) => r.path.startsWith("/v2/warm/api/blobs/"));
    assert.equal(count(intoApi, isBlobHead), 0, "no blob HEAD once the host is known to mount");
    const fresh = blobsLacking(distinctBlobs(images[1], images[2]), images[0]);
    assert.equal(count(intoApi, isUploadPut), fresh.length, "only the blobs warm/api lacked were uploaded into it");
    assert.ok(intoApi.filter(isUploadStart).every((r) => r.path.includes("mount=")));
    for (const image of images) assert.equal((await client.headManifest("warm/api", image.ref.split(":")[1]))?.digest, image.digest);
    for (const blob of distinctBlobs(...images)) assert.equal(await client.hasBlob("warm/api", blob.digest), true);
  } finally {
    await target.stop();
  }
});

test("a destination that refuses its tag lists is asked with a HEAD per tag and a HEAD per blob, as before", async () => {
  await withQuirkyRegistry({ tagLists: "refuse" }, async (registry) => {
    const report = await runSync({ images: { [`${source.host}/apps/api`]: `${registry.host}/listless/api` } });
    assert.equal(report.counts.synced, 3, JSON.stringify(report.results));
    const at = registry.backend.requests();
    assert.equal(
      count(at, (r) => r.method === "HEAD" && r.path.includes("/manifests/")),
      images.length,
      "one HEAD per tag",
    );
    assert.equal(count(at, isBlobHead), distinctBlobs(...images).length, "one HEAD per blob: nothing says the repository was empty");
    await assertHolds(registry, "listless/api", images);
  });
});
