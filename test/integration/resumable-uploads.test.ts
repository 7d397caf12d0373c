import assert from "node:assert/strict";
import { createServer } from "node:http";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { runSync } from "../../provider";
import { HttpTransport, InvalidAnswerError, RegistryClient } from "../../provider/clients/oci";
import { FaultProxy, Faults, startFaultProxy } from "../support/fault-proxy";
import { buildLargeLayerImage, pushImage } from "../support/fixtures";
import { listenOnLoopback } from "../support/loopback-server";
import { ImageArtifact } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { ResumableUploadFront, startResumableUploadFront } from "../support/resumable-upload-front";
import { manifestDigest, skopeoCopy } from "../support/skopeo";

/**
 * Resumable uploads: a chunked upload whose connection breaks asks the session where it
 * stands and carries on from there where the registry keeps partial bytes (a front with
 * zot's behaviour, in front of a real registry), and starts over where it cannot
 * (distribution). The cuts come from a fault proxy between the engine and the destination.
 */

const MiB = 1024 * 1024;
const BLOB_SIZE = 200 * MiB;
const CHUNK_SIZE = 16 * MiB;
const CUTS = [70 * MiB, 140 * MiB];

let source: RegistryServer;
let big: ImageArtifact;
let small: ImageArtifact;
let dir: string;

before(async () => {
  source = await startRegistry();
  dir = makeTempDir("registry-dr-upload-resume-");
  [big, small] = await Promise.all([buildLargeLayerImage(BLOB_SIZE, dir), buildLargeLayerImage(6 * MiB, dir)]);
  await pushImage(source, "big/app:1.0", big);
  await pushImage(source, "small/app:1.0", small);
});

after(async () => {
  await source?.stop();
  if (dir) await removeTempDir(dir);
});

/** skopeo pulls the copy and checks every blob against its digest on the way. */
async function assertFaithfulCopy(ref: string, expected: ImageArtifact): Promise<void> {
  assert.equal(await manifestDigest(`docker://${ref}`), expected.digest);
  const target = join(dir, `pulled-${Math.random().toString(36).slice(2)}`);
  await skopeoCopy(`docker://${ref}`, `oci:${target}:copy`);
  await removeTempDir(target);
}

/** "POST 202, PATCH 202, PATCH reset, ...": the upload requests in order, for failure messages. */
function uploadTrail(proxy: FaultProxy): string {
  return proxy
    .requests()
    .filter((r) => r.path.includes("/blobs/uploads/"))
    .map((r) => `${r.method} ${r.fault ?? r.status}`)
    .join(", ");
}

/** A real registry, behind a resumable-upload front when `resumable`, behind a fault proxy; all stopped after `body`. */
async function withDestination<Resumable extends boolean>(
  options: { resumable: Resumable; faults: Faults; lieAboutOffsets?: number },
  body: (bed: { destination: RegistryServer; proxy: FaultProxy; front: Resumable extends true ? ResumableUploadFront : undefined }) => Promise<void>,
): Promise<void> {
  let destination: RegistryServer | undefined;
  let front: ResumableUploadFront | undefined;
  let proxy: FaultProxy | undefined;
  try {
    destination = await startRegistry();
    if (options.resumable) front = await startResumableUploadFront(destination.url);
    if (options.lieAboutOffsets !== undefined) front?.lieAboutOffsets(options.lieAboutOffsets);
    proxy = await startFaultProxy(front?.url ?? destination.url, { faults: options.faults });
    await body({ destination, proxy, front: front as Resumable extends true ? ResumableUploadFront : undefined });
  } finally {
    await proxy?.stop();
    await front?.stop();
    await destination?.stop();
  }
}

function imageBytes(image: ImageArtifact): number {
  return image.config.size + image.layers.reduce((sum, layer) => sum + layer.size, 0);
}

test("a 200 MiB chunked upload cut twice resumes each time from the offset the session reports: under one blob re-sent", { timeout: 300_000 }, async (t) => {
  await withDestination({ resumable: true, faults: { cutUploadsAt: CUTS } }, async ({ destination, front, proxy }) => {
    const report = await runSync({ images: { [`${source.host}/big/app:1.0`]: `${proxy.host}/big/app` } }, { retries: 0, chunkSize: CHUNK_SIZE });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    await assertFaithfulCopy(`${destination.host}/big/app:1.0`, big);

    assert.equal(proxy.faultCounts().reset, 2, "the upload was cut twice");
    const sent = proxy.uploadBytes();
    assert.ok(sent >= imageBytes(big), `sent ${sent} bytes`);
    const resent = sent - imageBytes(big);
    assert.ok(resent < BLOB_SIZE, `re-sent ${resent} bytes: less than one blob`);
    // A restart would re-send everything before each cut; a resume, only what was in flight
    // (a streamed chunk is never re-sent blindly on the broken connection).
    assert.ok(resent < CUTS.length * CHUNK_SIZE, `re-sent ${resent} bytes: less than a chunk a cut`);
    t.diagnostic(`sent ${sent} bytes for an image of ${imageBytes(big)}: ${(sent / imageBytes(big)).toFixed(3)}x`);

    const events = front.events();
    const probes = events.filter((e) => e.method === "GET");
    assert.deepEqual(
      probes.map((e) => e.status),
      [204, 204],
      "one status GET after each cut",
    );
    assert.equal(events.filter((e) => e.method === "PATCH" && e.status === 0).length, 2, "two PATCHes broke off mid-body");
    assert.ok(
      probes.every((probe) => probe.held > 0),
      "each resume continued a session that held bytes",
    );
    const sessions = new Set(events.filter((e) => e.method === "PATCH").map((e) => e.session));
    assert.equal(sessions.size, 1, "the layer went up in one session");
    // The registry behind the front received each blob in one monolithic PUT, never a PATCH.
    assert.equal(destination.requests().filter((r) => r.method === "PATCH").length, 0);
  });
});

test("without a chunk size (as the command and ImageSync run), a large blob goes up in streamed 64 MiB chunks and a cut resumes", {
  timeout: 300_000,
}, async () => {
  await withDestination({ resumable: true, faults: { cutUploadsAt: [CUTS[1]] } }, async ({ destination, front, proxy }) => {
    const report = await runSync({ images: { [`${source.host}/big/app:1.0`]: `${proxy.host}/big/app` } }, { retries: 0 });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    await assertFaithfulCopy(`${destination.host}/big/app:1.0`, big);
    const events = front.events();
    const patches = events.filter((e) => e.method === "PATCH" && e.status === 202);
    // 0-64 and 64-128 MiB, the chunk from 128 MiB cut at 140, then one from where the session stood to the end.
    assert.equal(patches.length, 3, `two whole chunks, then the rest after the resume: ${uploadTrail(proxy)}`);
    assert.equal(events.filter((e) => e.method === "PATCH" && e.status === 0).length, 1, "one PATCH broke off");
    assert.deepEqual(
      events.filter((e) => e.method === "GET").map((e) => e.status),
      [204],
      "one status GET after the cut",
    );
    assert.ok(proxy.uploadBytes() - imageBytes(big) < 64 * MiB, `re-sent ${proxy.uploadBytes() - imageBytes(big)} bytes: less than a chunk`);
  });
});

test("the same cuts against plain distribution: the session cannot be continued, so the blob is sent again whole, and the copy is right", {
  timeout: 300_000,
}, async () => {
  await withDestination({ resumable: false, faults: { cutUploadsAt: CUTS } }, async ({ destination, proxy }) => {
    const report = await runSync({ images: { [`${source.host}/big/app:1.0`]: `${proxy.host}/big/app` } }, { retries: 0, chunkSize: CHUNK_SIZE });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    await assertFaithfulCopy(`${destination.host}/big/app:1.0`, big);

    assert.equal(proxy.faultCounts().reset, 2, "the upload was cut twice");
    const sent = proxy.uploadBytes();
    assert.ok(sent > imageBytes(big) + CUTS[0], `sent ${sent} bytes: the blob went up again from zero`);
    const requests = proxy.requests();
    const probes = requests.filter((r) => r.method === "GET" && /\/blobs\/uploads\/[^/?]+/.test(r.path));
    assert.equal(probes.length, 2, "the session was asked after each cut");
    assert.ok(
      probes.every((probe) => probe.status === 404),
      `distribution no longer knows a session a broken PATCH wrote to: ${probes.map((p) => p.status)}`,
    );
    const sessionsOpened = requests.filter((r) => r.method === "POST" && /\/blobs\/uploads\/(\?|$)/.test(r.path) && r.status === 202).length;
    assert.equal(sessionsOpened, 1 + 3, "the config blob's session, and three for the layer: the first and one after each cut");
  });
});

test("a closing PUT that keeps failing asks the session: holding every byte, it is closed again without reading the blob twice", {
  timeout: 120_000,
}, async () => {
  // 503 to the closing PUT until the client's own retries are spent (1 + 3), then through.
  const layerHex = small.layers[0].digest.slice("sha256:".length);
  await withDestination(
    {
      resumable: true,
      faults: { methods: ["PUT"], path: new RegExp(`/blobs/uploads/[^/?]+\\?.*digest=sha256(:|%3A)${layerHex}`), error: 1, maxPerRequest: 4 },
    },
    async ({ destination, front, proxy }) => {
      source.clearRequests();
      const report = await runSync(
        { images: { [`${source.host}/small/app:1.0`]: `${proxy.host}/small/app` } },
        { retries: 0, chunkSize: MiB, transport: { retry: { baseDelayMs: 10 } } },
      );
      assert.equal(report.counts.synced, 1, report.results[0].error);
      await assertFaithfulCopy(`${destination.host}/small/app:1.0`, small);
      const probes = front.events().filter((e) => e.method === "GET");
      assert.deepEqual(
        probes.map((e) => [e.status, e.held]),
        [[204, small.layers[0].size]],
        "asked once, and the session held the whole layer",
      );
      assert.equal(proxy.faultCounts().error, 4);
      const layer = small.layers[0].digest;
      assert.equal(
        source.requests().filter((r) => r.method === "GET" && r.path.endsWith(`/blobs/${layer}`)).length,
        1,
        "the layer was read from the source once",
      );
    },
  );
});

test("a session that claims bytes it never received is caught by the digest check: the blob is sent again whole, before any manifest", {
  timeout: 120_000,
}, async () => {
  // The first cut lands in the first session (about 7 MiB in all), the second mid-chunk in the one after the refused digest.
  await withDestination(
    { resumable: true, faults: { cutUploadsAt: [2 * MiB + MiB / 2, 9 * MiB + MiB / 2] }, lieAboutOffsets: 4096 },
    async ({ destination, front, proxy }) => {
      const report = await runSync({ images: { [`${source.host}/small/app:1.0`]: `${proxy.host}/small/app` } }, { retries: 0, chunkSize: MiB });
      assert.equal(report.counts.synced, 1, report.results[0].error);
      await assertFaithfulCopy(`${destination.host}/small/app:1.0`, small);

      assert.equal(proxy.faultCounts().reset, 2);
      const events = front.events();
      assert.equal(
        events.filter((e) => e.method === "GET").length,
        1,
        "resumed once: after the refused digest, the second cut starts the blob over without asking",
      );
      assert.equal(
        new Set(events.filter((e) => e.method === "PATCH").map((e) => e.session)).size,
        3,
        "three sessions: resumed and refused, cut and dropped, whole",
      );
      const closings = events.filter((e) => e.method === "PUT");
      assert.deepEqual(
        closings.map((e) => e.status).filter((status) => status !== 201),
        [400],
        "the resumed session's digest was refused once",
      );
      const requests = proxy.requests();
      const refused = requests.findIndex((r) => r.method === "PUT" && r.status === 400);
      const manifests = requests.filter((r) => r.method === "PUT" && r.path.includes("/manifests/"));
      assert.equal(manifests.length, 1);
      assert.ok(refused >= 0 && manifests[0].seq > requests[refused].seq, "the manifest went up only after the blob was sent again and accepted");
    },
  );
});

test("a session claiming more bytes than were ever sent to it is not continued: the blob is sent again whole", { timeout: 120_000 }, async () => {
  // Cut half-way through the third 1 MiB chunk, the session then claims 2 MiB more: past the chunk's end.
  await withDestination({ resumable: true, faults: { cutUploadsAt: [2 * MiB + MiB / 2] }, lieAboutOffsets: 2 * MiB }, async ({ destination, front, proxy }) => {
    const report = await runSync({ images: { [`${source.host}/small/app:1.0`]: `${proxy.host}/small/app` } }, { retries: 0, chunkSize: MiB });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    await assertFaithfulCopy(`${destination.host}/small/app:1.0`, small);
    const events = front.events();
    assert.equal(events.filter((e) => e.method === "GET").length, 1, "the session was asked once");
    assert.deepEqual(
      events.filter((e) => e.method === "PUT" && e.status !== 201),
      [],
      "nothing was resumed onto the claim, so no digest was refused",
    );
    assert.equal(
      new Set(events.filter((e) => e.method === "PATCH").map((e) => e.session)).size,
      2,
      "the claimed session dropped, the blob sent whole in a new one",
    );
  });
});

test("cut in every attempt after its offsets proved wrong, the blob fails naming why, and no manifest is pushed", { timeout: 120_000 }, async () => {
  // A cut every 3 MiB: none of the blob's three attempts gets its 6 MiB through uncut.
  const cutUploadsAt = Array.from({ length: 16 }, (_, index) => 2 * MiB + MiB / 2 + index * 3 * MiB);
  await withDestination({ resumable: true, faults: { cutUploadsAt }, lieAboutOffsets: 4096 }, async ({ destination, front, proxy }) => {
    const report = await runSync({ images: { [`${source.host}/small/app:1.0`]: `${proxy.host}/small/app` } }, { retries: 0, chunkSize: MiB });
    assert.equal(report.counts.failed, 1, `uploads as the proxy saw them: ${uploadTrail(proxy)}`);
    const layer = small.layers[0].digest;
    assert.match(
      report.results[0].error ?? "",
      new RegExp(`upload of blob ${layer} to small/app broke off .* cannot be continued: this registry's offsets were found wrong before`),
    );
    assert.equal(proxy.requests().filter((r) => r.path.includes("/manifests/") && r.method === "PUT").length, 0, "no manifest pushed");
    assert.equal(front.events().filter((e) => e.method === "PUT" && e.status === 201 && e.held === small.layers[0].size).length, 0, "the layer never stored");
  });
});

test("an upload status answer is untrusted: its Range must be in the grammar and within the blob, its Location on the registry", async () => {
  const answers: Record<string, { status: number; headers: Record<string, string> }> = {
    "/v2/app/blobs/uploads/grammar": { status: 204, headers: { range: "bytes 0-99/100" } },
    "/v2/app/blobs/uploads/beyond": { status: 204, headers: { range: "0-4096" } },
    "/v2/app/blobs/uploads/elsewhere": { status: 204, headers: { range: "0-9", location: "http://attacker.example/v2/app/blobs/uploads/x" } },
    "/v2/app/blobs/uploads/good": { status: 204, headers: { range: "0-9", location: "/v2/app/blobs/uploads/next?_state=abc" } },
    "/v2/app/blobs/uploads/empty": { status: 204, headers: { range: "0-0" } },
  };
  const server = createServer((req, res) => {
    const answer = answers[req.url ?? ""];
    if (!answer) return void res.writeHead(404, { "content-type": "application/json" }).end('{"errors":[{"code":"BLOB_UPLOAD_UNKNOWN","message":"unknown"}]}');
    res.writeHead(answer.status, answer.headers).end();
  });
  const listening = await listenOnLoopback(server);
  const transport = new HttpTransport({ retry: { maxRetries: 0 } });
  try {
    const host = `127.0.0.1:${listening.port}`;
    const client = new RegistryClient({ host, transport });
    const session = (id: string) => new URL(`http://${host}/v2/app/blobs/uploads/${id}`);
    await assert.rejects(
      client.uploadStatus("app", session("grammar"), 100),
      (error: Error) => error instanceof InvalidAnswerError && /invalid Range "bytes 0-99\/100".*expected 0-<last byte held>/.test(error.message),
    );
    await assert.rejects(
      client.uploadStatus("app", session("beyond"), 1000),
      (error: Error) => error instanceof InvalidAnswerError && /claims 4097 bytes of a 1000-byte blob/.test(error.message),
    );
    await assert.rejects(
      client.uploadStatus("app", session("elsewhere"), 100),
      (error: Error) => error instanceof InvalidAnswerError && /upload Location/.test(error.message),
    );
    const good = await client.uploadStatus("app", session("good"), 100);
    assert.equal(good?.held, 10);
    assert.equal(good?.uploadUrl.href, `http://${host}/v2/app/blobs/uploads/next?_state=abc`);
    assert.equal((await client.uploadStatus("app", session("empty"), 100))?.held, 0, "distribution's 0-0 of an empty session");
    assert.equal(await client.uploadStatus("app", session("gone"), 100), undefined, "a session the registry no longer knows");
  } finally {
    await transport.close();
    await listening.close();
  }
});
