import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import {
  ADDRESSES,
  DrillSites,
  NAME,
  check,
  drillJob,
  indent,
  pullThroughName,
  push,
  recordEnvironment,
  runDrill,
  say,
  startDrillSites,
  step,
  writeRecordFile,
} from "./drill-kit";

/**
 * `npm run demo:cli`: the local DR drill with the `registry-dr` command, as clients live it
 * (the sites and BIND of drill-kit.ts). The standby keeps the primary's repository paths.
 * After every flip a client resolves the name at BIND and pulls every image through it,
 * verifying the certificate for the name and the primary's digests. During the outage an image
 * is pushed to the standby; the failback is refused until `registry-dr sync --reverse` has
 * copied it back. The recovery point is printed at each step. Everything is removed at the end.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const REPOSITORIES = ["library/nginx", "library/redis", "team/api"];

interface Drill extends DrillSites {
  work: string;
  syncConfig: string;
  recordFile: string;
  env: NodeJS.ProcessEnv;
}

async function main(): Promise<void> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "registry-dr-drill-"));
  let sites: DrillSites | undefined;
  try {
    sites = await startDrillSites(work);
    const drill = prepare(work, sites);
    const { dns } = drill;
    for (const [index, repository] of REPOSITORIES.entries()) await push(drill, drill.primary, `${repository}:1.0`, `v1-${index}`);

    step("sync the standby and verify it");
    check(cli(drill, ["sync", `--config=${drill.syncConfig}`, "--proc=4"]) === 0, "sync");
    check(cli(drill, ["verify", `--config=${drill.syncConfig}`]) === 0, "verify");
    await pullThroughName(drill, "primary");
    await report(drill);

    step("a release lands on the primary only: library/nginx:1.1");
    await push(drill, drill.primary, "library/nginx:1.1", "v2");
    await report(drill);
    say("registry-dr failover --to secondary: the preflight must refuse");
    const refused = cli(drill, ["failover", "--record", drill.recordFile, "--to", "secondary"], true);
    check(refused.status === 1 && /library\/nginx:1\.1/.test(refused.output), "the preflight refuses and names library/nginx:1.1");
    process.stdout.write(indent(refused.output));
    say(`${NAME} still ${(await dns.dig(NAME, "A")).join(", ")}`);

    step("sync again, then fail over to the standby");
    check(cli(drill, ["sync", `--config=${drill.syncConfig}`, "--proc=4"]) === 0, "sync");
    await report(drill);
    check(cli(drill, ["failover", "--record", drill.recordFile, "--to", "secondary"]) === 0, "failover");
    const failedOver = await dns.dig(NAME, "A");
    say(`dig ${NAME} A: ${failedOver.join(", ")}`);
    check(failedOver.join() === ADDRESSES.standby, `${NAME} points at the standby`);
    await pullThroughName(drill, "standby", "secondary");
    await report(drill);

    step("during the outage, CI pushes a hotfix through the name: it lands on the standby");
    await push(drill, drill.standby, "team/api:1.1-hotfix", "hotfix");
    say("registry-dr failover --to primary: the failback must refuse, naming what the primary lacks");
    const failbackRefused = cli(drill, ["failover", "--record", drill.recordFile, "--to", "primary"], true);
    check(failbackRefused.status === 1 && /team\/api:1\.1-hotfix/.test(failbackRefused.output), "the failback refuses and names team/api:1.1-hotfix");
    process.stdout.write(indent(failbackRefused.output));
    say(`${NAME} still ${(await dns.dig(NAME, "A")).join(", ")}`);

    step("copy what the standby got back to the primary (registry-dr sync --reverse), then fail back");
    check(cli(drill, ["sync", "--reverse", `--config=${drill.syncConfig}`, "--proc=4"]) === 0, "sync --reverse");
    check(cli(drill, ["failover", "--record", drill.recordFile, "--to", "primary"]) === 0, "failback");
    const failedBack = await dns.dig(NAME, "A");
    say(`dig ${NAME} A: ${failedBack.join(", ")}`);
    check(failedBack.join() === ADDRESSES.primary, `${NAME} points at the primary again`);
    await pullThroughName(drill, "primary");
    await report(drill);

    say(`drill done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  } finally {
    await sites?.stop();
    rmSync(work, { recursive: true, force: true });
    say("stopped the registries and BIND, removed their files");
  }
}

/** The sync config and the failover record, as files the command line reads: TLS verified with the drill CA, never insecure. */
function prepare(work: string, sites: DrillSites): Drill {
  const syncConfig = join(work, "primary-to-standby.json");
  writeFileSync(syncConfig, JSON.stringify(drillJob(sites, REPOSITORIES), null, 2));
  const recordFile = writeRecordFile(work, sites, REPOSITORIES);
  return { ...sites, work, syncConfig, recordFile, env: recordEnvironment(sites) };
}

/** The standby's readiness from `failover status`, and the recovery point it implies. */
async function report(drill: Drill): Promise<void> {
  const status = cli(drill, ["failover", "status", "--record", drill.recordFile, "--json"], true);
  const parsed = JSON.parse(status.output.slice(status.output.indexOf("{"))) as {
    active: string | null;
    sites: { site: string; counts: { present: number; missing: number; differs: number }; problems: string[] }[];
  };
  const standby = parsed.sites.find((site) => site.site === "secondary")!;
  const lagging = [...drill.images.entries()].filter(([repoTag]) => standby.problems.some((problem) => problem.includes(repoTag)));
  const oldest = lagging.reduce<[string, number] | undefined>(
    (found, [repoTag, { pushedAt }]) => (found === undefined || pushedAt < found[1] ? [repoTag, pushedAt] : found),
    undefined,
  );
  const { present, missing, differs } = standby.counts;
  process.stdout.write(
    `   readiness: standby ${present} present, ${missing} missing, ${differs} differ; ${NAME} serves the ${parsed.active ?? "unknown"} site\n`,
  );
  process.stdout.write(
    oldest
      ? `   recovery point: the standby lags ${((Date.now() - oldest[1]) / 1000).toFixed(1)} s behind the primary (oldest image it lacks: ${oldest[0]})\n`
      : "   recovery point: the standby holds every image the primary has (0 s behind)\n",
  );
}

function cli(drill: Drill, args: string[]): number;
function cli(drill: Drill, args: string[], capture: true): { status: number; output: string };
function cli(drill: Drill, args: string[], capture?: true): number | { status: number; output: string } {
  if (!capture) process.stdout.write(`$ registry-dr ${args.map((arg) => arg.replace(drill.work, ".")).join(" ")}\n`);
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: drill.work, env: drill.env, stdio: capture ? "pipe" : "inherit", encoding: "utf8" });
  return capture ? { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` } : (result.status ?? 1);
}

runDrill(main);
