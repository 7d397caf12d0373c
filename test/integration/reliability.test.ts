import assert from "node:assert/strict";
import { ChildProcess, execFile, spawn } from "node:child_process";
import { existsSync, readdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { test } from "node:test";
import { runSync, SyncJob } from "../../provider";
import { mapConcurrent } from "../../provider/sync/concurrency";
import { FaultProxy, Faults, startFaultProxy } from "../support/fault-proxy";
import { Fixture, FixtureOptions, pushSmallImage, seedStandardFixture } from "../support/fixtures";
import { MEDIA_TYPES } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { HttpResult, send } from "../support/registry-http";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * The engine when registries misbehave: random 5xx, 429 with Retry-After, connections cut
 * mid-blob and slow answers (from the fault proxy), a copy killed half-way and resumed, and
 * a deadline. The oracles are independent of the engine: skopeo for digests, and plain HTTP
 * straight to the destination registry for "no manifest is ever served with content missing".
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
/** Small backoff so the tests stay fast; maxDelayMs stays at 1 s so a `Retry-After: 1` is honoured. */
const FAST_RETRY = { maxRetries: 6, baseDelayMs: 10, maxDelayMs: 1000 };
/** Each test takes seconds; a hang (the failure these tests exist to catch) fails it instead of stalling the run. */
const TEST_TIMEOUT_MS = 90_000;

interface Bed {
  source: RegistryServer;
  destination: RegistryServer;
  fixture: Fixture;
  proxies: FaultProxy[];
  stop(): Promise<void>;
}

async function testBed(fixture: FixtureOptions): Promise<Bed> {
  const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  const bed: Bed = {
    source,
    destination,
    fixture: undefined as unknown as Fixture,
    proxies: [],
    stop: async () => {
      await Promise.all(bed.proxies.map((proxy) => proxy.stop()));
      await Promise.all([source.stop(), destination.stop()]);
    },
  };
  try {
    bed.fixture = await seedStandardFixture(source, { concurrency: 8, ...fixture });
  } catch (error) {
    await bed.stop();
    throw error;
  }
  return bed;
}

async function proxy(bed: Bed, upstream: RegistryServer, seed: number, faults?: Faults): Promise<FaultProxy> {
  const started = await startFaultProxy(upstream.url, { seed, faults });
  bed.proxies.push(started);
  return started;
}

/** Every fixture repository from `from` (a host) to `to`/mirror/<repo>. */
function jobFor(fixture: Fixture, from: string, to: string): SyncJob {
  return { images: Object.fromEntries(fixture.repos.map((repo) => [`${from}/${repo.name}`, `${to}/mirror/${repo.name}`])) };
}

const allTags = (fixture: Fixture) => fixture.repos.flatMap((repo) => repo.tags.map((tag) => ({ repo: repo.name, ...tag })));

/** skopeo's digest of every tag, read from the destination registry itself (not through a proxy). */
async function assertDigestsMatch(destination: RegistryServer, fixture: Fixture): Promise<void> {
  const tags = allTags(fixture);
  const mismatches: string[] = [];
  await mapConcurrent(tags, 8, async (tag) => {
    const digest = await manifestDigest(`docker://${destination.host}/mirror/${tag.repo}:${tag.tag}`);
    if (digest !== tag.digest) mismatches.push(`${tag.repo}:${tag.tag} is ${digest}, expected ${tag.digest}`);
  });
  assert.deepEqual(mismatches, []);
}

// ---------------------------------------------------------------------------------------------
// The integrity oracle: what a puller would see at the destination at this moment.

const MANIFEST_ACCEPT = [MEDIA_TYPES.oci.manifest, MEDIA_TYPES.oci.index, MEDIA_TYPES.docker.manifest, MEDIA_TYPES.docker.index].join(", ");

interface IntegrityScan {
  /** Tags served with a manifest, whose content was then checked. */
  tagsSeen: number;
  problems: string[];
}

/**
 * Lists the tags of every repository (straight from the registry), fetches each tag's manifest
 * and HEADs everything it references: config and layers, and for an index every child manifest
 * and the child's own blobs. Manifests once found complete are remembered: without garbage
 * collection their content cannot go away.
 */
async function scanDestination(registryUrl: string, repositories: string[], complete = new Set<string>()): Promise<IntegrityScan> {
  const scan: IntegrityScan = { tagsSeen: 0, problems: [] };
  const get = (path: string, method = "GET") => send({ method, url: `${registryUrl}/v2/${path}`, headers: { accept: MANIFEST_ACCEPT } });

  const checkContent = async (repository: string, response: HttpResult, where: string): Promise<void> => {
    if (response.status !== 200) return void scan.problems.push(`${where}: manifest answers ${response.status}`);
    const digest = String(response.headers["docker-content-digest"]);
    if (complete.has(`${repository}@${digest}`)) return;
    const manifest = JSON.parse(response.body.toString("utf8")) as {
      manifests?: { digest: string }[];
      config?: { digest: string };
      layers?: { digest: string }[];
    };
    const before = scan.problems.length;
    if (manifest.manifests) {
      for (const child of manifest.manifests) {
        const head = await get(`${repository}/manifests/${child.digest}`, "HEAD");
        if (head.status !== 200) scan.problems.push(`${where}: child manifest ${child.digest} answers ${head.status}`);
        else await checkContent(repository, await get(`${repository}/manifests/${child.digest}`), `${where} -> ${child.digest}`);
      }
    } else {
      for (const blob of [manifest.config!, ...(manifest.layers ?? [])]) {
        const head = await get(`${repository}/blobs/${blob.digest}`, "HEAD");
        if (head.status !== 200) scan.problems.push(`${where}: blob ${blob.digest} answers ${head.status}`);
      }
    }
    if (scan.problems.length === before) complete.add(`${repository}@${digest}`);
  };

  for (const repository of repositories) {
    const list = await get(`${repository}/tags/list`);
    if (list.status === 404) continue; // not created yet
    if (list.status !== 200) {
      scan.problems.push(`${repository}: tag list answers ${list.status}`);
      continue;
    }
    for (const tag of (JSON.parse(list.body.toString("utf8")) as { tags?: string[] | null }).tags ?? []) {
      let response = await get(`${repository}/manifests/${tag}`);
      // distribution's filesystem driver rewrites a tag's link file in place, so a read racing
      // that write can get a 500; a puller retrying gets the manifest, which is what is checked.
      if (response.status >= 500) response = await sleep(20).then(() => get(`${repository}/manifests/${tag}`));
      // distribution lists a tag a moment before it serves the tag's manifest: a puller gets
      // "manifest unknown" then, never a manifest with content missing.
      if (response.status === 404) continue;
      scan.tagsSeen++;
      await checkContent(repository, response, `${repository}:${tag}`);
    }
  }
  return scan;
}

/** Scans the destination over and over until stopped; collects every problem it ever saw. */
function watchDestination(registryUrl: string, repositories: string[]) {
  const complete = new Set<string>();
  const problems: string[] = [];
  let scans = 0;
  let mostTagsSeen = 0;
  let stopping = false;
  const loop = (async () => {
    // The last scan starts after stop() is called, so it sees everything written before then.
    for (let last = false; !last; ) {
      last = stopping;
      try {
        const scan = await scanDestination(registryUrl, repositories, complete);
        problems.push(...scan.problems);
        mostTagsSeen = Math.max(mostTagsSeen, scan.tagsSeen);
      } catch (error) {
        problems.push(`the watcher failed: ${(error as Error).message}`);
      }
      scans++;
      await sleep(10);
    }
  })();
  return {
    scans: () => scans,
    stop: async () => {
      stopping = true;
      await loop;
      return { scans, problems, mostTagsSeen };
    },
  };
}

/**
 * Upload sessions the destination still holds open, from distribution's storage layout:
 * `<repo>/_uploads/<id>/startedat`. A completed upload removes the directory; a cancelled
 * one (DELETE) removes `startedat` and `data` but, in 2.8, leaves `hashstates` behind.
 */
function openUploadSessions(registry: RegistryServer): string[] {
  const repositories = join(registry.rootDir, "docker/registry/v2/repositories");
  const open: string[] = [];
  const walk = (dir: string, name: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (!entry.isDirectory()) continue;
      const uploads = join(dir, entry.name);
      if (entry.name === "_uploads")
        open.push(
          ...readdirSync(uploads)
            .filter((id) => existsSync(join(uploads, id, "startedat")))
            .map((id) => `${name}: ${id}`),
        );
      else if (!entry.name.startsWith("_")) walk(join(dir, entry.name), name ? `${name}/${entry.name}` : entry.name);
    }
  };
  if (existsSync(repositories)) walk(repositories, "");
  return open;
}

// ---------------------------------------------------------------------------------------------

test("through faulty proxies at both ends (5xx, 429, mid-blob resets, slow answers) every image arrives with its digest", {
  timeout: TEST_TIMEOUT_MS,
}, async (t) => {
  const bed = await testBed({});
  try {
    const faults: Faults = { error: 0.1, throttle: 0.03, reset: 0.35, slow: 0.1, slowMs: 50, retryAfterSeconds: 1, maxPerRequest: 3 };
    const from = await proxy(bed, bed.source, 11, faults);
    const to = await proxy(bed, bed.destination, 12, { ...faults, throttle: 0.02 });
    const report = await runSync(jobFor(bed.fixture, from.host, to.host), { proc: 16, retries: 4, transport: { retry: FAST_RETRY } });
    t.diagnostic(`sync ${report.durationMs} ms; faults at source ${JSON.stringify(from.faultCounts())}, at destination ${JSON.stringify(to.faultCounts())}`);

    const failed = report.results.filter((result) => result.status === "failed");
    assert.deepEqual(
      failed.map((result) => `${result.source}: ${result.error}`),
      [],
    );
    assert.equal(report.counts.synced, allTags(bed.fixture).length);
    await assertDigestsMatch(bed.destination, bed.fixture);
    const scan = await scanDestination(
      bed.destination.url,
      bed.fixture.repos.map((repo) => `mirror/${repo.name}`),
    );
    assert.deepEqual(scan.problems, []);
    assert.equal(scan.tagsSeen, allTags(bed.fixture).length);

    // Not vacuous: every kind of fault was served, at both ends.
    const [atSource, atDestination] = [from.faultCounts(), to.faultCounts()];
    for (const kind of ["error", "throttle", "reset", "slow"] as const)
      assert.ok(atSource[kind] > 0, `source proxy served no ${kind}: ${JSON.stringify(atSource)}`);
    for (const kind of ["error", "throttle", "slow"] as const)
      assert.ok(atDestination[kind] > 0, `destination proxy served no ${kind}: ${JSON.stringify(atDestination)}`);
    const brokenUploads = to
      .requests()
      .filter((r) => (r.fault === "error" || r.fault === "throttle") && r.method === "PUT" && r.path.includes("/blobs/uploads/"));
    assert.ok(brokenUploads.length > 0, "some blob uploads were refused");
    assert.deepEqual(openUploadSessions(bed.destination), [], "no upload session left open at the destination");
  } finally {
    await bed.stop();
  }
});

test("a blob download cut off mid-body resumes at once, its upload never restarted, and a lasting break blamed on the source", {
  timeout: TEST_TIMEOUT_MS,
}, async () => {
  const [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  let from: FaultProxy | undefined;
  try {
    const image = await pushSmallImage(source, "cut/app:1.0");
    from = await startFaultProxy(source.url, { seed: 51, faults: { reset: 1, maxPerRequest: 1 } });
    const job = (repository: string) => ({ images: { [`${from!.host}/cut/app:1.0`]: `${destination.host}/${repository}` } });
    const report = await runSync(job("mirror/cut/app"), { retries: 0, transport: { retry: FAST_RETRY } });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    assert.ok(report.durationMs < 5000, `took ${report.durationMs} ms`);
    assert.equal(from.faultCounts().reset, image.blobs.length, "every blob read was cut once");
    assert.equal(await manifestDigest(`docker://${destination.host}/mirror/cut/app:1.0`), image.digest);
    assert.deepEqual(openUploadSessions(destination), []);

    from.setFaults({ reset: 1 });
    destination.clearRequests();
    const broken = await runSync(job("mirror/cut/broken"), { retries: 0, transport: { retry: FAST_RETRY } });
    const [result] = broken.results;
    assert.equal(result.status, "failed");
    assert.equal(result.retryable, true);
    assert.match(result.error ?? "", new RegExp(`^${from.host.replace(/\./g, "\\.")}: reading blob sha256:[0-9a-f]{64} from cut/app broke off`));
    // Every read was resumed until it gave up, so each upload had taken bytes when it broke:
    // distribution then refuses the session's DELETE (its _state no longer matches the data),
    // and purges it later. What the client owes is the attempt, once per session it opened.
    const opened = destination.requests().filter((r) => r.method === "POST" && r.path.includes("/blobs/uploads/") && r.status === 202).length;
    const closed = destination.requests().filter((r) => r.method === "DELETE" && r.path.includes("/blobs/uploads/")).length;
    assert.ok(opened > 0);
    assert.equal(closed, opened, "every session opened was asked to close");
  } finally {
    await from?.stop();
    await Promise.all([source.stop(), destination.stop()]);
  }
});

test("a CLI run killed mid-copy never exposes a manifest with missing content, and the next run completes it", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const bed = await testBed({ scale: 30, parts: ["shared-base", "multi-arch"] });
  const dir = makeTempDir("registry-dr-kill-");
  let child: ChildProcess | undefined;
  try {
    // Slow blob reads and one image at a time make the run last a few seconds.
    const from = await proxy(bed, bed.source, 21, { slow: 1, slowMs: 400, methods: ["GET"], path: /\/blobs\// });
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify(jobFor(bed.fixture, from.host, bed.destination.host)));
    const repositories = bed.fixture.repos.map((repo) => `mirror/${repo.name}`);
    const total = allTags(bed.fixture).length;
    const watcher = watchDestination(bed.destination.url, repositories);

    const done = (kind: "blobs" | "tags") =>
      bed.destination
        .requests()
        .filter(
          (r) => r.method === "PUT" && r.status === 201 && (kind === "blobs" ? r.path.includes("/blobs/uploads/") : /\/manifests\/(?!sha256:)/.test(r.path)),
        );
    const first = (child = spawn(process.execPath, [BIN, "sync", "--proc", "1", "--config", config], { cwd: dir, stdio: "ignore" }));
    const exited = new Promise<void>((resolve) => first.once("exit", () => resolve()));
    const deadline = Date.now() + 20_000;
    while (done("tags").length < 2 && first.exitCode === null && Date.now() < deadline) await sleep(10);
    assert.equal(first.exitCode, null, "the first run is still going when killed");
    first.kill("SIGKILL");
    await exited;
    const firstRun = new Set(done("blobs").map((r) => uploadKey(r.path)));

    const halfway = await scanDestination(bed.destination.url, repositories);
    t.diagnostic(
      `killed after ${firstRun.size} blob uploads with ${halfway.tagsSeen} of ${total} tags there; the watcher had scanned ${watcher.scans()} times`,
    );
    assert.deepEqual(halfway.problems, []);
    assert.ok(halfway.tagsSeen >= 2 && halfway.tagsSeen < total, `killed mid-run: ${halfway.tagsSeen} of ${total} tags there`);

    bed.destination.clearRequests();
    const second = await runCli(["sync", "--config", config], dir);
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, new RegExp(`${total - halfway.tagsSeen} synced, ${halfway.tagsSeen} up to date, 0 failed`));
    const secondRun = done("blobs").map((r) => uploadKey(r.path));
    assert.ok(secondRun.length > 0);
    assert.deepEqual(
      secondRun.filter((key) => firstRun.has(key)),
      [],
      "blobs the killed run finished are not uploaded again",
    );

    const watched = await watcher.stop();
    assert.deepEqual(watched.problems, [], "the watcher never saw a manifest with content missing");
    assert.ok(watched.scans >= 10, `the watcher scanned ${watched.scans} times`);
    assert.equal(watched.mostTagsSeen, total);
    await assertDigestsMatch(bed.destination, bed.fixture);
  } finally {
    if (child && child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
    await removeTempDir(dir);
    await bed.stop();
  }
});

test("a deadline stops a run against a very slow registry promptly, failing unfinished images as cancelled", { timeout: TEST_TIMEOUT_MS }, async (t) => {
  const bed = await testBed({ scale: 4, parts: ["shared-base", "multi-arch"] });
  try {
    // Blob reads of the multi-arch repositories take 10 s; the shared-base images (no layer in common with them) are quick.
    const from = await proxy(bed, bed.source, 31, { slow: 1, slowMs: 10_000, methods: ["GET"], path: /^\/v2\/multi\/.*\/blobs\// });
    const deadlineMs = 3000;
    const started = performance.now();
    const report = await runSync(jobFor(bed.fixture, from.host, bed.destination.host), {
      proc: 8,
      signal: AbortSignal.timeout(deadlineMs),
      transport: { retry: FAST_RETRY },
    });
    const elapsed = performance.now() - started;
    t.diagnostic(`returned after ${Math.round(elapsed)} ms: ${JSON.stringify(report.counts)}; ${report.results.find((r) => r.status === "failed")?.error}`);
    assert.ok(elapsed < deadlineMs + 2000, `returned ${Math.round(elapsed)} ms after the start, deadline ${deadlineMs} ms`);
    assert.ok(
      from.requests().some((r) => r.fault === "slow"),
      "the run did reach the slow reads",
    );

    assert.equal(report.results.length, allTags(bed.fixture).length, "every image is reported");
    const byStatus = (status: string) =>
      report.results
        .filter((result) => result.status === status)
        .map((result) => result.destination.replace(/^[^/]+\/mirror\//, ""))
        .sort();
    assert.deepEqual(byStatus("synced"), ["apps/web:1.0", "apps/web:1.1", "apps/web:2.0", "library/alpine-like:3.18", "library/alpine-like:3.19"]);
    assert.deepEqual(byStatus("failed"), ["multi/docker-list:1.0", "multi/oci-index:1.0"]);
    for (const result of report.results.filter((r) => r.status === "failed")) {
      assert.match(result.error ?? "", /cancelled/i, `${result.destination}: ${result.error}`);
      assert.equal(result.retryable, false, `${result.destination} is not retried after the deadline`);
    }
    const scan = await scanDestination(
      bed.destination.url,
      bed.fixture.repos.map((repo) => `mirror/${repo.name}`),
    );
    assert.deepEqual(scan.problems, []);
    assert.equal(scan.tagsSeen, 5, "only the synced images are tagged at the destination");
    await assertDigestsMatch(bed.destination, { ...bed.fixture, repos: bed.fixture.repos.filter((repo) => !repo.name.startsWith("multi/")) });
  } finally {
    await bed.stop();
  }
});

test("429 with Retry-After: the client waits at least that long before retrying", { timeout: TEST_TIMEOUT_MS }, async () => {
  const bed = await testBed({ parts: ["shared-base"] });
  try {
    // Every kind of request to the source is throttled once.
    const from = await proxy(bed, bed.source, 41, { throttle: 1, retryAfterSeconds: 1, maxPerRequest: 1 });
    const job = { images: { [`${from.host}/library/alpine-like:3.18`]: `${bed.destination.host}/mirror/library/alpine-like` } };
    const report = await runSync(job, { transport: { retry: { baseDelayMs: 10 } } });
    assert.equal(report.counts.synced, 1, report.results[0].error);
    // A copy reads the source manifest without a HEAD; the no-op resync after it HEADs it.
    const resync = await runSync(job, { transport: { retry: { baseDelayMs: 10 } } });
    assert.equal(resync.counts.skipped, 1, resync.results[0].error);

    const requests = from.requests();
    const throttled = requests.filter((r) => r.fault === "throttle");
    assert.ok(throttled.length >= 4, `${throttled.length} requests throttled`);
    const kinds = new Set(throttled.map((r) => `${r.method} ${/\/manifests\//.test(r.path) ? "manifest" : /\/blobs\//.test(r.path) ? "blob" : r.path}`));
    assert.ok(
      ["GET /v2/", "HEAD manifest", "GET manifest", "GET blob"].every((kind) => kinds.has(kind)),
      `throttled: ${[...kinds].join(", ")}`,
    );
    for (const answered of throttled) {
      const retry = requests.find((r) => r.seq > answered.seq && r.key === answered.key);
      assert.ok(retry, `${answered.key} was retried`);
      const waited = retry.receivedAt - answered.answeredAt!;
      // A few ms of slack: timers and the two sides' clocks are read at slightly different points.
      assert.ok(waited >= 995, `${answered.key}: retried ${Math.round(waited)} ms after the 429`);
      assert.ok(waited < 3000, `${answered.key}: retried only ${Math.round(waited)} ms after the 429`);
    }
    await assertDigestsMatch(bed.destination, {
      ...bed.fixture,
      repos: [{ name: "library/alpine-like", tags: bed.fixture.repos[0].tags.filter((t) => t.tag === "3.18") }],
    });
  } finally {
    await bed.stop();
  }
});

test("the integrity scan is a real oracle: it reports a served manifest whose layer is gone", { timeout: TEST_TIMEOUT_MS }, async () => {
  const registry = await startRegistry();
  try {
    const image = await pushSmallImage(registry, "oracle/app:1.0");
    assert.deepEqual((await scanDestination(registry.url, ["oracle/app", "oracle/absent"])).problems, []);
    const layer = image.blobs[image.blobs.length - 1].digest;
    assert.equal((await send({ method: "DELETE", url: `${registry.url}/v2/oracle/app/blobs/${layer}` })).status, 202);
    const scan = await scanDestination(registry.url, ["oracle/app"]);
    assert.equal(scan.tagsSeen, 1);
    assert.deepEqual(scan.problems, [`oracle/app:1.0: blob ${layer} answers 404`]);
  } finally {
    await registry.stop();
  }
});

/** "/v2/<repo>/blobs/uploads/<id>?...digest=<d>" -> "<repo> <d>" */
function uploadKey(path: string): string {
  const url = new URL(path, "http://x");
  return `${url.pathname.replace(/^\/v2\/(.+)\/blobs\/uploads\/.*$/, "$1")} ${url.searchParams.get("digest")}`;
}

function runCli(args: string[], cwd: string): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd, env: { ...process.env, CI: "true" } }, (error, _stdout, stderr) => {
      done({ code: error ? Number((error as NodeJS.ErrnoException & { code?: number }).code ?? 1) : 0, stderr });
    });
  });
}
