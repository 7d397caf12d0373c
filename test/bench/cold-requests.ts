import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedStandardFixture } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { measure } from "./measure";
import { countByKind } from "./request-kinds";

/**
 * Requests a cold copy costs, by kind, at each registry: the standard fixture copied by the
 * command as installed from one htpasswd registry into a fresh one. Deterministic, unlike
 * wall time on a shared machine, and what a registry checking bcrypt per request pays for.
 *
 *   BENCH_SCALE    fixture layer-size multiplier (default 20, as `bench:sync`)
 *   BENCH_COMMAND  the registry-dr script to run (default: this checkout's), to compare two builds
 */

const SCALE = Number(process.env.BENCH_SCALE ?? 20);
const COMMAND = process.env.BENCH_COMMAND ?? resolve(__dirname, "../../../bin/registry-dr.js");

async function main(): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "registry-dr-bench-"));
  const users = { bench: "bench-password" };
  const registries: RegistryServer[] = [];
  try {
    const source = await startRegistry({ auth: { kind: "htpasswd", users } });
    registries.push(source);
    const fixture = await seedStandardFixture(source, { scale: SCALE, creds: "bench:bench-password" });
    const destination = await startRegistry({ auth: { kind: "htpasswd", users } });
    registries.push(destination);
    const tags = fixture.repos.reduce((sum, repo) => sum + repo.tags.length, 0);
    const login = { username: "bench", password: "bench-password" };
    const config = join(scratch, "config.json");
    writeFileSync(
      config,
      JSON.stringify({
        auth: { [source.host]: login, [destination.host]: login },
        images: Object.fromEntries(fixture.repos.map((repo) => [`${source.host}/${repo.name}`, `${destination.host}/mirror/${repo.name}`])),
      }),
    );
    source.clearRequests();
    const cold = await measure(process.execPath, [COMMAND, "sync", "--config", config], scratch);
    const sides = { source: source.requests(), destination: destination.requests() };
    const total = sides.source.length + sides.destination.length;
    log(
      `cold copy of ${tags} tags (${fixture.images.length} manifests pushed): ${total} requests, ${(total / tags).toFixed(2)} per image, ${(cold.wallMs / 1000).toFixed(2)} s`,
    );
    for (const [side, requests] of Object.entries(sides)) {
      log(`  ${side}: ${requests.length}`);
      for (const [kind, count] of countByKind(requests)) log(`    ${kind.padEnd(28)} ${String(count).padStart(5)}`);
    }
  } finally {
    await Promise.all(registries.map((registry) => registry.stop()));
    rmSync(scratch, { recursive: true, force: true });
  }
}

const log = (line: string) => process.stdout.write(`${line}\n`);

main().catch((error) => {
  process.stderr.write(`${error.stack ?? error}\n`);
  process.exitCode = 1;
});
