import assert from "node:assert/strict";
import { get } from "node:http";
import { after, before, test } from "node:test";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { pushSmallImage, seedStandardFixture, SmallImage } from "../support/fixtures";
import { send } from "../support/registry-http";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { manifestDigest, skopeoCopy } from "../support/skopeo";

/** The fault proxy itself: each fault as configured, deterministic for a seed, and transparent when off. */

let registry: RegistryServer;
let mirror: RegistryServer;
let image: SmallImage;
let indexDigest: string;
const proxies: FaultProxy[] = [];

before(async () => {
  [registry, mirror] = await Promise.all([startRegistry(), startRegistry()]);
  const [small, fixture] = await Promise.all([pushSmallImage(registry, "proxied/app:1.0"), seedStandardFixture(registry, { parts: ["multi-arch"] })]);
  image = small;
  indexDigest = fixture.repos.find((repo) => repo.name === "multi/oci-index")!.tags[0].digest;
});
after(async () => {
  await Promise.all(proxies.map((proxy) => proxy.stop()));
  await Promise.all([registry?.stop(), mirror?.stop()]);
});

async function proxyFor(server: RegistryServer, options: Parameters<typeof startFaultProxy>[1] = {}): Promise<FaultProxy> {
  const proxy = await startFaultProxy(server.url, options);
  proxies.push(proxy);
  return proxy;
}

const largestBlob = () => image.blobs.reduce((a, b) => (b.size > a.size ? b : a));

/** A GET read to the end, or to the error that cut it short. */
function download(url: string): Promise<{ status: number; headers: Record<string, unknown>; received: number; error?: Error }> {
  return new Promise((resolve, reject) => {
    get(url, (res) => {
      let received = 0;
      const done = (error?: Error) => resolve({ status: res.statusCode ?? 0, headers: res.headers, received, error });
      res.on("data", (chunk: Buffer) => (received += chunk.length));
      res.on("end", () => done());
      res.on("error", done);
      res.on("aborted", () => done(new Error("aborted")));
    }).on("error", reject);
  });
}

test("5xx and 429 are answered by the proxy itself, and recorded", async () => {
  const proxy = await proxyFor(registry, { faults: { error: 1, path: /\/tags\/list$/ } });
  registry.clearRequests();
  const failed = await send({ method: "GET", url: `${proxy.url}/v2/proxied/app/tags/list` });
  assert.ok([500, 502, 503].includes(failed.status), `status ${failed.status}`);
  assert.match(failed.body.toString(), /UNAVAILABLE/);
  assert.ok(!registry.requests().some((r) => r.path.includes("/tags/list")), "an injected error is not forwarded");
  const untouched = await send({ method: "GET", url: `${proxy.url}/v2/proxied/app/manifests/1.0`, headers: { accept: image.mediaType } });
  assert.equal(untouched.status, 200, "requests outside the path pattern pass");

  proxy.setFaults({ throttle: 1, retryAfterSeconds: 3, methods: ["HEAD"] });
  const throttled = await send({ method: "HEAD", url: `${proxy.url}/v2/proxied/app/manifests/1.0` });
  assert.equal(throttled.status, 429);
  assert.equal(throttled.headers["retry-after"], "3");

  assert.deepEqual(
    proxy.requests().map((r) => [r.method, r.fault, r.status]),
    [
      ["GET", "error", failed.status],
      ["GET", undefined, 200],
      ["HEAD", "throttle", 429],
    ],
  );
  assert.deepEqual(proxy.faultCounts(), { error: 1, throttle: 1, reset: 0, slow: 0 });
});

test("a reset cuts a blob GET off mid-body; other requests drawing it pass untouched", async () => {
  const proxy = await proxyFor(registry, { faults: { reset: 1 } });
  const blob = largestBlob();
  const cut = await download(`${proxy.url}/v2/proxied/app/blobs/${blob.digest}`);
  assert.equal(cut.status, 200);
  assert.equal(Number(cut.headers["content-length"]), blob.size);
  assert.ok(cut.received > 0 && cut.received < blob.size, `received ${cut.received} of ${blob.size} bytes`);
  assert.ok(cut.error, "the body ends in an error, not a clean end");
  const manifest = await send({ method: "GET", url: `${proxy.url}/v2/proxied/app/manifests/1.0`, headers: { accept: image.mediaType } });
  assert.equal(manifest.status, 200);
  assert.deepEqual(
    proxy.requests().map((r) => r.fault),
    ["reset", undefined],
  );
  proxy.setFaults(undefined);
  const whole = await download(`${proxy.url}/v2/proxied/app/blobs/${blob.digest}`);
  assert.equal(whole.received, blob.size);
  assert.equal(whole.error, undefined);
});

test("slow responses are delayed, then forwarded", async () => {
  const proxy = await proxyFor(registry, { faults: { slow: 1, slowMs: 400 } });
  const started = performance.now();
  const response = await send({ method: "GET", url: `${proxy.url}/v2/` });
  assert.equal(response.status, 200);
  assert.ok(performance.now() - started >= 390, "waited slowMs");
  const [entry] = proxy.requests();
  assert.equal(entry.fault, "slow");
  assert.ok(entry.answeredAt! - entry.receivedAt >= 390);
});

test("maxPerRequest lets a request through after that many faults", async () => {
  const proxy = await proxyFor(registry, { faults: { error: 1, maxPerRequest: 2 } });
  const statuses: number[] = [];
  for (let i = 0; i < 4; i++) statuses.push((await send({ method: "GET", url: `${proxy.url}/v2/` })).status);
  assert.ok(statuses.slice(0, 2).every((status) => status >= 500));
  assert.deepEqual(statuses.slice(2), [200, 200]);
  // Another request has its own count.
  assert.ok((await send({ method: "GET", url: `${proxy.url}/v2/proxied/app/tags/list` })).status >= 500);
});

test("faults follow the seed and the configured fractions, whatever the arrival order", async () => {
  const faults = { error: 0.2, throttle: 0.1, slow: 0.1, slowMs: 1 };
  const paths = Array.from({ length: 200 }, (_, i) => `/v2/proxied/app/manifests/sha256:${i.toString(16).padStart(64, "0")}`);
  const faultsFor = async (seed: number, order: string[]) => {
    const proxy = await proxyFor(registry, { seed, faults });
    await Promise.all(order.map((path) => send({ method: "HEAD", url: `${proxy.url}${path}` })));
    return new Map(proxy.requests().map((r) => [r.path, r.fault]));
  };
  const first = await faultsFor(7, paths);
  const again = await faultsFor(7, [...paths].reverse());
  const other = await faultsFor(8, paths);
  assert.deepEqual(
    paths.map((p) => again.get(p)),
    paths.map((p) => first.get(p)),
    "the same seed gives the same faults",
  );
  assert.notDeepEqual(
    paths.map((p) => other.get(p)),
    paths.map((p) => first.get(p)),
    "another seed gives others",
  );
  const count = (kind: string) => [...first.values()].filter((fault) => fault === kind).length;
  assert.ok(count("error") >= 20 && count("error") <= 60, `errors: ${count("error")} of 200`);
  assert.ok(count("throttle") >= 8 && count("throttle") <= 35, `throttles: ${count("throttle")} of 200`);
  assert.ok(count("slow") >= 8 && count("slow") <= 35, `slow: ${count("slow")} of 200`);
});

test("with faults off the proxy is transparent: skopeo copies through two proxies keep every digest", async () => {
  const [from, to] = await Promise.all([proxyFor(registry), proxyFor(mirror)]);
  await skopeoCopy(`docker://${from.host}/proxied/app:1.0`, `docker://${to.host}/copied/app:1.0`, { preserveDigests: true });
  await skopeoCopy(`docker://${from.host}/multi/oci-index:1.0`, `docker://${to.host}/copied/oci-index:1.0`, { all: true, preserveDigests: true });
  assert.equal(await manifestDigest(`docker://${mirror.host}/copied/app:1.0`), image.digest);
  assert.equal(await manifestDigest(`docker://${mirror.host}/copied/oci-index:1.0`), indexDigest);
  // Uploads stayed on the proxy: the registry's Location headers were rewritten to point at it.
  const viaProxy = to.requests().filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
  const atRegistry = mirror.requests().filter((r) => r.method === "PUT" && r.path.includes("/blobs/uploads/"));
  assert.ok(viaProxy.length > 0);
  assert.equal(viaProxy.length, atRegistry.length, "every blob upload went through the proxy");
  const started = await send({ method: "POST", url: `${to.url}/v2/copied/app/blobs/uploads/` });
  assert.equal(started.status, 202);
  assert.ok(String(started.headers.location).startsWith(`${to.url}/v2/copied/app/blobs/uploads/`), String(started.headers.location));
  assert.deepEqual(from.faultCounts(), { error: 0, throttle: 0, reset: 0, slow: 0 });
});
