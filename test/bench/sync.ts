import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { buildLargeLayerImage, pushImage, seedStandardFixture } from "../support/fixtures";
import { startRegistry, RegistryRequest, RegistryServer, RegistryServerOptions } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { measure, Measured } from "./measure";
import { countByKind } from "./request-kinds";

/**
 * registry-dr against skopeo, in one run on one machine: the same fixture copied cold
 * into fresh registries, then a no-op resync, then one image with a 1 GiB layer.
 * Prints figures and ratios; asserts nothing about speed.
 *
 *   BENCH_SCALE      fixture layer-size multiplier (default 20)
 *   BENCH_LARGE_MIB  size of the large layer in MiB (default 1024; 0 skips it)
 *   BENCH_BASIC      0 skips the Basic-auth-on-both-sides case (htpasswd, bcrypt per request)
 */

const SCALE = Number(process.env.BENCH_SCALE ?? 20);
const LARGE_MIB = Number(process.env.BENCH_LARGE_MIB ?? 1024);
const ENGINE = resolve(__dirname, "run-engine.js");
const BASIC = process.env.BENCH_BASIC !== "0";
const COMMAND = resolve(__dirname, "../../../bin/registry-dr.js");
const FLOOR = resolve(__dirname, "floor-client.js");
const COUNTER = resolve(__dirname, "connection-counter.js");
/** The engine's check concurrency (run-sync.ts): the floor client runs at the same. */
const CHECK_CONCURRENCY = 32;

interface EngineOutput {
  counts: { synced: number; skipped: number; failed: number };
  stats: { requests: number; bytesUploaded: number };
  failed: unknown[];
}

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "registry-dr-bench-"));
  const registries: RegistryServer[] = [];
  const start = async (options: RegistryServerOptions = {}) => {
    const registry = await startRegistry(options);
    registries.push(registry);
    return registry;
  };
  try {
    const source = await start();
    const seeding = performance.now();
    const fixture = await seedStandardFixture(source, { scale: SCALE });
    const tags = fixture.repos.flatMap((repo) => repo.tags.map((tag) => ({ repo: repo.name, ...tag })));
    log(
      `fixture: ${fixture.repos.length} repositories, ${tags.length} tags, ${mib(fixture.uniqueBlobBytes)} MiB of unique blobs (seeded in ${secs(performance.now() - seeding)} s)`,
    );

    const [oursDest, skopeoDest] = [await start(), await start()];
    const ourJob = { images: Object.fromEntries(fixture.repos.map((repo) => [`${source.host}/${repo.name}`, `${oursDest.host}/mirror/${repo.name}`])) };
    const skopeoYaml = join(scratch, "skopeo-sync.yaml");
    writeFileSync(skopeoYaml, `${source.host}:\n  tls-verify: false\n  images:\n${fixture.repos.map((repo) => `    ${repo.name}: []\n`).join("")}`);
    const runSkopeo = () =>
      measure(
        "skopeo",
        ["sync", "--src", "yaml", "--dest", "docker", "--dest-tls-verify=false", "--all", "--preserve-digests", skopeoYaml, `${skopeoDest.host}/mirror`],
        scratch,
      );

    const coldOurs = await runEngine(ourJob, scratch);
    const coldSkopeo = await runSkopeo();
    await checkDigests(tags, oursDest, "mirror");
    log(`every destination digest equals its source digest: ${tags.length}/${tags.length} (checked with skopeo)`);

    for (const registry of [source, oursDest, skopeoDest]) registry.clearRequests();
    const noopOurs = await runEngine(ourJob, scratch);
    const oursRequests = perTagRequests([...source.requests(), ...oursDest.requests()]);
    source.clearRequests();
    const noopSkopeo = await runSkopeo();
    const skopeoRequests = perTagRequests([...source.requests(), ...skopeoDest.requests()]);

    const table: [string, string, string, string][] = [
      ["", "registry-dr", "skopeo sync", "skopeo / registry-dr"],
      ["cold sync, wall time", `${secs(coldOurs.wallMs)} s`, `${secs(coldSkopeo.wallMs)} s`, ratio(coldSkopeo.wallMs, coldOurs.wallMs)],
      ["no-op resync, wall time", `${secs(noopOurs.wallMs)} s`, `${secs(noopSkopeo.wallMs)} s`, ratio(noopSkopeo.wallMs, noopOurs.wallMs)],
      ["no-op requests per tag*", (oursRequests / tags.length).toFixed(2), (skopeoRequests / tags.length).toFixed(2), ratio(skopeoRequests, oursRequests)],
      ["cold sync, peak RSS", `${coldOurs.maxRssMiB.toFixed(0)} MiB`, `${coldSkopeo.maxRssMiB.toFixed(0)} MiB`, ""],
    ];
    printTable(table);
    log(`* registry access-log lines during the no-op, pings and tag lists aside`);
    log(
      `registry-dr cold: ${coldOurs.output.counts.synced} synced; bytes uploaded ${coldOurs.output.stats.bytesUploaded} / unique missing blob bytes ${fixture.uniqueBlobBytes} = ${(coldOurs.output.stats.bytesUploaded / fixture.uniqueBlobBytes).toFixed(2)}`,
    );
    log(`registry-dr no-op: ${noopOurs.output.counts.skipped} skipped`);

    if (BASIC) await basicAuthBothSides(start, scratch);
    if (LARGE_MIB > 0) await largeLayer(start, scratch);
  } finally {
    await Promise.all(registries.map((registry) => registry.stop()));
    rmSync(scratch, { recursive: true, force: true });
  }
}

/**
 * htpasswd on both registries: each request costs the registry a bcrypt, which bounds any
 * client. The floor is a bare client sending the two HEADs per tag a no-op needs, at the
 * engine's check concurrency, started as a process like the command; the command runs as
 * installed (`registry-dr sync --config`), start-up included.
 */
async function basicAuthBothSides(start: (options?: RegistryServerOptions) => Promise<RegistryServer>, scratch: string): Promise<void> {
  const users = { bench: "bench-password" };
  const creds = "bench:bench-password";
  const source = await start({ auth: { kind: "htpasswd", users } });
  const fixture = await seedStandardFixture(source, { scale: SCALE, creds });
  const tags = fixture.repos.flatMap((repo) => repo.tags.map((tag) => ({ repo: repo.name, ...tag })));
  const [oursDest, skopeoDest] = [await start({ auth: { kind: "htpasswd", users } }), await start({ auth: { kind: "htpasswd", users } })];
  const login = { username: "bench", password: "bench-password" };
  const config = join(scratch, "basic-config.json");
  writeFileSync(
    config,
    JSON.stringify({
      auth: { [source.host]: login, [oursDest.host]: login },
      images: Object.fromEntries(fixture.repos.map((repo) => [`${source.host}/${repo.name}`, `${oursDest.host}/mirror/${repo.name}`])),
    }),
  );
  const runCommand = () => measure(process.execPath, ["-r", COUNTER, COMMAND, "sync", "--config", config], scratch);
  const skopeoYaml = join(scratch, "basic-skopeo.yaml");
  writeFileSync(
    skopeoYaml,
    `${source.host}:\n  tls-verify: false\n  credentials:\n    username: bench\n    password: bench-password\n  images:\n${fixture.repos.map((repo) => `    ${repo.name}: []\n`).join("")}`,
  );
  const runSkopeo = () =>
    measure(
      "skopeo",
      [
        "sync",
        "--src",
        "yaml",
        "--dest",
        "docker",
        "--dest-tls-verify=false",
        "--dest-creds",
        creds,
        "--all",
        "--preserve-digests",
        skopeoYaml,
        `${skopeoDest.host}/mirror`,
      ],
      scratch,
    );

  // Seeding went through the source: only the copy's own requests count.
  source.clearRequests();
  const cold = await runCommand();
  const coldRequests = [...source.requests(), ...oursDest.requests()];
  source.clearRequests();
  const coldSkopeo = await runSkopeo();
  const coldSkopeoRequests = [...source.requests(), ...skopeoDest.requests()];
  await checkDigests(tags, oursDest, "mirror", creds);
  for (const registry of [source, oursDest]) registry.clearRequests();
  const noop = await runCommand();
  const noopRequests = perTagRequests([...source.requests(), ...oursDest.requests()]);
  const noopSkopeo = await runSkopeo();
  const floorInput = join(scratch, "floor.json");
  const credentials = { [source.host]: creds, [oursDest.host]: creds };
  writeFileSync(
    floorInput,
    JSON.stringify({
      credentials,
      concurrency: CHECK_CONCURRENCY,
      tags: tags.map((tag) => ({
        source: `${source.url}/v2/${tag.repo}/manifests/${tag.tag}`,
        destination: `${oursDest.url}/v2/mirror/${tag.repo}/manifests/${tag.tag}`,
      })),
    }),
  );
  const floor = await measure(process.execPath, [FLOOR, floorInput], scratch);
  const coldConnections = connectionsOf(cold.stderr);
  const noopConnections = connectionsOf(noop.stderr);
  log(`\nBasic auth (htpasswd, bcrypt per request) on both sides, ${tags.length} tags; registry-dr run as installed, start-up included`);
  printTable([
    ["", "registry-dr", "floor", "skopeo sync", "registry-dr / floor", "skopeo / registry-dr"],
    [
      "no-op resync, wall time",
      `${secs(noop.wallMs)} s`,
      `${secs(floor.wallMs)} s`,
      `${secs(noopSkopeo.wallMs)} s`,
      ratio(noop.wallMs, floor.wallMs),
      ratio(noopSkopeo.wallMs, noop.wallMs),
    ],
    ["cold sync, wall time", `${secs(cold.wallMs)} s`, "", `${secs(coldSkopeo.wallMs)} s`, "", ratio(coldSkopeo.wallMs, cold.wallMs)],
    ["cold sync, peak RSS", `${cold.maxRssMiB.toFixed(0)} MiB`, "", `${coldSkopeo.maxRssMiB.toFixed(0)} MiB`, "", ""],
  ]);
  log(
    `no-op: ${(noopRequests / tags.length).toFixed(2)} requests per tag (pings and tag lists aside), ${noopConnections.connects} TCP connections, first request ${noopConnections.firstConnectMs?.toFixed(0)} ms after start`,
  );
  log(
    `cold: ${(coldRequests.length / tags.length).toFixed(2)} requests per image at the registries (skopeo ${(coldSkopeoRequests.length / tags.length).toFixed(2)}), ${coldConnections.connects} TCP connections, first request ${coldConnections.firstConnectMs?.toFixed(0)} ms after start`,
  );
  log(`cold requests by kind, registry-dr / skopeo:`);
  const skopeoKinds = new Map(countByKind(coldSkopeoRequests));
  const ourKinds = new Map(countByKind(coldRequests));
  for (const kind of [...new Set([...ourKinds.keys(), ...skopeoKinds.keys()])].sort())
    log(`  ${kind.padEnd(28)} ${String(ourKinds.get(kind) ?? 0).padStart(5)} ${String(skopeoKinds.get(kind) ?? 0).padStart(7)}`);
}

function connectionsOf(stderr: string): { connects: number; firstConnectMs?: number } {
  const line = /bench-connections (\{.*\})/.exec(stderr);
  return line ? JSON.parse(line[1]) : { connects: Number.NaN };
}

async function largeLayer(start: () => Promise<RegistryServer>, scratch: string): Promise<void> {
  const source = await start();
  const building = performance.now();
  const image = await buildLargeLayerImage(LARGE_MIB * 1024 * 1024, scratch);
  const pushed = await pushImage(source, "large/layer:1", image);
  log(`\nlarge layer: one ${LARGE_MIB} MiB layer, built and pushed in ${secs(performance.now() - building)} s`);
  const [oursDest, skopeoDest] = [await start(), await start()];
  const ours = await runEngine({ images: { [`${source.host}/large/layer:1`]: `${oursDest.host}/large/layer` } }, scratch);
  const skopeo = await measure(
    "skopeo",
    [
      "copy",
      "--src-tls-verify=false",
      "--dest-tls-verify=false",
      "--preserve-digests",
      `docker://${source.host}/large/layer:1`,
      `docker://${skopeoDest.host}/large/layer:1`,
    ],
    scratch,
  );
  if ((await manifestDigest(`docker://${oursDest.host}/large/layer:1`)) !== pushed.digest) throw new Error("large layer: digest differs after copy");
  printTable([
    ["", "registry-dr", "skopeo copy", "skopeo / registry-dr"],
    ["1 GiB layer, wall time", `${secs(ours.wallMs)} s`, `${secs(skopeo.wallMs)} s`, ratio(skopeo.wallMs, ours.wallMs)],
    ["1 GiB layer, peak RSS", `${ours.maxRssMiB.toFixed(0)} MiB`, `${skopeo.maxRssMiB.toFixed(0)} MiB`, ratio(skopeo.maxRssMiB, ours.maxRssMiB)],
  ]);
  log(`registry-dr uploaded ${mib(ours.output.stats.bytesUploaded)} MiB; peak RSS ${ours.maxRssMiB.toFixed(0)} MiB (target: under 200 MB)`);
}

async function runEngine(job: object, scratch: string): Promise<Measured & { output: EngineOutput }> {
  const input = join(scratch, `job-${process.hrtime.bigint()}.json`);
  writeFileSync(input, JSON.stringify({ job, options: { proc: 8 } }));
  const measured = await measure(process.execPath, [ENGINE, input], scratch);
  const output = JSON.parse(measured.stdout) as EngineOutput;
  if (output.counts.failed) throw new Error(`registry-dr failed images: ${JSON.stringify(output.failed)}`);
  return { ...measured, output };
}

async function checkDigests(tags: { repo: string; tag: string; digest: string }[], registry: RegistryServer, prefix: string, creds?: string): Promise<void> {
  for (const tag of tags) {
    const actual = await manifestDigest(`docker://${registry.host}/${prefix}/${tag.repo}:${tag.tag}`, creds);
    if (actual !== tag.digest) throw new Error(`${tag.repo}:${tag.tag}: destination ${actual} != source ${tag.digest}`);
  }
}

function perTagRequests(requests: RegistryRequest[]): number {
  return requests.filter((r) => r.path !== "/v2/" && !r.path.includes("/tags/list")).length;
}

function printTable(rows: string[][]): void {
  const widths = rows[0].map((_, column) => Math.max(...rows.map((row) => row[column].length)));
  for (const row of rows) log(row.map((cell, column) => cell.padEnd(widths[column])).join("  "));
}

const log = (line: string) => process.stdout.write(`${line}\n`);
const secs = (ms: number) => (ms / 1000).toFixed(2);
const mib = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);
const ratio = (peer: number, ours: number) => `${(peer / ours).toFixed(2)}x`;

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
