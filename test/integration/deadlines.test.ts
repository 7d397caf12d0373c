import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync, SyncEventListener } from "../../provider";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { Front, startBlackhole, startFront } from "../support/hostile-front";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * Deadlines a run has without --timeout: a host that accepts connections and never answers,
 * a source that trickles blobs, and what a cancelled run blames and leaves behind.
 * Deadlines are shortened through the engine's options; the logic is the same as the defaults'.
 */

const FAST_TRANSPORT = { connectTimeoutMs: 500, headersTimeoutMs: 500, retry: { baseDelayMs: 10, maxDelayMs: 50 } };

let source: RegistryServer;
let destination: RegistryServer;
let _image: SmallImage;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  _image = await pushSmallImage(source, "library/app:1.0");
});
after(async () => Promise.all([source?.stop(), destination?.stop()]));

const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");

test("a blackholed source fails within the headers deadline times the attempts, naming the host", async () => {
  const blackhole = await startBlackhole();
  try {
    const report = await runSync({ images: { [`${blackhole.host}/library/app:1.0`]: `${destination.host}/mirror/app` } }, { transport: FAST_TRANSPORT });
    assert.equal(report.counts.failed, 1);
    assert.match(report.results[0].error!, new RegExp(`^${escape(blackhole.host)}: .*timed out waiting for a response`));
    // The HTTPS probe plus one request and its 3 retries: every attempt is one connection that times out.
    assert.ok(blackhole.connections() <= 5, `${blackhole.connections()} connections to the blackhole`);
  } finally {
    await blackhole.close();
  }
});

test("a source trickling a blob below the floor fails that transfer with a message naming the source", async () => {
  const trickling = await startFront(source.url, { trickleBlobsMs: 1000 });
  const warnings: string[] = [];
  try {
    const report = await runSync(
      { images: { [`${trickling.host}/library/app:1.0`]: `${destination.host}/trickled/app` } },
      { transport: FAST_TRANSPORT, minRate: { bytesPerSecond: 64, windowMs: 1500 }, retries: 0, onEvent: collect(warnings) },
    );
    assert.equal(report.counts.failed, 1);
    const error = report.results[0].error!;
    assert.match(
      error,
      new RegExp(`^${escape(trickling.host)}: blob sha256:[0-9a-f]{64} arrived at [0-9.]+ B/s, below the 64 B/s floor for 1\\.5 s: the source is stalling$`),
    );
    assert.equal(report.results[0].retryable, false, "a stalled source is not retried into another window");
    assertClosedOrSaid(destination, "trickled/app", warnings);
  } finally {
    await trickling.close();
  }
});

test("after an interrupt during a stalled download, the source is blamed and no upload session stays open", async () => {
  const trickling = await startFront(source.url, { trickleBlobsMs: 500 });
  const warnings: string[] = [];
  try {
    const controller = new AbortController();
    const blobs = (front: Front) => front.requests.filter((line) => line.startsWith("GET ") && line.includes("/blobs/")).length;
    const started = new Promise<void>((resolve) => {
      const poll = setInterval(() => blobs(trickling) > 0 && (clearInterval(poll), resolve()), 20);
    });
    const running = runSync(
      { images: { [`${trickling.host}/library/app:1.0`]: `${destination.host}/interrupted/app` } },
      { transport: FAST_TRANSPORT, minRate: { bytesPerSecond: 0, windowMs: 1000 }, signal: controller.signal, onEvent: collect(warnings) },
    );
    await started;
    // Let the uploads open their sessions at the destination, then interrupt as SIGINT does.
    await new Promise((resolve) => setTimeout(resolve, 800));
    controller.abort(new Error("interrupted"));
    const report = await running;
    assert.equal(report.counts.failed, 1);
    const error = report.results[0].error!;
    assert.match(error, new RegExp(`^${escape(trickling.host)}: cancelled: interrupted while reading blob sha256:`), error);
    assert.ok(!error.startsWith(destination.host), "the destination is not blamed for the source's stall");
    const posts = destination.requests().filter((r) => r.method === "POST" && r.path.startsWith("/v2/interrupted/app/blobs/uploads/"));
    assert.ok(posts.length > 0, "upload sessions were opened before the interrupt");
    // Every session opened was asked to cancel, on a fresh connection. Distribution refuses that
    // (404) for a session whose PUT was cut off, keeping its data until its upload purge: the
    // report says so rather than claiming a cleanup.
    assertClosedOrSaid(destination, "interrupted/app", warnings);
  } finally {
    await trickling.close();
  }
});

const CANCEL_REFUSED = /the upload session at \S+ could not be cancelled \(HTTP 404\): its partial data is left to the registry's upload purge/;

/**
 * Every upload session opened was completed or cancelled; one whose cancel the registry refused
 * (distribution answers 404 for a session whose PUT was cut off, and keeps its data until its
 * upload purge) stays, and then the report says so rather than claiming a cleanup.
 */
function assertClosedOrSaid(registry: RegistryServer, repository: string, warnings: string[]): void {
  const refused = refusedCancels(registry, repository);
  assert.deepEqual(
    uploadSessions(registry, repository).sort(),
    refused.map((session) => `${session} never closed`).sort(),
    "every session closed, or its refused cancel said",
  );
  assert.equal(warnings.filter((warning) => CANCEL_REFUSED.test(warning)).length, refused.length, `one warning per refused cancel: ${warnings.join("\n")}`);
}

/** An event listener keeping the warnings' text. */
function collect(warnings: string[]): SyncEventListener {
  return (event) => {
    if (event.type === "warning") warnings.push(event.message);
  };
}

/** Sessions whose DELETE the registry refused (answered other than 2xx), from its access log. */
function refusedCancels(registry: RegistryServer, repository: string): string[] {
  return registry
    .requests()
    .filter((r) => r.method === "DELETE" && r.status >= 300 && r.path.startsWith(`/v2/${repository}/blobs/uploads/`))
    .map((r) => /\/uploads\/([^/?]+)/.exec(r.path)?.[1] ?? r.path);
}

/**
 * Upload sessions opened in a repository (POST 202) and neither completed (PUT 201) nor
 * cancelled (a DELETE answered 2xx), from the registry's access log.
 */
function uploadSessions(registry: RegistryServer, repository: string): string[] {
  const requests = registry.requests().filter((r) => r.path.startsWith(`/v2/${repository}/blobs/uploads/`));
  const opened = requests.filter((r) => r.method === "POST" && r.status === 202).map((r) => r.path);
  const sessionOf = (path: string) => /\/uploads\/([^/?]+)/.exec(path)?.[1];
  const closed = new Set(
    requests.filter((r) => (r.method === "PUT" && r.status === 201) || (r.method === "DELETE" && r.status < 300)).map((r) => sessionOf(r.path)),
  );
  const used = new Set(requests.filter((r) => r.method !== "POST").map((r) => sessionOf(r.path)));
  const unclosed = [...used].filter((session) => !closed.has(session)).map((session) => `${session} never closed`);
  // A session opened and never touched again has no id in the log; count those.
  const untouched = opened.length - used.size;
  return [...unclosed, ...(untouched > 0 ? [`${untouched} session(s) opened and never used or closed`] : [])];
}
