import assert from "node:assert/strict";
import { test } from "node:test";
import { runSync } from "../../provider";
import { DEFAULT_RETRY_POLICY } from "../../provider/clients/oci";
import { BLOB_TRANSFER_ATTEMPTS, maxSendsPerRequest } from "../../provider/sync/retry-budget";
import { FaultProxy, Faults, ProxiedRequest, startFaultProxy } from "../support/fault-proxy";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * The retry layers (HTTP, blob transfer, rounds) composed: a request that always fails is sent
 * at most the documented number of times in a whole run with default settings (the README's
 * "Retries"), however the layers stack, and a fault that clears is still recovered from.
 * Counted at a fault proxy in front of a real registry. Only the backoff is shortened; the
 * counts (HTTP retries, transfer attempts, rounds) are the defaults.
 */

const FAST_BACKOFF = { transport: { retry: { baseDelayMs: 5, maxDelayMs: 50 } } };
const DEFAULT_BOUND = maxSendsPerRequest(2);
const TEST_TIMEOUT_MS = 90_000;

interface Bed {
  source: RegistryServer;
  destination: RegistryServer;
  proxy?: FaultProxy;
}

async function withBed(work: (bed: Bed) => Promise<void>): Promise<void> {
  const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  const bed: Bed = { source, destination };
  try {
    await work(bed);
  } finally {
    await bed.proxy?.stop();
    await Promise.all([source.stop(), destination.stop()]);
  }
}

function sendsPerRequest(requests: ProxiedRequest[], matches: (request: ProxiedRequest) => boolean): Map<string, number> {
  const counts = new Map<string, number>();
  for (const request of requests.filter(matches)) counts.set(request.key, (counts.get(request.key) ?? 0) + 1);
  return counts;
}

const BLOB_GET: Faults = { methods: ["GET"], path: /\/blobs\/sha256:/, error: 1 };

test("the documented bound: 12 sends of one request in a run with default settings", () => {
  assert.equal(DEFAULT_RETRY_POLICY.maxRetries, 3);
  assert.equal(DEFAULT_BOUND, 12);
});

test("a blob GET that always fails with 5xx is sent at most the documented number of times in a whole run", { timeout: TEST_TIMEOUT_MS }, async () => {
  await withBed(async (bed) => {
    const image = await pushSmallImage(bed.source, "budget/app:1.0");
    const proxy = (bed.proxy = await startFaultProxy(bed.source.url, { seed: 7, faults: BLOB_GET }));
    const rounds: number[] = [];
    const report = await runSync(
      { images: { [`${proxy.host}/budget/app:1.0`]: `${bed.destination.host}/budget/app` } },
      { ...FAST_BACKOFF, onEvent: (event) => event.type === "round" && rounds.push(event.round) },
    );
    const [result] = report.results;
    assert.equal(result.status, "failed");
    assert.equal(result.retryable, true, "a 5xx stays a transient failure");
    assert.deepEqual(rounds, [1, 2], "the image is still tried in every round --retries allows");
    const gets = sendsPerRequest(proxy.requests(), (request) => request.method === "GET" && /\/blobs\/sha256:/.test(request.path));
    assert.ok(gets.size > 0 && gets.size <= image.blobs.length, `blob GETs: ${JSON.stringify([...gets])}`);
    for (const [key, sends] of gets) {
      assert.ok(sends <= DEFAULT_BOUND, `${key} was sent ${sends} times; the bound is ${DEFAULT_BOUND}`);
      // The HTTP layer's retries and the transfer's attempts both still happen.
      assert.equal(sends, (1 + DEFAULT_RETRY_POLICY.maxRetries) * BLOB_TRANSFER_ATTEMPTS, `${key} was sent ${sends} times`);
    }
  });
});

test("a streamed blob upload answered 5xx every time is sent once per transfer attempt, not again in every round", { timeout: TEST_TIMEOUT_MS }, async () => {
  await withBed(async (bed) => {
    await pushSmallImage(bed.source, "budget/up:1.0");
    const proxy = (bed.proxy = await startFaultProxy(bed.destination.url, { seed: 8, faults: { methods: ["PUT"], path: /\/blobs\/uploads\//, error: 1 } }));
    const report = await runSync({ images: { [`${bed.source.host}/budget/up:1.0`]: `${proxy.host}/budget/up` } }, FAST_BACKOFF);
    assert.equal(report.results[0].status, "failed");
    const puts = sendsPerRequest(proxy.requests(), (request) => request.method === "PUT" && request.path.includes("/blobs/uploads/"));
    assert.ok(puts.size > 0);
    for (const [key, sends] of puts) assert.equal(sends, BLOB_TRANSFER_ATTEMPTS, `${key} was sent ${sends} times`);
    // Every session the failed attempts opened was closed again, including the rounds' mount sessions.
    const opened = proxy.requests().filter((request) => request.method === "POST" && request.path.includes("/blobs/uploads/") && request.status === 202).length;
    const closed = proxy.requests().filter((request) => request.method === "DELETE" && request.path.includes("/blobs/uploads/")).length;
    assert.equal(closed, opened, "every upload session opened was closed");
  });
});

test("a blob GET that fails more often than the HTTP layer retries is recovered by the next transfer attempt", { timeout: TEST_TIMEOUT_MS }, async () => {
  await withBed(async (bed) => {
    const image = await pushSmallImage(bed.source, "budget/flaky:1.0");
    const failures = DEFAULT_RETRY_POLICY.maxRetries + 2;
    const proxy = (bed.proxy = await startFaultProxy(bed.source.url, { seed: 9, faults: { ...BLOB_GET, maxPerRequest: failures } }));
    const rounds: number[] = [];
    const report = await runSync(
      { images: { [`${proxy.host}/budget/flaky:1.0`]: `${bed.destination.host}/budget/flaky` } },
      { ...FAST_BACKOFF, onEvent: (event) => event.type === "round" && rounds.push(event.round) },
    );
    assert.equal(report.counts.synced, 1, report.results[0].error);
    assert.deepEqual(rounds, [], "recovered within the first round");
    assert.equal(await manifestDigest(`docker://${bed.destination.host}/budget/flaky:1.0`), image.digest);
    for (const [key, sends] of sendsPerRequest(proxy.requests(), (request) => request.method === "GET" && /\/blobs\/sha256:/.test(request.path))) {
      assert.equal(sends, failures + 1, `${key} was sent ${sends} times`);
    }
  });
});

test("a streamed upload answered 429 is tried again only after its Retry-After, which the HTTP layer cannot honour for it", {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  await withBed(async (bed) => {
    const image = await pushSmallImage(bed.source, "budget/throttled:1.0");
    const proxy = (bed.proxy = await startFaultProxy(bed.destination.url, {
      seed: 10,
      faults: { methods: ["PUT"], path: /\/blobs\/uploads\//, throttle: 1, retryAfterSeconds: 3, maxPerRequest: 1 },
    }));
    const report = await runSync({ images: { [`${bed.source.host}/budget/throttled:1.0`]: `${proxy.host}/budget/throttled` } }, FAST_BACKOFF);
    assert.equal(report.counts.synced, 1, report.results[0].error);
    assert.equal(await manifestDigest(`docker://${bed.destination.host}/budget/throttled:1.0`), image.digest);
    const puts = proxy.requests().filter((request) => request.method === "PUT" && request.path.includes("/blobs/uploads/"));
    const throttled = puts.filter((request) => request.fault === "throttle");
    assert.ok(throttled.length > 0);
    for (const answered of throttled) {
      const retry = puts.find((request) => request.seq > answered.seq && request.key === answered.key);
      assert.ok(retry, `${answered.key} was tried again`);
      const waited = retry.receivedAt - answered.answeredAt!;
      assert.ok(waited >= 2950, `${answered.key} was tried again after ${Math.round(waited)} ms; Retry-After said 3 s`);
    }
  });
});
