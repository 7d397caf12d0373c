import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { seedStandardFixture } from "../../test/support/fixtures";
import { startRegistry, RegistryServer } from "../../test/support/registry-server";

/**
 * The main job on a local default: a "Harbor" registry with basic auth and a DR registry,
 * both real registries on loopback; a few images seeded; `registry-dr sync` as in Alibaba Cloud's image-syncer guide
 * runs image-syncer; then `registry-dr verify`. Everything is removed at the end.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const HARBOR_USER = { username: "robot$dr-sync", password: "demo-password" };

async function main(): Promise<number> {
  const work = mkdtempSync(join(tmpdir(), "registry-dr-demo-"));
  const registries: RegistryServer[] = [];
  try {
    say("starting two local registries: a primary with basic auth, and a DR copy");
    const primary = await startRegistry({ auth: { kind: "htpasswd", users: { [HARBOR_USER.username]: HARBOR_USER.password } } });
    const standby = await startRegistry();
    registries.push(primary, standby);
    say(`primary ${primary.url}, standby ${standby.url}; seeding images into the primary`);
    const fixture = await seedStandardFixture(primary, { creds: `${HARBOR_USER.username}:${HARBOR_USER.password}`, parts: ["shared-base", "multi-arch"] });
    const tags = fixture.repos.reduce((sum, repo) => sum + repo.tags.length, 0);
    say(`seeded ${fixture.repos.length} repositories, ${tags} tags`);

    const config = join(work, "harbor-to-dr.json");
    writeFileSync(
      config,
      JSON.stringify(
        {
          auth: { [primary.host]: { ...HARBOR_USER, insecure: true }, [standby.host]: { insecure: true } },
          images: Object.fromEntries(fixture.repos.map((repo) => [`${primary.host}/${repo.name}`, ""])),
        },
        null,
        2,
      ),
    );
    const flags = ["--proc=10", `--config=${config}`, `--registry=${standby.host}`, "--namespace=dr", "--retries=3"];
    say(`registry-dr sync ${flags.join(" ")}`);
    const sync = cli(["sync", ...flags, `--failed-images=${join(work, "failed.json")}`], work);
    say("registry-dr sync again: nothing to do, every tag up to date");
    cli(["sync", ...flags], work);
    say(`registry-dr verify ${flags.join(" ")}`);
    const verify = cli(["verify", ...flags], work);
    return sync === 0 && verify === 0 ? 0 : 1;
  } finally {
    await Promise.all(registries.map((registry) => registry.stop()));
    rmSync(work, { recursive: true, force: true });
    say("stopped the registries and removed their storage");
  }
}

function cli(args: string[], cwd: string): number {
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd, stdio: "inherit" });
  return result.status ?? 1;
}

function say(line: string): void {
  process.stdout.write(`\n== ${line}\n`);
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`demo failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
