import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { stringify } from "yaml";
import { makeTestCa, TestCa } from "../../test/support/certs";
import { DnsTestServer, startDnsServer } from "../../test/support/dns-servers";
import { pushSmallImage } from "../../test/support/fixtures";
import { freePort } from "../../test/support/free-port";
import { RegistryServer } from "../../test/support/registry-server";
import { startTlsSite } from "../../test/support/tls-sites";
import { ClientView, pullAsClient } from "../../provider/failover";
import { accessFromAuthMap } from "../../provider/sync";

/**
 * What both drills stand on, all real and on loopback: a primary registry and a standby
 * serving registry.dr.example.com over TLS (certificates from a drill CA, one port on two
 * loopback addresses, so only DNS decides who serves), both taking the clients' login, and
 * BIND 9 handing out the name as an A record.
 */

export const USER = { username: "robot$dr-sync", password: "demo-password" };
export const ZONE = "dr.example.com";
export const NAME = `registry.${ZONE}`;
export const ADDRESSES = { primary: "127.0.0.2", standby: "127.0.0.3" };

export interface DrillSites {
  ca: TestCa;
  port: number;
  primary: RegistryServer;
  standby: RegistryServer;
  dns: DnsTestServer;
  /** How clients reach the registry: the name, on the sites' port, trusting the drill CA. */
  view: ClientView;
  /** When each image was pushed and its digest, by "repository:tag". */
  images: Map<string, { pushedAt: number; digest: string }>;
  stop(): Promise<void>;
}

/** The drill's copy: each repository to the same path on the standby (clients find it at either site), TLS verified with the drill CA. */
export function drillJob(sites: DrillSites, repositories: string[]) {
  const trust = { caFile: sites.ca.certPath };
  const auth = { [sites.primary.host]: { ...USER, ...trust }, [sites.standby.host]: { ...USER, ...trust } };
  const images = Object.fromEntries(repositories.map((repository) => [`${sites.primary.host}/${repository}`, `${sites.standby.host}/${repository}`]));
  return { auth, images };
}

/**
 * The failover record as a file for `registry-dr failover` (the break-glass path): BIND's zone,
 * the two sites, as readiness exactly what the drill copies, and how clients reach the name, so
 * the preflight pulls as they will. The TSIG secret is read from the environment
 * (recordEnvironment), never written in the file.
 */
export function writeRecordFile(work: string, sites: DrillSites, repositories: string[]): string {
  const trust = { caFile: sites.ca.certPath };
  const file = join(work, "registry-record.yaml");
  const record = {
    backend: "rfc2136",
    zone: ZONE,
    name: "registry",
    type: "A",
    ttl: 30,
    sites: {
      primary: { value: ADDRESSES.primary, registry: sites.primary.host, ...trust },
      secondary: { value: ADDRESSES.standby, registry: sites.standby.host, ...trust },
    },
    // What the standby must hold before the name points at it, and what the flip back checks the other way.
    readiness: drillJob(sites, repositories),
    // How clients reach the registry: the record's own name, on the sites' port, trusting the drill CA.
    clients: { port: sites.port, caFile: sites.ca.certPath },
    rfc2136: { server: sites.dns.address, tsig: { name: sites.dns.key.name, algorithm: sites.dns.key.algorithm, secret: "${DRILL_TSIG_SECRET}" } },
  };
  writeFileSync(file, stringify(record));
  return file;
}

/** The environment `registry-dr` runs in with the record file: the TSIG secret it names. */
export function recordEnvironment(sites: DrillSites): NodeJS.ProcessEnv {
  return { ...process.env, DRILL_TSIG_SECRET: sites.dns.key.secret };
}

/**
 * The two sites and BIND. `ips`: the sites' certificates cover their addresses too (for tools
 * that reach a site by address); `record: false`: BIND starts without the name (a stack creates it).
 */
export async function startDrillSites(work: string, options: { ips?: boolean; record?: boolean } = {}): Promise<DrillSites> {
  say(`starting a primary and a standby serving ${NAME} over TLS (a drill CA), and BIND 9 serving the name`);
  const ca = await makeTestCa(work, "registry-dr drill CA");
  const port = await freePort(ADDRESSES.primary);
  const users = { [USER.username]: USER.password };
  const site = (address: string) => startTlsSite(work, ca, { address, port, names: [NAME], ips: options.ips ? [address] : undefined, users });
  const [primary, standby, dns] = await Promise.all([
    site(ADDRESSES.primary),
    site(ADDRESSES.standby),
    startDnsServer("bind", { zone: ZONE, records: options.record === false ? [] : [`registry 30 IN A ${ADDRESSES.primary}`] }),
  ]);
  say(`primary ${primary.host}, standby ${standby.host}, ${NAME} on BIND at ${dns.address}: ${(await dns.dig(NAME, "A")).join(", ") || "(no record yet)"}`);
  return {
    ca,
    port,
    primary,
    standby,
    dns,
    view: { name: NAME, port, trust: { ca: [ca.pem] }, insecure: false, primaryRegistry: primary.host },
    images: new Map(),
    stop: async () => void (await Promise.all([primary.stop(), standby.stop(), dns.stop()])),
  };
}

export async function push(sites: DrillSites, registry: RegistryServer, repoTag: string, variant: string): Promise<void> {
  const image = await pushSmallImage(registry, repoTag, `${USER.username}:${USER.password}`, variant);
  sites.images.set(repoTag, { pushedAt: Date.now(), digest: image.digest });
  say(`pushed ${repoTag} to the ${registry === sites.primary ? "primary" : "standby"}`);
}

/** A client's pull of every image through the name: resolved at BIND, TLS verified for the name, the clients' login, each digest checked. */
export async function pullThroughName(sites: DrillSites, expected: "primary" | "standby", label: string = expected): Promise<void> {
  const [address] = await sites.dns.dig(NAME, "A");
  check(address === ADDRESSES[expected], `${NAME} resolves to the ${expected}`);
  const access = accessFromAuthMap({ [sites.view.primaryRegistry]: USER });
  for (const [repoTag, { digest }] of sites.images) {
    const [repository, tag] = repoTag.split(":");
    const pulled = await pullAsClient(sites.view, address, repository, tag, access);
    check(pulled.digest === digest, `${NAME}:${sites.port}/${repoTag} from ${address} has the digest pushed`);
  }
  say(
    `client: pulled ${sites.images.size} image(s) through ${NAME}:${sites.port} from ${address} (the ${label} site), certificate verified for the name, every digest as pushed`,
  );
}

export function check(holds: boolean, what: string): void {
  if (!holds) throw new Error(`drill step failed: ${what}`);
}

export function step(title: string): void {
  process.stdout.write(`\n=== ${title}\n`);
}

export function say(line: string): void {
  process.stdout.write(`== ${line}\n`);
}

export function indent(text: string): string {
  return text.replace(/^/gm, "   ").replace(/ +$/, "");
}

/** Runs a drill as a script: exit 1 with the reason when a step does not hold. */
export function runDrill(main: () => Promise<void>): void {
  main().then(
    () => {
      process.exitCode = 0;
    },
    (error) => {
      process.stderr.write(`drill failed: ${error.stack ?? error}\n`);
      process.exitCode = 1;
    },
  );
}
