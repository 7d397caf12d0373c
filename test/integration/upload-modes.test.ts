import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { digestOf, HttpTransport, RegistryClient } from "../../provider/clients/oci";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/** Chunked uploads, and the mount request a registry answers with an upload session (202). */

let source: RegistryServer;
let destination: RegistryServer;
let image: SmallImage;
const transport = new HttpTransport();

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  image = await pushSmallImage(source, "chunky/app:1.0");
});
after(async () => Promise.all([source?.stop(), destination?.stop(), transport.close()]));

test("blobs larger than the chunk size go up in PATCH chunks with Content-Range; digests hold", async () => {
  const chunkSize = 16 * 1024;
  const report = await runSync({ images: { [`${source.host}/chunky/app:1.0`]: `${destination.host}/chunked/app` } }, { chunkSize });
  assert.equal(report.counts.synced, 1, report.results[0].error);
  const patches = destination.requests().filter((r) => r.method === "PATCH");
  const largest = Math.max(...image.blobs.map((b) => b.size));
  assert.ok(largest > 2 * chunkSize, "the fixture has a layer spanning several chunks");
  assert.ok(patches.length >= Math.ceil(largest / chunkSize), `${patches.length} PATCH requests`);
  assert.equal(await manifestDigest(`docker://${destination.host}/chunked/app:1.0`), image.digest);
});

test("a mount the registry cannot satisfy opens an upload session that carries the blob", async () => {
  const client = new RegistryClient({ host: destination.host, transport });
  const bytes = Buffer.from("a blob no repository holds yet");
  const digest = digestOf(bytes);
  const started = await client.startUpload("mount/target", { digest, from: "mount/absent" });
  assert.equal(started.mounted, false);
  assert.ok(!started.mounted && started.uploadUrl instanceof URL);
  if (!started.mounted) await client.putBlob("mount/target", started.uploadUrl, digest, bytes.length, Readable.from([bytes]));
  assert.equal(await client.hasBlob("mount/target", digest), true);
  const again = await client.startUpload("mount/other", { digest, from: "mount/target" });
  assert.equal(again.mounted, true, "now mountable: 201");
});

test("the registry refuses a blob whose bytes do not match the digest, and nothing is stored", async () => {
  const client = new RegistryClient({ host: destination.host, transport });
  const digest = digestOf(Buffer.from("expected"));
  const started = await client.startUpload("mount/bad");
  assert.ok(!started.mounted);
  if (!started.mounted) {
    await assert.rejects(client.putBlob("mount/bad", started.uploadUrl, digest, 8, Buffer.from("tampered")), /DIGEST_INVALID/);
  }
  assert.equal(await client.hasBlob("mount/bad", digest), false);
});
