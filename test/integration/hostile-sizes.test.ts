import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, writeFileSync } from "node:fs";
import { IncomingMessage } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { SyncEvent, runSync, runVerify } from "../../provider";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { Front, FrontAnswer, startFront } from "../support/hostile-front";
import { OCI_INDEX, OCI_MANIFEST, descriptorOf, fallbackTag, getJson, pushArtifact, referrer, sha256 } from "../support/referrer-artifacts";
import { startReferrersFront } from "../support/referrers-front";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * A source that answers with too much: a manifest of 100 MB, a million tags, an index of
 * thousands of children that are missing or never answer, a signature naming a 50 GB layer, a
 * referrers list holding another image's referrer. Each is refused early, with an error that
 * names it and the limit, after a bounded number of requests, and nothing of it reaches the
 * destination. The fronts make their huge answers as they are read; nothing here holds them.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const CHUNK = Buffer.alloc(64 * 1024, "a");

let source: RegistryServer;
let destination: RegistryServer;
let image: SmallImage;
let dir: string;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  image = await pushSmallImage(source, "team/app:1.0", undefined, "-sizes");
  dir = mkdtempSync(join(tmpdir(), "registry-dr-sizes-"));
});
after(async () => Promise.all([source?.stop(), destination?.stop()]));

async function withFront<T>(answer: (req: IncomingMessage) => FrontAnswer | undefined, work: (front: Front) => Promise<T>): Promise<T> {
  const front = await startFront(source.url, { answer });
  try {
    return await work(front);
  } finally {
    await front.close();
  }
}

const randomDigest = () => `sha256:${randomBytes(32).toString("hex")}`;
const destinationWrites = (repository: string) =>
  destination.requests().filter((r) => r.path.startsWith(`/v2/${repository}/`) && r.method !== "GET" && r.method !== "HEAD");

test("a 100 MB manifest is refused while it is read, past 4 MiB, and nothing is pushed", async () => {
  const pushed = JSON.parse(image.manifest.toString("utf8"));
  let sent = 0;
  const huge = function* (): Iterable<Buffer> {
    const head = Buffer.from(JSON.stringify({ ...pushed, annotations: { pad: "" } }).replace(/""}}$/, '"'));
    yield head;
    for (let i = 0; i < (100 * 1024 * 1024) / CHUNK.length; i++) {
      sent += CHUNK.length;
      yield CHUNK;
    }
    yield Buffer.from('"}}');
  };
  await withFront(
    (req) => (req.url === "/v2/team/app/manifests/huge" ? { status: 200, headers: { "content-type": image.mediaType }, body: huge } : undefined),
    async (front) => {
      const report = await runSync({ images: { [`${front.host}/team/app:huge`]: `${destination.host}/dr/huge` } });
      assert.equal(report.counts.failed, 1, JSON.stringify(report.results));
      const error = report.results[0].error ?? "";
      assert.match(error, /the manifest team\/app:huge .* over the limit of 4 MiB/, error);
      assert.ok(sent < 16 * 1024 * 1024, `the front got to send ${sent} bytes: the client read past the limit`);
      assert.deepEqual(destinationWrites("dr/huge"), [], "nothing was pushed for it");
    },
  );
});

test("a tag list of a million tags is refused past 100000, naming the repository, after a bounded number of pages", async () => {
  const perPage = 10_000;
  const pages: string[] = [];
  const answer = (req: IncomingMessage): FrontAnswer | undefined => {
    const url = new URL(req.url ?? "/", "http://front");
    if (url.pathname !== "/v2/many/app/tags/list") return undefined;
    pages.push(req.url ?? "");
    // Ignores `n`, as distribution 2.8 does, and pages by `last` anyway.
    const start = Number(url.searchParams.get("last")?.slice(1) ?? -1) + 1;
    const end = Math.min(start + perPage, 1_000_000);
    const headers: Record<string, string> = { "content-type": "application/json" };
    if (end < 1_000_000) headers.link = `</v2/many/app/tags/list?n=1000&last=t${end - 1}>; rel="next"`;
    const body = function* (): Iterable<Buffer> {
      yield Buffer.from('{"name":"many/app","tags":[');
      for (let i = start; i < end; i++) yield Buffer.from(`${i > start ? "," : ""}"t${i}"`);
      yield Buffer.from("]}");
    };
    return { status: 200, headers, body };
  };
  await withFront(answer, async (front) => {
    const report = await runSync({ images: { [`${front.host}/many/app`]: `${destination.host}/dr/many` } }, { signal: AbortSignal.timeout(120_000) });
    assert.equal(report.counts.synced + report.counts.skipped, 0);
    assert.equal(report.results.length, 1, "one failure for the rule, not one per tag");
    assert.match(report.results[0].error ?? "", /the tag list of many\/app goes past 100000 tags/, report.results[0].error);
    assert.ok(pages.length <= 100_000 / perPage + 1, `${pages.length} pages were read`);
    assert.deepEqual(
      destination.requests().filter((r) => r.path.startsWith("/v2/dr/many/")),
      [],
    );
  });
});

test("sync prints at most 100 failure lines as they happen, then says how many more there were", async () => {
  const answer = (req: IncomingMessage): FrontAnswer | undefined => {
    if (req.url?.startsWith("/v2/bad/app/tags/list"))
      return {
        status: 200,
        headers: { "content-type": "application/json" },
        body: Buffer.from(JSON.stringify({ name: "bad/app", tags: Array.from({ length: 300 }, (_, i) => `v${i}`) })),
      };
    return undefined;
  };
  await withFront(answer, async (front) => {
    const config = join(dir, "bad.json");
    writeFileSync(config, JSON.stringify({ images: { [`${front.host}/bad/app`]: `${destination.host}/dr/bad` } }));
    const { code, stderr } = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(
        process.execPath,
        [BIN, "sync", "--config", config, "--failed-images", join(dir, "bad-failed.json")],
        { cwd: dir, env: { ...process.env, CI: "true" } },
        (error, _out, err) => done({ code: error ? Number(error.code ?? 1) : 0, stderr: err }),
      ),
    );
    assert.equal(code, 1, stderr);
    const failedLines = stderr.split("\n").filter((line) => line.startsWith("failed  "));
    // 100 as they happened, and the summary's 50.
    assert.equal(failedLines.length, 150, stderr.slice(0, 2000));
    assert.match(stderr, /… and 200 more failure and warning line\(s\) not shown/);
    assert.match(stderr, /0 synced, 0 up to date, 300 failed/);
  });
});

/** An OCI index of `count` children, none of which the source holds. */
function indexOf(children: string[]): Buffer {
  return Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_INDEX,
      manifests: children.map((digest) => ({ mediaType: OCI_MANIFEST, digest, size: 500, platform: { os: "linux", architecture: "amd64" } })),
    }),
  );
}

const childRequests = (front: Front) => front.requests.filter((line) => /\/manifests\/sha256:/.test(line));

test("an index of 1001 children is refused before any child is asked for", async () => {
  const index = indexOf(Array.from({ length: 1001 }, randomDigest));
  await withFront(
    (req) => (req.url === "/v2/team/app/manifests/wide" ? { status: 200, headers: { "content-type": OCI_INDEX }, body: index } : undefined),
    async (front) => {
      const report = await runSync({ images: { [`${front.host}/team/app:wide`]: `${destination.host}/dr/wide` } });
      assert.equal(report.counts.failed, 1);
      assert.match(report.results[0].error ?? "", /lists 1001 manifests, more than the 1000 an image index is allowed/, report.results[0].error);
      assert.deepEqual(childRequests(front), []);
      assert.deepEqual(destinationWrites("dr/wide"), []);
    },
  );
});

test("an index whose 500 children are all missing fails at the first, after a handful of child requests", async () => {
  const index = indexOf(Array.from({ length: 500 }, randomDigest));
  await withFront(
    (req) => (req.url === "/v2/team/app/manifests/missing" ? { status: 200, headers: { "content-type": OCI_INDEX }, body: index } : undefined),
    async (front) => {
      const report = await runSync({ images: { [`${front.host}/team/app:missing`]: `${destination.host}/dr/missing` } });
      assert.equal(report.counts.failed, 1);
      assert.match(report.results[0].error ?? "", /MANIFEST_UNKNOWN|not found|404/, report.results[0].error);
      const asked = childRequests(front).length;
      assert.ok(asked >= 1 && asked <= 8, `${asked} children were asked for`);
      assert.deepEqual(destinationWrites("dr/missing"), []);
    },
  );
});

test("children that never answer: the run's deadline ends the copy promptly, with a handful of child requests sent", async () => {
  const index = indexOf(Array.from({ length: 500 }, randomDigest));
  await withFront(
    (req) => {
      if (req.url === "/v2/team/app/manifests/stuck") return { status: 200, headers: { "content-type": OCI_INDEX }, body: index };
      if (/\/manifests\/sha256:/.test(req.url ?? "")) return { status: 200, hang: true };
      return undefined;
    },
    async (front) => {
      const started = Date.now();
      const report = await runSync({ images: { [`${front.host}/team/app:stuck`]: `${destination.host}/dr/stuck` } }, { signal: AbortSignal.timeout(2_000) });
      const elapsed = Date.now() - started;
      assert.equal(report.counts.failed, 1);
      // The transport's own deadline for an answer is 30 s: well past this, the signal did not stop it.
      assert.ok(elapsed < 20_000, `the run took ${elapsed} ms after a 2 s deadline`);
      const asked = childRequests(front).length;
      assert.ok(asked <= 4, `${asked} children were asked for at once`);
    },
  );
});

test("a cosign signature naming a 50 GB layer is refused before any of its blobs is read or uploaded", async () => {
  const subject = image.digest;
  const sigTag = `${fallbackTag(subject)}.sig`;
  const bigLayer = randomDigest();
  const config = Buffer.from("{}");
  const sig = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: "application/vnd.dev.cosign.simplesigning.v1+json", digest: bigLayer, size: 50_000_000_000 }],
    }),
  );
  let blobBytes = 0;
  const answer = (req: IncomingMessage): FrontAnswer | undefined => {
    if (req.url?.startsWith("/v2/team/app/tags/list"))
      return { status: 200, headers: { "content-type": "application/json" }, body: Buffer.from(JSON.stringify({ name: "team/app", tags: ["1.0", sigTag] })) };
    if (req.url === `/v2/team/app/manifests/${sigTag}` || req.url === `/v2/team/app/manifests/${sha256(sig)}`)
      return { status: 200, headers: { "content-type": OCI_MANIFEST, "docker-content-digest": sha256(sig) }, body: sig };
    if (req.url === `/v2/team/app/blobs/${bigLayer}`)
      return {
        status: 200,
        headers: { "content-type": "application/octet-stream", "content-length": "50000000000" },
        // Ends after 64 MiB, its length a lie: enough to show bytes flowed.
        body: function* () {
          for (let i = 0; i < 1024; i++) {
            blobBytes += CHUNK.length;
            yield CHUNK;
          }
        },
      };
    return undefined;
  };
  await withFront(answer, async (front) => {
    const report = await runSync({ images: { [`${front.host}/team/app:1.0`]: `${destination.host}/dr/signed` } });
    assert.equal(report.counts.failed, 1, JSON.stringify(report.results));
    const error = report.results[0].error ?? "";
    assert.ok(error.includes(`${front.host}/team/app:${sigTag}`), error);
    assert.match(error, /50000000002 bytes of blobs \(46\.6 GiB\), over the 512\.0 MiB such an artifact may hold/, error);
    assert.equal(report.results[0].retryable, false);
    assert.deepEqual(
      front.requests.filter((line) => line.includes(bigLayer)),
      [],
      "the layer was never asked for",
    );
    assert.equal(blobBytes, 0);
    const touched = destination.requests().filter((r) => r.path.includes(bigLayer) || r.path.includes(sha256(config)) || r.path.includes(sigTag));
    assert.deepEqual(
      touched.filter((r) => r.method !== "HEAD"),
      [],
      "no upload session, blob or manifest of the signature at the destination",
    );
    const uploads = destination.requests().filter((r) => r.method === "POST" && r.path.startsWith("/v2/dr/signed/blobs/uploads/"));
    assert.equal(uploads.length, image.blobs.length, "upload sessions for the image's own blobs only");
  });
});

test("a referrers API listing another image's referrer: it is left behind with one warning, and verify finds the copy complete", async () => {
  const front = await startReferrersFront(new URL(source.url), {
    alsoList: (repository, digest) => (repository === "api/app" && digest === subject.digest ? [foreign.descriptor] : []),
  });
  await pushSmallImage(source, "api/app:1.0", undefined, "-api-one");
  await pushSmallImage(source, "api/app:2.0", undefined, "-api-two");
  const subject = await descriptorOf(source.url, "api/app", "1.0");
  const other = await descriptorOf(source.url, "api/app", "2.0");
  const attestation = referrer(subject, "application/vnd.in-toto+json", '{"predicateType":"https://slsa.dev/provenance/v1"}');
  const foreign = referrer(other, "application/spdx+json", '{"spdxVersion":"SPDX-2.3","of":"2.0"}');
  try {
    await pushArtifact(front.url, "api/app", attestation);
    await pushArtifact(source.url, "api/app", foreign);
    const listed = await getJson(`${front.url}/v2/api/app/referrers/${subject.digest}`);
    assert.deepEqual(
      listed.body.manifests.map((entry: { digest: string }) => entry.digest),
      [attestation.digest, foreign.digest],
      "the front lists the other image's referrer as this one's",
    );
    const events: SyncEvent[] = [];
    const images = { [`${front.host}/api/app:1.0`]: `${destination.host}/dr/api` };
    const report = await runSync({ images }, { onEvent: (event) => events.push(event) });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
    const warnings = events.filter((event) => event.type === "warning").map((event) => (event as { message: string }).message);
    assert.equal(warnings.filter((message) => message.includes(foreign.digest)).length, 1, warnings.join("\n"));
    assert.match(warnings[0], /the referrers API's list of sha256:[0-9a-f]+ holds sha256:[0-9a-f]+, which name another subject: not copied/);
    assert.equal((await getJson(`${destination.url}/v2/dr/api/manifests/${foreign.digest}`)).status, 404, "the other image's referrer was not copied");
    assert.equal((await getJson(`${destination.url}/v2/dr/api/manifests/${attestation.digest}`)).status, 200, "this image's own referrer was");
    const verified = await runVerify({ images });
    assert.equal(verified.complete, true, JSON.stringify(verified.rows));
  } finally {
    await front.stop();
  }
});
