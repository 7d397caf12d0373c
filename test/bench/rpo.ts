import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { AddressInfo, Socket, createServer, connect } from "node:net";
import { join } from "node:path";
import { promisify } from "node:util";
import { addTags, pushSmallImage, smallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { makeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { WatchProcess, metricValue, startWatch, until } from "../support/watch-process";

/**
 * The recovery point, measured: images pushed at a steady rate to a real registry that sends
 * its notifications to `registry-dr watch`; the seconds until each is on the standby, beside
 * skopeo sync run every minute (the schedule a cron user has) into a second standby in the same
 * run. Then the standby down for 30 s in the middle of a burst, and the safety-net resync at
 * 10,000 tags. Prints figures; asserts only that nothing was lost.
 *
 *   BENCH_RPO_IMAGES   images pushed in the steady run (default 60)
 *   BENCH_RPO_RATE     pushes a second (default 1)
 *   BENCH_RPO_TAGS     tags for the resync cost (default 10000; 0 skips it)
 *   BENCH_RPO_LOG      1 prints the watcher's log at the end
 */

const IMAGES = Number(process.env.BENCH_RPO_IMAGES ?? 60);
const RATE = Number(process.env.BENCH_RPO_RATE ?? 1);
const TAGS = Number(process.env.BENCH_RPO_TAGS ?? 10_000);
const SCHEDULE_MS = 60_000;
const SECRET = "bench-secret-0123456789abcdef";
const run = promisify(execFile);

interface Pushed {
  tag: string;
  digest: string;
  at: number;
}

async function main(): Promise<void> {
  const scratch = makeTempDir("registry-dr-bench-rpo-");
  const port = await freePort();
  const primary = await startRegistry({
    notifications: { url: `http://127.0.0.1:${port}/events/distribution`, headers: { Authorization: `Bearer ${SECRET}` } },
  });
  const [standby, scheduled] = await Promise.all([startRegistry(), startRegistry()]);
  const gate = await startGate(Number(standby.host.split(":")[1]));
  const parts: { stop(): unknown }[] = [primary, standby, scheduled, gate];
  let watcher: WatchProcess | undefined;
  try {
    const config = join(scratch, "watch.json");
    // The watcher reaches the standby through the gate, so the outage below is the standby's alone.
    writeFileSync(
      config,
      JSON.stringify({
        images: { [`${primary.host}/bench/app`]: `${gate.host}/bench/app` },
        auth: { [primary.host]: { insecure: true }, [gate.host]: { insecure: true } },
      }),
    );
    await pushSmallImage(primary, "bench/app:seed", undefined, "seed");
    watcher = startWatch([`--config=${config}`, "--resync-interval=1h", "--proc=4"], port, SECRET, scratch);
    await watcher.ready(60_000);
    const memory = sampleMemory(watcher);

    say(`steady: ${IMAGES} images pushed at ${RATE}/s; registry-dr watch (events) beside skopeo sync every ${SCHEDULE_MS / 1000} s`);
    const schedule = skopeoEveryMinute(primary, scheduled);
    // Arrivals are watched while the pushes go on: an image is timed from its push to when it is seen.
    const pushed: Pushed[] = [];
    const measured = Promise.all([arrivals(standby, "bench/app", pushed, IMAGES), arrivals(scheduled, "mirror/app", pushed, IMAGES)]);
    await pushSteadily(primary, "steady", IMAGES, RATE, pushed);
    const [watched, polled] = await measured;
    schedule.stop();
    await schedule.done;
    report("registry-dr watch", watched);
    report(`skopeo sync every ${SCHEDULE_MS / 1000} s`, polled);
    say(
      `ratio (skopeo schedule / watch): p50 ${ratio(pct(polled, 50), pct(watched, 50))}, p99 ${ratio(pct(polled, 99), pct(watched, 99))}, max ${ratio(pct(polled, 100), pct(watched, 100))}`,
    );
    await checkDigests(standby, "bench/app", pushed);

    const outageImages = Math.max(10, Math.round(30 * RATE));
    say(`outage: ${outageImages} images pushed at ${RATE}/s; the standby refuses connections for 30 s from the 10th push`);
    const during: Pushed[] = [];
    const caughtUpMeasured = arrivals(standby, "bench/app", during, outageImages, 180_000);
    await pushSteadily(primary, "outage", outageImages, RATE, during, async (index) => {
      if (index === 10) {
        gate.down(true);
        setTimeout(() => gate.down(false), 30_000);
      }
    });
    const caughtUp = await caughtUpMeasured;
    report("registry-dr watch, standby down 30 s", caughtUp);
    await checkDigests(standby, "bench/app", during);
    const last = Math.max(...during.map((image) => image.at));
    say(
      `nothing lost: all ${during.length} on the standby with the primary's digests (skopeo), the slowest ${seconds(Math.max(...caughtUp) * 1000)} after its push, ${seconds(Date.now() - last)} after the last push`,
    );
    const rss = memory.stop();
    say(`watcher memory (RSS) over the run: first ${mib(rss[0])}, peak ${mib(Math.max(...rss))}, last ${mib(rss.at(-1)!)} (${rss.length} samples)`);

    if (TAGS > 0) await resyncCost(watcher, primary, standby, scratch);
  } finally {
    if (process.env.BENCH_RPO_LOG === "1") process.stdout.write(watcher?.log() ?? "");
    await watcher?.kill();
    await Promise.all(parts.map((part) => part.stop()));
  }
}

/** The cost of the safety net: a resync that finds TAGS tags up to date. */
async function resyncCost(watcher: WatchProcess, primary: RegistryServer, standby: RegistryServer, scratch: string): Promise<void> {
  say(`resync cost: ${TAGS} tags on the primary and the standby, all up to date`);
  const image = smallImage("many");
  await pushSmallImage(primary, "many/app:base", undefined, "many");
  const tags = Array.from({ length: TAGS }, (_, index) => `t${index}`);
  await addTags(primary, "many/app", tags, image);
  const config = join(scratch, "many.json");
  writeFileSync(
    config,
    JSON.stringify({
      images: { [`${primary.host}/many/app`]: `${standby.host}/many/app` },
      auth: { [primary.host]: { insecure: true }, [standby.host]: { insecure: true } },
    }),
  );
  await run(process.execPath, [join(__dirname, "../../../bin/registry-dr.js"), "sync", `--config=${config}`, "--proc=16"], { maxBuffer: 64 * 1024 * 1024 });
  await watcher.kill();
  const port = await freePort();
  standby.clearRequests();
  primary.clearRequests();
  const started = Date.now();
  const again = startWatch([`--config=${config}`, "--resync-interval=1h"], port, SECRET, scratch);
  await again.ready(600_000);
  const wall = Date.now() - started;
  const requests = primary.requests().length + standby.requests().length;
  const peak = peakRss(again.child.pid!);
  say(
    `resync at ${TAGS + 1} tags: ${seconds(wall)} from start to ready, ${requests} requests (${(requests / (TAGS + 1)).toFixed(2)} a tag), watcher peak RSS ${mib(peak)}`,
  );
  const metrics = await again.metrics();
  say(
    `  its metrics: last resync ${metricValue(metrics, "registry_dr_last_resync_duration_seconds")} s, success ${metricValue(metrics, "registry_dr_last_resync_success")}`,
  );
  await again.kill();
}

/** Pushes `count` images at `rate` a second, each added to `pushed` when its push has finished. */
async function pushSteadily(
  registry: RegistryServer,
  prefix: string,
  count: number,
  rate: number,
  pushed: Pushed[],
  before?: (index: number) => Promise<void>,
): Promise<void> {
  const started = Date.now();
  const pushes: Promise<void>[] = [];
  for (let index = 0; index < count; index++) {
    await sleep(Math.max(0, started + (index * 1000) / rate - Date.now()));
    await before?.(index);
    const tag = `${prefix}-${index}`;
    pushes.push(
      pushSmallImage(registry, `bench/app:${tag}`, undefined, `${prefix}-${index}`).then((image) => {
        pushed.push({ tag, digest: image.digest, at: Date.now() });
      }),
    );
  }
  await Promise.all(pushes);
}

/** Seconds from each push until the registry answers its tag with the digest (HEAD every 100 ms), for `count` images as they are pushed. */
async function arrivals(registry: RegistryServer, repository: string, pushed: Pushed[], count: number, timeoutMs = SCHEDULE_MS * 4): Promise<number[]> {
  const seen = new Map<string, number>();
  await until(
    async () => {
      await Promise.all(
        pushed
          .filter((image) => !seen.has(image.tag))
          .map(async (image) => {
            const response = await fetch(`${registry.url}/v2/${repository}/manifests/${image.tag}`, {
              method: "HEAD",
              headers: { accept: "application/vnd.oci.image.manifest.v1+json, application/vnd.docker.distribution.manifest.v2+json" },
            }).catch(() => undefined);
            if (response?.status === 200 && response.headers.get("docker-content-digest") === image.digest) seen.set(image.tag, Date.now());
          }),
      );
      return seen.size === count;
    },
    timeoutMs,
    () => `${count - seen.size} image(s) never reached ${registry.host}/${repository}`,
  );
  return pushed.map((image) => (seen.get(image.tag)! - image.at) / 1000);
}

async function checkDigests(registry: RegistryServer, repository: string, pushed: Pushed[]): Promise<void> {
  for (const image of pushed) {
    const digest = await manifestDigest(`docker://${registry.host}/${repository}:${image.tag}`);
    if (digest !== image.digest) throw new Error(`${repository}:${image.tag} holds ${digest}, not ${image.digest}`);
  }
}

/** skopeo sync of the repository every SCHEDULE_MS, the first a random part of a period in (as a cron job's phase is). */
function skopeoEveryMinute(primary: RegistryServer, scheduled: RegistryServer): { stop(): void; done: Promise<void> } {
  let stopped = false;
  const done = (async () => {
    await sleep(Math.random() * SCHEDULE_MS);
    while (!stopped) {
      const started = Date.now();
      await run(
        "skopeo",
        [
          "sync",
          "--src",
          "docker",
          "--dest",
          "docker",
          "--src-tls-verify=false",
          "--dest-tls-verify=false",
          `${primary.host}/bench/app`,
          `${scheduled.host}/mirror`,
        ],
        {
          maxBuffer: 64 * 1024 * 1024,
        },
      ).catch((error) => say(`skopeo sync failed: ${error.message.slice(0, 200)}`));
      await sleep(Math.max(0, started + SCHEDULE_MS - Date.now()));
    }
  })();
  return { stop: () => void (stopped = true), done };
}

/** A TCP gate in front of the standby: while down, connections are refused and open ones cut. */
async function startGate(upstreamPort: number) {
  let closed = false;
  const sockets = new Set<Socket>();
  const server = createServer((client) => {
    if (closed) return void client.destroy();
    const upstream = connect(upstreamPort, "127.0.0.1");
    sockets.add(client).add(upstream);
    client.pipe(upstream).pipe(client);
    for (const socket of [client, upstream])
      socket
        .on("error", () => {})
        .on("close", () => {
          sockets.delete(socket);
          client.destroy();
          upstream.destroy();
        });
  });
  server.listen(0, "127.0.0.1");
  await new Promise((resolve) => server.once("listening", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    down(state: boolean) {
      closed = state;
      if (state) for (const socket of sockets) socket.destroy();
      say(state ? "  the standby is down" : "  the standby is back");
    },
    stop: () => new Promise((resolve) => server.close(resolve)),
  };
}

function sampleMemory(watcher: WatchProcess): { stop(): number[] } {
  const samples: number[] = [];
  const take = () => samples.push(currentRss(watcher.child.pid!));
  take();
  const timer = setInterval(take, 2000);
  return {
    stop() {
      clearInterval(timer);
      take();
      return samples;
    },
  };
}

function currentRss(pid: number): number {
  return statusField(pid, "VmRSS");
}

function peakRss(pid: number): number {
  return statusField(pid, "VmHWM");
}

function statusField(pid: number, field: string): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

function report(label: string, delays: number[]): void {
  say(
    `  ${label}: p50 ${seconds(pct(delays, 50) * 1000)}, p99 ${seconds(pct(delays, 99) * 1000)}, max ${seconds(pct(delays, 100) * 1000)} until the standby holds an image`,
  );
}

function pct(values: number[], percentile: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((percentile / 100) * sorted.length) - 1)];
}

function ratio(peer: number, ours: number): string {
  return `${(peer / ours).toFixed(1)}x`;
}

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

function mib(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

main().catch((error) => {
  process.stderr.write(`bench failed: ${error.stack ?? error}\n`);
  process.exitCode = 1;
});
