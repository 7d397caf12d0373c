import { ChildProcess, execFile, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { closeSync, mkdirSync, openSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { freePort } from "./free-port";
import { makeTempDir, removeTempDir, stopChild, trackChild } from "./processes";

/**
 * Real authoritative DNS servers on loopback for the data-center failover tests: BIND 9
 * (`named`) and Knot (`knotd`) from Debian, each serving one zone that takes RFC 2136 updates
 * signed with a TSIG key. `dig` and `nsupdate` (bind9-dnsutils) are the independent oracle and
 * the hand that changes records behind the client's back.
 */

const run = promisify(execFile);

export type DnsServerKind = "bind" | "knot";

export interface DnsKey {
  name: string;
  algorithm: "hmac-sha1" | "hmac-sha256" | "hmac-sha512";
  secret: string;
}

export interface DnsTestServer {
  kind: DnsServerKind;
  zone: string;
  host: string;
  port: number;
  /** "127.0.0.1:port" */
  address: string;
  /** The key the zone lets update it. */
  key: DnsKey;
  /** The values `dig` sees for a name in the zone (sorted; CNAME targets without the final dot). */
  dig(name: string, type: string): Promise<string[]>;
  /** Changes records as an operator would: nsupdate with the zone's key, commands like "update add x 60 A 10.0.0.1". */
  nsupdate(commands: string[]): Promise<void>;
  /** BIND only: lets the zone's key update it, or refuses every update (REFUSED), reloading the configuration. */
  setUpdates(updates: "allowed" | "refused"): Promise<void>;
  stop(): Promise<void>;
}

export interface DnsServerOptions {
  zone?: string;
  algorithm?: DnsKey["algorithm"];
  /** Records the zone file starts with, e.g. ["registry 60 IN A 10.1.0.10"]. */
  records?: string[];
  /** The TSIG key (default: a fresh one): two servers given one key act as two primaries of one zone. */
  key?: DnsKey;
  /** BIND only: "refused" starts the zone refusing every update (default "allowed"). */
  updates?: "allowed" | "refused";
}

const READY_TIMEOUT_MS = 20_000;

export async function startDnsServer(kind: DnsServerKind, options: DnsServerOptions = {}): Promise<DnsTestServer> {
  const zone = options.zone ?? "dr.example.com";
  const key: DnsKey = options.key ?? { name: "dr-key", algorithm: options.algorithm ?? "hmac-sha256", secret: randomBytes(32).toString("base64") };
  const dir = makeTempDir(`dns-${kind}-`);
  // Knot and BIND both bind UDP and TCP: a port free for TCP a moment ago is almost always free for both; retry if not.
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, `${zone}.zone`), zoneFile(zone, options.records ?? []));
    const child = kind === "bind" ? launchBind(dir, zone, port, key, options.updates ?? "allowed") : launchKnot(dir, zone, port, key);
    const problem = await waitReady(child, zone, port);
    if (problem === undefined) return server(kind, zone, port, key, dir, child);
    await stopChild(child);
    if (attempt >= 3) {
      await removeTempDir(dir);
      throw new Error(`${kind} did not start: ${problem}\n${readFileSync(join(dir, "stderr.log"), "utf8").slice(-2000)}`);
    }
  }
}

function server(kind: DnsServerKind, zone: string, port: number, key: DnsKey, dir: string, child: ChildProcess): DnsTestServer {
  const keyArg = `${key.algorithm}:${key.name}:${key.secret}`;
  return {
    kind,
    zone,
    host: "127.0.0.1",
    port,
    address: `127.0.0.1:${port}`,
    key,
    async dig(name, type) {
      const { stdout } = await run("dig", ["@127.0.0.1", "-p", String(port), "+short", "+norecurse", "+time=2", "+tries=2", name, type]);
      return stdout
        .split("\n")
        .map((line) => line.trim().replace(/\.$/, "").toLowerCase())
        .filter(Boolean)
        .sort();
    },
    async nsupdate(commands) {
      const script = [`server 127.0.0.1 ${port}`, `zone ${zone}`, ...commands, "send", ""].join("\n");
      await new Promise<void>((resolve, reject) => {
        const child = execFile("nsupdate", ["-y", keyArg], (error, _stdout, stderr) =>
          error ? reject(new Error(`nsupdate failed: ${stderr || error.message}`)) : resolve(),
        );
        child.stdin!.end(script);
      });
    },
    async setUpdates(updates) {
      if (kind !== "bind") throw new Error("setUpdates is for BIND");
      const log = join(dir, "stderr.log");
      const reloads = () => readFileSync(log, "utf8").split("reloading configuration succeeded").length;
      const before = reloads();
      writeFileSync(join(dir, "named.conf"), bindConfig(dir, zone, port, key, updates));
      child.kill("SIGHUP");
      const deadline = Date.now() + READY_TIMEOUT_MS;
      while (reloads() === before) {
        if (Date.now() > deadline) throw new Error(`named did not reload its configuration:\n${readFileSync(log, "utf8").slice(-2000)}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    },
    async stop() {
      await stopChild(child);
      await removeTempDir(dir);
    },
  };
}

function zoneFile(zone: string, records: string[]): string {
  return [
    `$ORIGIN ${zone}.`,
    "$TTL 300",
    `@ IN SOA ns1.${zone}. hostmaster.${zone}. 1 3600 600 86400 60`,
    `@ IN NS ns1.${zone}.`,
    "ns1 IN A 127.0.0.1",
    ...records,
    "",
  ].join("\n");
}

function launchBind(dir: string, zone: string, port: number, key: DnsKey, updates: "allowed" | "refused"): ChildProcess {
  writeFileSync(join(dir, "named.conf"), bindConfig(dir, zone, port, key, updates));
  return spawnLogged("named", ["-g", "-n", "1", "-c", join(dir, "named.conf")], dir);
}

function bindConfig(dir: string, zone: string, port: number, key: DnsKey, updates: "allowed" | "refused"): string {
  return `
options {
  directory "${dir}";
  pid-file "${dir}/named.pid";
  listen-on port ${port} { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  notify no;
};
controls { };
key "${key.name}" { algorithm ${key.algorithm}; secret "${key.secret}"; };
zone "${zone}" { type primary; file "${dir}/${zone}.zone"; allow-update { ${updates === "allowed" ? `key "${key.name}";` : "none;"} }; };
`;
}

function launchKnot(dir: string, zone: string, port: number, key: DnsKey): ChildProcess {
  mkdirSync(join(dir, "db"), { recursive: true });
  const config = `
server:
  rundir: "${dir}"
  listen: 127.0.0.1@${port}
log:
  - target: stderr
    any: info
database:
  storage: "${dir}/db"
key:
  - id: ${key.name}
    algorithm: ${key.algorithm}
    secret: ${key.secret}
acl:
  - id: dr-update
    key: ${key.name}
    action: update
template:
  - id: default
    storage: "${dir}"
    file: "%s.zone"
    semantic-checks: off
zone:
  - domain: ${zone}
    acl: dr-update
`;
  writeFileSync(join(dir, "knot.conf"), config);
  return spawnLogged("knotd", ["-c", join(dir, "knot.conf")], dir);
}

function spawnLogged(binary: string, args: string[], dir: string): ChildProcess {
  const err = openSync(join(dir, "stderr.log"), "w");
  try {
    const child = spawn(binary, args, { stdio: ["ignore", err, err] });
    trackChild(child);
    return child;
  } finally {
    closeSync(err);
  }
}

/** undefined once the zone's SOA is served over UDP and TCP, else why not. */
async function waitReady(child: ChildProcess, zone: string, port: number): Promise<string | undefined> {
  let exited: string | undefined;
  child.once("exit", (code, signal) => (exited = `exited with ${code ?? signal}`));
  child.once("error", (error) => (exited = `could not run: ${error.message}`));
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    if (exited) return exited;
    const answers = await Promise.all(
      ["+notcp", "+tcp"].map((mode) =>
        run("dig", ["@127.0.0.1", "-p", String(port), mode, "+short", "+time=1", "+tries=1", zone, "SOA"]).then(
          ({ stdout }) => stdout.trim() !== "",
          () => false,
        ),
      ),
    );
    if (answers.every(Boolean)) return undefined;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return `the zone was not served within ${READY_TIMEOUT_MS / 1000} s`;
}
