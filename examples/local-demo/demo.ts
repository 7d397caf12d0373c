import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { startDnsServer, DnsTestServer } from "../../test/support/dns-servers";
import { pushSmallImage } from "../../test/support/fixtures";
import { startRegistry, RegistryServer } from "../../test/support/registry-server";

/**
 * A local DR drill, all real parts on loopback: a primary registry (basic auth, as Harbor),
 * a standby holding the copies at the primary's repository paths (clients pulling
 * registry.dr.example.com/library/nginx reach either), and BIND 9 serving the registry name
 * (registry.dr.example.com, a CNAME to the site that serves). The drill syncs and verifies; pushes a new image so the failover
 * preflight refuses and names it; syncs again; fails over with `registry-dr failover` (dig
 * shows the standby); rewrites a manifest for the standby; fails back. After each step it
 * prints the standby's readiness and the recovery point: how far behind the primary the
 * standby is (the age of the oldest image it lacks). Everything is removed at the end.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const PRIMARY_USER = { username: "robot$dr-sync", password: "demo-password" };
const ZONE = "dr.example.com";
const NAME = `registry.${ZONE}`;
const SITES = { primary: `primary.${ZONE}`, secondary: `standby.${ZONE}` };
const REPOSITORIES = ["library/nginx", "library/redis", "team/api"];

interface Drill {
  work: string;
  primary: RegistryServer;
  standby: RegistryServer;
  dns: DnsTestServer;
  /** When each primary image was pushed, by "repository:tag". */
  pushedAt: Map<string, number>;
  syncConfig: string;
  recordFile: string;
  env: NodeJS.ProcessEnv;
}

async function main(): Promise<number> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "registry-dr-drill-"));
  const running: { stop(): Promise<void> }[] = [];
  try {
    say("starting a primary registry (basic auth), a standby, and BIND 9 serving the registry name");
    const [primary, standby, dns] = await Promise.all([
      startRegistry({ auth: { kind: "htpasswd", users: { [PRIMARY_USER.username]: PRIMARY_USER.password } } }),
      startRegistry(),
      startDnsServer("bind", { zone: ZONE, records: [`registry 30 IN CNAME ${SITES.primary}.`] }),
    ]);
    running.push(primary, standby, dns);
    const drill = prepare(work, primary, standby, dns);
    say(`primary ${primary.host}, standby ${standby.host}, ${NAME} on BIND at ${dns.address}: ${(await dns.dig(NAME, "CNAME")).join(", ")}`);
    for (const [index, repository] of REPOSITORIES.entries()) await push(drill, `${repository}:1.0`, `v1-${index}`);

    step("sync the standby and verify it");
    check(cli(drill, ["sync", `--config=${drill.syncConfig}`, "--proc=4"]) === 0, "sync");
    check(cli(drill, ["verify", `--config=${drill.syncConfig}`]) === 0, "verify");
    await report(drill);

    step("a release lands on the primary only: library/nginx:1.1");
    await push(drill, "library/nginx:1.1", "v2");
    await report(drill);
    say("registry-dr failover --to secondary: the preflight must refuse");
    const refused = cli(drill, ["failover", "--record", drill.recordFile, "--to", "secondary"], true);
    check(refused.status === 1 && /library\/nginx:1\.1/.test(refused.output), "the preflight refuses and names library/nginx:1.1");
    process.stdout.write(indent(refused.output));
    say(`${NAME} still ${(await dns.dig(NAME, "CNAME")).join(", ")}`);

    step("sync again");
    check(cli(drill, ["sync", `--config=${drill.syncConfig}`, "--proc=4"]) === 0, "sync");
    await report(drill);

    step("fail over to the standby");
    check(cli(drill, ["failover", "--record", drill.recordFile, "--to", "secondary"]) === 0, "failover");
    const failedOver = await dns.dig(NAME, "CNAME");
    say(`dig ${NAME} CNAME: ${failedOver.join(", ")}`);
    check(failedOver.join() === SITES.secondary, `${NAME} points at the standby`);

    step("point a manifest at the standby's copies (registry-dr rewrite)");
    const manifest = join(work, "deployment.yaml");
    writeFileSync(manifest, sampleManifest(primary.host));
    check(cli(drill, ["rewrite", `--config=${drill.syncConfig}`, "--write", "deployment.yaml"]) === 0, "rewrite");
    process.stdout.write(indent(readFileSync(manifest, "utf8")));

    step("fail back to the primary");
    check(cli(drill, ["failover", "--record", drill.recordFile, "--to", "primary"]) === 0, "failback");
    const failedBack = await dns.dig(NAME, "CNAME");
    say(`dig ${NAME} CNAME: ${failedBack.join(", ")}`);
    check(failedBack.join() === SITES.primary, `${NAME} points at the primary again`);
    await report(drill);

    say(`drill done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    return 0;
  } finally {
    await Promise.all(running.map((part) => part.stop()));
    rmSync(work, { recursive: true, force: true });
    say("stopped the registries and BIND, removed their files");
  }
}

/** The sync config and the failover record, as files the command line reads. */
function prepare(work: string, primary: RegistryServer, standby: RegistryServer, dns: DnsTestServer): Drill {
  const auth = { [primary.host]: { ...PRIMARY_USER, insecure: true }, [standby.host]: { insecure: true } };
  // Path-preserving: after the flip, clients ask the standby for the primary's paths (library/nginx), so it holds them there.
  const images = Object.fromEntries(REPOSITORIES.map((repository) => [`${primary.host}/${repository}`, `${standby.host}/${repository}`]));
  const syncConfig = join(work, "primary-to-standby.json");
  writeFileSync(syncConfig, JSON.stringify({ auth, images }, null, 2));
  const record = {
    backend: "rfc2136",
    zone: ZONE,
    name: "registry",
    type: "CNAME",
    ttl: 30,
    sites: {
      primary: { value: SITES.primary, registry: primary.url, insecure: true },
      secondary: { value: SITES.secondary, registry: standby.url, insecure: true },
    },
    // What the standby must hold before the name points at it: exactly what the sync copies.
    readiness: { auth, images },
    // The TSIG secret is read from the environment, not written in the file.
    rfc2136: { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: "${DRILL_TSIG_SECRET}" } },
  };
  const recordFile = join(work, "registry-record.yaml");
  writeFileSync(recordFile, stringify(record));
  return { work, primary, standby, dns, pushedAt: new Map(), syncConfig, recordFile, env: { ...process.env, DRILL_TSIG_SECRET: dns.key.secret } };
}

async function push(drill: Drill, repoTag: string, variant: string): Promise<void> {
  await pushSmallImage(drill.primary, repoTag, `${PRIMARY_USER.username}:${PRIMARY_USER.password}`, variant);
  drill.pushedAt.set(repoTag, Date.now());
  say(`pushed ${repoTag} to the primary`);
}

/** The standby's readiness from `failover status`, and the recovery point it implies. */
async function report(drill: Drill): Promise<void> {
  const status = cli(drill, ["failover", "status", "--record", drill.recordFile, "--json"], true);
  const parsed = JSON.parse(status.output) as {
    active: string | null;
    sites: { site: string; counts: { present: number; missing: number; differs: number }; problems: string[] }[];
  };
  const standby = parsed.sites.find((site) => site.site === "secondary")!;
  const lagging = [...drill.pushedAt.entries()].filter(([repoTag]) => standby.problems.some((problem) => problem.includes(repoTag)));
  const oldest = lagging.reduce<[string, number] | undefined>((found, entry) => (found === undefined || entry[1] < found[1] ? entry : found), undefined);
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

function sampleManifest(primaryHost: string): string {
  return `# The storefront, as deployed against the primary.
apiVersion: apps/v1
kind: Deployment
metadata:
  name: web
spec:
  template:
    spec:
      containers:
        - name: nginx
          image: ${primaryHost}/library/nginx:1.1   # the new release
        - name: api
          image: ${primaryHost}/team/api:1.0
`;
}

function cli(drill: Drill, args: string[]): number;
function cli(drill: Drill, args: string[], capture: true): { status: number; output: string };
function cli(drill: Drill, args: string[], capture?: true): number | { status: number; output: string } {
  if (!capture) process.stdout.write(`$ registry-dr ${args.map((arg) => arg.replace(drill.work, ".")).join(" ")}\n`);
  const result = spawnSync(process.execPath, [BIN, ...args], { cwd: drill.work, env: drill.env, stdio: capture ? "pipe" : "inherit", encoding: "utf8" });
  return capture ? { status: result.status ?? 1, output: `${result.stdout ?? ""}${result.stderr ?? ""}` } : (result.status ?? 1);
}

function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(`drill step failed: ${what}`);
}

function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

function say(line: string): void {
  process.stdout.write(`== ${line}\n`);
}

function indent(text: string): string {
  return text.replace(/^/gm, "   ").replace(/ +$/, "");
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (error) => {
    process.stderr.write(`drill failed: ${error.stack ?? error}\n`);
    process.exitCode = 1;
  },
);
