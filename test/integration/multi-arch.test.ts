import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync, runVerify } from "../../provider";
import { MediaType } from "../../provider/clients/oci";
import { useSeededRegistries } from "../support/seeded-registries";
import { manifestDigest, rawManifest } from "../support/skopeo";

/** OCI indexes and Docker manifest lists: copied whole with digests preserved, or filtered by platform. */

const bed = useSeededRegistries();

const digestOf = (repo: string, tag: string) => bed.fixture.repos.find((r) => r.name === repo)!.tags.find((t) => t.tag === tag)!.digest;

test("an OCI index and a Docker manifest list are copied whole, children first, digests preserved", async () => {
  const report = await runSync({
    images: {
      [`${bed.source.host}/multi/oci-index:1.0`]: `${bed.destination.host}/whole/oci-index`,
      [`${bed.source.host}/multi/docker-list:1.0`]: `${bed.destination.host}/whole/docker-list`,
    },
  });
  assert.equal(report.counts.failed, 0);
  for (const name of ["oci-index", "docker-list"]) {
    const ref = `docker://${bed.destination.host}/whole/${name}:1.0`;
    assert.equal(await manifestDigest(ref), digestOf(`multi/${name}`, "1.0"));
    const index = JSON.parse((await rawManifest(ref)).toString());
    for (const child of index.manifests) {
      assert.equal(await manifestDigest(`docker://${bed.destination.host}/whole/${name}@${child.digest}`), child.digest);
    }
  }
  const list = JSON.parse((await rawManifest(`docker://${bed.destination.host}/whole/docker-list:1.0`)).toString());
  assert.equal(list.mediaType, MediaType.dockerManifestList);
});

test("--arch keeps only matching platforms; verify agrees with the filtered digest", async () => {
  const platforms = { os: ["linux"], arch: ["arm64", "arm/v7"] };
  const images = { [`${bed.source.host}/multi/oci-index:1.0`]: `${bed.destination.host}/filtered/oci-index` };
  const report = await runSync({ images }, { platforms });
  assert.equal(report.counts.failed, 0);
  const index = JSON.parse((await rawManifest(`docker://${bed.destination.host}/filtered/oci-index:1.0`)).toString());
  assert.deepEqual(index.manifests.map((m: { platform: { architecture: string } }) => m.platform.architecture).sort(), ["arm", "arm64"]);
  assert.notEqual(report.results[0].digest, digestOf("multi/oci-index", "1.0"));
  const sourceIndex = JSON.parse((await rawManifest(`docker://${bed.source.host}/multi/oci-index:1.0`)).toString());
  const amd64 = sourceIndex.manifests.find((m: { platform: { architecture: string } }) => m.platform.architecture === "amd64");
  const head = await fetch(`${bed.destination.url}/v2/filtered/oci-index/manifests/${amd64.digest}`, {
    method: "HEAD",
    headers: { accept: MediaType.ociManifest },
  });
  assert.equal(head.status, 404, "the filtered-out platform was not copied");
  assert.equal((await runVerify({ images }, { platforms })).complete, true);
  assert.equal((await runSync({ images }, { platforms })).counts.skipped, 1, "the filtered copy is recognised as up to date");
});

test("a filter that matches nothing fails the image with the reason", async () => {
  const report = await runSync(
    { images: { [`${bed.source.host}/multi/docker-list:1.0`]: `${bed.destination.host}/none/docker-list` } },
    { platforms: { os: ["windows"], arch: [] } },
  );
  assert.equal(report.counts.failed, 1);
  assert.match(report.results[0].error!, /no entry of the multi-arch image matches os windows/);
});
