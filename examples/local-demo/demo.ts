import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { stringify } from "yaml";
import { ClientView, pullAsClient } from "../../provider/failover";
import { accessFromAuthMap } from "../../provider/sync";
import { makeTestCa } from "../../test/support/certs";
import { DnsTestServer, startDnsServer } from "../../test/support/dns-servers";
import { pushSmallImage } from "../../test/support/fixtures";
import { freePort } from "../../test/support/free-port";
import { RegistryServer } from "../../test/support/registry-server";
import { startTlsSite } from "../../test/support/tls-sites";

/**
 * A local DR drill, all real parts on loopback, as clients live it: a primary registry and a
 * standby serve registry.dr.example.com over TLS (certificates from a drill CA, one port on two
 * loopback addresses, so only DNS decides who serves), both taking the clients' login; BIND 9
 * hands out the name (an A record). The standby keeps the primary's repository paths. After
 * every flip a client resolves the name at BIND and pulls every image through it, verifying the
 * certificate for the name and the primary's digests. During the outage an image is pushed to
 * the standby; the failback is refused until `registry-dr sync --reverse` has copied it back.
 * The recovery point is printed at each step. Everything is removed at the end.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const USER = { username: "robot$dr-sync", password: "demo-password" };
const ZONE = "dr.example.com";
const NAME = `registry.${ZONE}`;
const ADDRESSES = { primary: "127.0.0.2", secondary: "127.0.0.3" };
const REPOSITORIES = ["library/nginx", "library/redis", "team/api"];

interface Drill {
  work: string;
  primary: RegistryServer;
  standby: RegistryServer;
  dns: DnsTestServer;
  port: number;
  view: ClientView;
  /** When each image was pushed and its digest, by "repository:tag". */
  images: Map<string, { pushedAt: number; digest: string }>;
  syncConfig: string;
  recordFile: string;
  env: NodeJS.ProcessEnv;
}

async function main(): Promise<number> {
  const started = Date.now();
  const work = mkdtempSync(join(tmpdir(), "registry-dr-drill-"));
  const running: { stop(): Promise<void> }[] = [];
  try {
    say(`starting a primary and a standby serving ${NAME} over TLS (a drill CA), and BIND 9 serving the name`);
    const ca = await makeTestCa(work, "registry-dr drill CA");
    const port = await freePort(ADDRESSES.primary);
    const users = { [USER.username]: USER.password };
    const [primary, standby, dns] = await Promise.all([
      startTlsSite(work, ca, { address: ADDRESSES.primary, port, names: [NAME], users }),
      startTlsSite(work, ca, { address: ADDRESSES.secondary, port, names: [NAME], users }),
      startDnsServer("bind", { zone: ZONE, records: [`registry 30 IN A ${ADDRESSES.primary}`] }),
    ]);
    running.push(primary, standby, dns);
    const drill = prepare(work, ca.certPath, ca.pem, primary, standby, dns, port);
    say(`primary ${primary.host}, standby ${standby.host}, ${NAME} on BIND at ${dns.address}: ${(await dns.dig(NAME, "A")).join(", ")}`);
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
    check(failedOver.join() === ADDRESSES.secondary, `${NAME} points at the standby`);
    await pullThroughName(drill, "secondary");
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
    return 0;
  } finally {
    await Promise.all(running.map((part) => part.stop()));
    rmSync(work, { recursive: true, force: true });
    say("stopped the registries and BIND, removed their files");
  }
}

/** The sync config and the failover record, as files the command line reads: TLS verified with the drill CA, never insecure. */
function prepare(work: string, caFile: string, caPem: string, primary: RegistryServer, standby: RegistryServer, dns: DnsTestServer, port: number): Drill {
  const auth = { [primary.host]: { ...USER, caFile }, [standby.host]: { ...USER, caFile } };
  // The standby keeps the primary's paths: clients asking the name for library/nginx find it at either site.
  const images = Object.fromEntries(REPOSITORIES.map((repository) => [`${primary.host}/${repository}`, `${standby.host}/${repository}`]));
  const syncConfig = join(work, "primary-to-standby.json");
  writeFileSync(syncConfig, JSON.stringify({ auth, images }, null, 2));
  const record = {
    backend: "rfc2136",
    zone: ZONE,
    name: "registry",
    type: "A",
    ttl: 30,
    sites: {
      primary: { value: ADDRESSES.primary, registry: primary.host, caFile },
      secondary: { value: ADDRESSES.secondary, registry: standby.host, caFile },
    },
    // What the standby must hold before the name points at it: exactly what the sync copies.
    readiness: { auth, images },
    // How clients reach the registry: the record's own name, on the sites' port, trusting the drill CA.
    clients: { port, caFile },
    // The TSIG secret is read from the environment, not written in the file.
    rfc2136: { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: "${DRILL_TSIG_SECRET}" } },
  };
  const recordFile = join(work, "registry-record.yaml");
  writeFileSync(recordFile, stringify(record));
  const view: ClientView = { name: NAME, port, trust: { ca: [caPem] }, insecure: false, primaryRegistry: primary.host };
  return { work, primary, standby, dns, port, view, images: new Map(), syncConfig, recordFile, env: { ...process.env, DRILL_TSIG_SECRET: dns.key.secret } };
}

async function push(drill: Drill, registry: RegistryServer, repoTag: string, variant: string): Promise<void> {
  const image = await pushSmallImage(registry, repoTag, `${USER.username}:${USER.password}`, variant);
  drill.images.set(repoTag, { pushedAt: Date.now(), digest: image.digest });
  say(`pushed ${repoTag} to the ${registry === drill.primary ? "primary" : "standby"}`);
}

/** A client's pull of every image through the name: resolved at BIND, TLS verified for the name, the clients' login, each digest checked. */
async function pullThroughName(drill: Drill, expected: "primary" | "secondary"): Promise<void> {
  const [address] = await drill.dns.dig(NAME, "A");
  check(address === ADDRESSES[expected], `${NAME} resolves to the ${expected} site`);
  const access = accessFromAuthMap({ [drill.view.primaryRegistry]: USER });
  for (const [repoTag, { digest }] of drill.images) {
    const [repository, tag] = repoTag.split(":");
    const pulled = await pullAsClient(drill.view, address, repository, tag, access);
    check(pulled.digest === digest, `${NAME}:${drill.port}/${repoTag} from ${address} has the digest pushed`);
  }
  say(
    `client: pulled ${drill.images.size} image(s) through ${NAME}:${drill.port} from ${address} (the ${expected} site), certificate verified for the name, every digest as pushed`,
  );
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
