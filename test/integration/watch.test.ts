import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { pushSmallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";
import { WatchProcess, metricValue, startWatch, until } from "../support/watch-process";

/**
 * `registry-dr watch` against real registries: the primary sends distribution's notifications
 * to the watcher (as its config's `notifications.endpoints` would in production), the standby
 * receives the copies; skopeo is the oracle for what the standby holds.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const SECRET = "watch-secret-0123456789";

let port: number;
let primary: RegistryServer;
let standby: RegistryServer;
let dir: string;
let config: string;
let watcher: WatchProcess | undefined;

before(async () => {
  port = await freePort();
  [primary, standby] = await Promise.all([
    startRegistry({ notifications: { url: `http://127.0.0.1:${port}/events/distribution`, headers: { Authorization: `Bearer ${SECRET}` } } }),
    startRegistry(),
  ]);
  dir = mkdtempSync(join(tmpdir(), "registry-dr-watch-"));
  config = join(dir, "watch.json");
  writeFileSync(
    config,
    JSON.stringify({
      auth: { [primary.host]: { insecure: true }, [standby.host]: { insecure: true } },
      // library/app: every tag; team/**: the whole project; other/* is not selected.
      images: { [`${primary.host}/library/app`]: `${standby.host}/library/app`, [`${primary.host}/team/**`]: `${standby.host}/team` },
    }),
  );
});
after(async () => {
  await watcher?.kill();
  await Promise.all([primary?.stop(), standby?.stop()]);
});

async function standbyDigest(repoTag: string): Promise<string | undefined> {
  try {
    return await manifestDigest(`docker://${standby.host}/${repoTag}`);
  } catch {
    return undefined;
  }
}

function resyncLines(log: string): number {
  return log.split("\n").filter((line) => / resync: /.test(line)).length;
}

test("a push reaches the standby through its notification, with no resync in between", async () => {
  // Pushed before the watcher runs: its start resync copies them.
  const earlier = await Promise.all([
    pushSmallImage(primary, "library/app:0.1", undefined, "early-1"),
    pushSmallImage(primary, "team/api/server:0.1", undefined, "early-2"),
  ]);
  watcher = startWatch([`--config=${config}`, "--resync-interval=1h"], port, SECRET, dir);
  await watcher.ready();
  assert.equal(resyncLines(watcher.log()), 1, "the start resync ran once");
  assert.match(watcher.log(), / resync: 2 copied, 0 up to date, 0 failed/);
  for (const image of earlier) assert.equal(await standbyDigest(image.ref), image.digest);

  const pushed = await pushSmallImage(primary, "library/app:1.0", undefined, "watch-1");
  await until(
    async () => (await standbyDigest("library/app:1.0")) === pushed.digest,
    20_000,
    () => `library/app:1.0 never reached the standby; log:\n${watcher!.log()}`,
  );
  const project = await pushSmallImage(primary, "team/api/server:2.0", undefined, "watch-2");
  await until(
    async () => (await standbyDigest("team/api/server:2.0")) === project.digest,
    20_000,
    () => `team/api/server:2.0 never arrived; log:\n${watcher!.log()}`,
  );

  assert.equal(resyncLines(watcher.log()), 1, "no resync ran in between: the events did the copying");
  assert.match(watcher.log(), new RegExp(`copied ${primary.host}/library/app:1\\.0 -> ${standby.host}/library/app:1\\.0`));
  const metrics = await watcher.metrics();
  assert.equal(metricValue(metrics, `registry_dr_copies_total{site="${standby.host}",result="synced"}`), 4);
  assert.equal(metricValue(metrics, `registry_dr_recovery_point_seconds{site="${standby.host}"}`), 0);
  assert.equal(metricValue(metrics, "registry_dr_queue_depth"), 0);
  assert.ok((metricValue(metrics, `registry_dr_copied_bytes_total{site="${standby.host}"}`) ?? 0) > 0);
  assert.equal(metricValue(metrics, "registry_dr_last_resync_success"), 1);
});

test("an event for a repository the config does not select copies nothing", async () => {
  assert.ok(watcher, "runs after the first test's watcher started");
  const before = metricValue(await watcher.metrics(), 'registry_dr_events_total{sender="distribution",outcome="unselected"}') ?? 0;
  await pushSmallImage(primary, "other/tool:1.0", undefined, "unselected");
  await until(
    async () => (metricValue(await watcher!.metrics(), 'registry_dr_events_total{sender="distribution",outcome="unselected"}') ?? 0) > before,
    20_000,
    () => `the event for other/tool never arrived; log:\n${watcher!.log()}`,
  );
  await new Promise((done) => setTimeout(done, 500));
  assert.deepEqual(await listTags(`docker://${standby.host}/other/tool`).catch(() => []), []);
  assert.doesNotMatch(watcher.log(), /other\/tool/);
});

test("an event without the shared secret, or with another one, is refused and logged without its body", async () => {
  assert.ok(watcher);
  const marker = "forged-body-marker-7731";
  const body = JSON.stringify({
    events: [
      {
        action: "push",
        target: { mediaType: "application/vnd.oci.image.manifest.v1+json", repository: "library/app", tag: marker },
        request: { host: primary.host },
      },
    ],
  });
  for (const authorization of [undefined, "Bearer not-the-secret-000000", `Basic ${Buffer.from(`x:${SECRET}`).toString("base64")}`, SECRET]) {
    const response = await fetch(`${watcher.url}/events/distribution`, {
      method: "POST",
      headers: { "content-type": "application/json", ...(authorization ? { authorization } : {}) },
      body,
    });
    assert.equal(response.status, 401, `refused with ${authorization ?? "no Authorization"}`);
  }
  const log = watcher.log();
  assert.equal((log.match(/refused an event request to \/events\/distribution/g) ?? []).length, 4);
  assert.doesNotMatch(log, new RegExp(marker));
  assert.doesNotMatch(log, /not-the-secret/);
  assert.equal(metricValue(await watcher.metrics(), 'registry_dr_events_total{sender="distribution",outcome="refused"}'), 4);
});

test("Harbor's webhook payload (default and CloudEvents) copies the artifact it names", async () => {
  assert.ok(watcher);
  const first = await pushSmallImage(primary, "library/app:h1", undefined, "harbor-1");
  const second = await pushSmallImage(primary, "library/app:h2", undefined, "harbor-2");
  // The notifications of those pushes copy them too; the webhook must be accepted for what it names.
  const resource = (tag: string, digest: string) => ({ digest, tag, resource_url: `${primary.host}/library/app:${tag}` });
  const repository = { date_created: 1700000000, name: "app", namespace: "library", repo_full_name: "library/app", repo_type: "private" };
  const payloads = [
    {
      type: "PUSH_ARTIFACT",
      occur_at: Math.floor(Date.now() / 1000),
      operator: "robot$ci",
      event_data: { resources: [resource("h1", first.digest)], repository },
    },
    {
      specversion: "1.0",
      id: "5d8f8ff6-2f8f-4cbb-9b7d-2e9e4f0b3c11",
      source: "/projects/1/webhook/policies/1",
      type: "harbor.artifact.pushed",
      datacontenttype: "application/json",
      time: new Date().toISOString(),
      operator: "robot$ci",
      data: { resources: [resource("h2", second.digest)], repository },
    },
  ];
  for (const payload of payloads) {
    const response = await fetch(`${watcher.url}/events/harbor`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
      body: JSON.stringify(payload),
    });
    assert.equal(response.status, 202, await response.text());
  }
  await until(
    async () => (await standbyDigest("library/app:h1")) === first.digest && (await standbyDigest("library/app:h2")) === second.digest,
    20_000,
    () => `the Harbor-named artifacts never arrived; log:\n${watcher!.log()}`,
  );
  const metrics = await watcher.metrics();
  assert.ok(
    (metricValue(metrics, 'registry_dr_events_total{sender="harbor",outcome="queued"}') ?? 0) +
      (metricValue(metrics, 'registry_dr_events_total{sender="harbor",outcome="coalesced"}') ?? 0) >=
      2,
  );
  const bad = await fetch(`${watcher.url}/events/harbor`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${SECRET}` },
    body: JSON.stringify({
      type: "PUSH_ARTIFACT",
      event_data: { resources: [{ tag: "../../x", resource_url: `${primary.host}/library/app:x` }], repository: { repo_full_name: "library/app" } },
    }),
  });
  assert.equal(bad.status, 202);
  assert.match(watcher.log(), /ignored: an event for library\/app names an invalid tag "\.\.\/\.\.\/x"/);
});

test("a restart in the middle of a burst loses nothing: the events sent again and the start resync copy the rest", async () => {
  assert.ok(watcher);
  const burst = Array.from({ length: 8 }, (_, index) => `burst-${index}`);
  const pushing = Promise.all(burst.map((tag) => pushSmallImage(primary, `library/app:${tag}`, undefined, tag)));
  // Killed (not stopped) as soon as the first of the burst lands: queued copies die with it.
  await until(
    async () => (await listTags(`docker://${standby.host}/library/app`)).some((tag) => tag.startsWith("burst-")),
    20_000,
    () => "no burst image arrived",
  );
  await watcher.kill();
  const images = await pushing;
  watcher = startWatch([`--config=${config}`, "--resync-interval=1h"], port, SECRET, dir);
  await watcher.ready();
  for (const image of images) assert.equal(await standbyDigest(image.ref), image.digest, `${image.ref} is on the standby after the restart`);
  assert.equal(metricValue(await watcher.metrics(), `registry_dr_recovery_point_seconds{site="${standby.host}"}`), 0);
});

test("SIGTERM drains: the watcher stops taking events, finishes what it took and exits 0", async () => {
  assert.ok(watcher);
  const code = await watcher.terminate();
  assert.equal(code, 0, watcher.log());
  assert.match(watcher.log(), /stopped; every queued copy finished/);
  watcher = undefined;
});

test("the watcher refuses to start without a long enough shared secret, or with a flag it does not take", async () => {
  const run = (args: string[], env: NodeJS.ProcessEnv) =>
    promisify(execFile)(process.execPath, [BIN, "watch", ...args], { cwd: dir, env: { ...process.env, ...env } }).then(
      () => ({ code: 0, stderr: "" }),
      (error: { code: number; stderr: string }) => ({ code: error.code, stderr: error.stderr }),
    );
  const noSecret = await run([`--config=${config}`], { REGISTRY_DR_WATCH_SECRET: "" });
  assert.equal(noSecret.code, 2);
  assert.match(noSecret.stderr, /REGISTRY_DR_WATCH_SECRET must hold the shared secret/);
  const short = await run([`--config=${config}`], { REGISTRY_DR_WATCH_SECRET: "short" });
  assert.equal(short.code, 2);
  const timeout = await run([`--config=${config}`, "--timeout=1h"], { REGISTRY_DR_WATCH_SECRET: SECRET });
  assert.equal(timeout.code, 2);
  assert.match(timeout.stderr, /--timeout belongs to registry-dr sync and verify, not watch/);
  const interval = await run([`--config=${config}`, "--resync-interval=1s"], { REGISTRY_DR_WATCH_SECRET: SECRET });
  assert.match(interval.stderr, /--resync-interval: expected a duration of at least 10s/);
});

test("verify --metrics-file writes the recovery point, counted from when an image was first found missing", async () => {
  const metricsFile = join(dir, "registry-dr.prom");
  const only = join(dir, "verify.json");
  writeFileSync(
    only,
    JSON.stringify({
      auth: { [primary.host]: { insecure: true }, [standby.host]: { insecure: true } },
      images: { [`${primary.host}/solo/db:1.0`]: `${standby.host}/solo/db:1.0` },
    }),
  );
  await pushSmallImage(primary, "solo/db:1.0", undefined, "solo");
  const verify = () =>
    promisify(execFile)(process.execPath, [BIN, "verify", `--config=${only}`, `--metrics-file=${metricsFile}`], { cwd: dir }).catch((error) => error);
  await verify();
  const first = readFileSync(metricsFile, "utf8");
  assert.equal(metricValue(first, `registry_dr_images_missing{site="${standby.host}"}`), 1);
  await new Promise((done) => setTimeout(done, 1200));
  await verify();
  const second = readFileSync(metricsFile, "utf8");
  assert.ok((metricValue(second, `registry_dr_recovery_point_seconds{site="${standby.host}"}`) ?? 0) >= 1, second);
  await promisify(execFile)(process.execPath, [BIN, "sync", `--config=${only}`], { cwd: dir });
  await verify();
  const third = readFileSync(metricsFile, "utf8");
  assert.equal(metricValue(third, `registry_dr_recovery_point_seconds{site="${standby.host}"}`), 0);
  assert.equal(metricValue(third, `registry_dr_images_missing{site="${standby.host}"}`), 0);
  assert.match(third, /# TYPE registry_dr_recovery_point_seconds gauge/);
});
