import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { buildLargeLayerImage, pushImage } from "../support/fixtures";
import { ImageArtifact } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * Resumable transfers: a blob read cut off mid-body resumes with `Range` from where it broke,
 * while the upload it feeds carries on, so no byte is sent twice.
 */

const MiB = 1024 * 1024;
const BLOB_SIZE = 200 * MiB;

let source: RegistryServer;
let destination: RegistryServer;
let image: ImageArtifact;
let dir: string;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  dir = makeTempDir("registry-dr-resume-");
  image = await buildLargeLayerImage(BLOB_SIZE, dir);
  await pushImage(source, "big/app:1.0", image);
});

after(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
  if (dir) await removeTempDir(dir);
});

test("a 200 MiB blob cut twice mid-read resumes each time with Range: the bytes re-sent stay under one blob (none at all)", { timeout: 240_000 }, async () => {
  let proxy: FaultProxy | undefined;
  try {
    const layer = image.layers[0].digest;
    // Every read of the big layer is cut half-way, twice; the third gets through.
    proxy = await startFaultProxy(source.url, { seed: 7, faults: { reset: 1, maxPerRequest: 2, path: new RegExp(`/blobs/${layer}$`) } });
    source.clearRequests();
    const report = await runSync({ images: { [`${proxy.host}/big/app:1.0`]: `${destination.host}/big/app` } }, { retries: 0 });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    assert.equal(await manifestDigest(`docker://${destination.host}/big/app:1.0`), image.digest);

    const reads = source.requests().filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${layer}`));
    assert.deepEqual(
      reads.map((r) => r.status),
      [200, 206, 206],
      "one whole read, then two ranged reads from where each broke",
    );
    assert.equal(proxy.faultCounts().reset, 2, "the read was cut twice");
    const imageBytes = image.config.size + image.layers.reduce((sum, l) => sum + l.size, 0);
    const resent = report.stats.bytesUploaded - imageBytes;
    assert.ok(resent < BLOB_SIZE, `re-sent ${resent} bytes`);
    assert.equal(resent, 0, "the upload never restarted: the destination received each byte once");
  } finally {
    await proxy?.stop();
  }
});
