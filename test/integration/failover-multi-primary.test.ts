import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { runSync } from "../../provider";
import { Rfc2136Records } from "../../provider/clients/dns";
import { applyRecord, FailoverRecordInputs, failoverRecordSchema, RecordFields, RecordStore, StoredRecord } from "../../provider/failover";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { HostileDnsServer, startHostileDnsServer } from "../support/hostile-dns-server";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/**
 * `registry-dr failover` over several primaries and against itself: two real BIND servers (the
 * second refusing updates through its configuration, then taking them), a primary that answers
 * a signed NOERROR and changes nothing, and two runs at once on one BIND; `dig` on every server
 * is the oracle. A switch is done only when every server holds the new value; the output says
 * which servers this run changed, and the exit code matches what the servers hold at the end.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";
const re = (text: string) => new RegExp(text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&"));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

describe("registry-dr failover over several primaries", () => {
  let a: DnsTestServer;
  let b: DnsTestServer;
  let liar: HostileDnsServer;
  let primary: RegistryServer;
  let standby: RegistryServer;
  let dir: string;
  const fqdn = (name = "registry") => `${name}.${a.zone}`;
  const digBoth = async () => [await a.dig(fqdn(), "A"), await b.dig(fqdn(), "A")];

  before(async () => {
    a = await startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`, `race 60 IN A ${PRIMARY_IP}`] });
    [b, liar, primary, standby] = await Promise.all([
      startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`], key: a.key, updates: "refused" }),
      startHostileDnsServer({ key: a.key }),
      startRegistry(),
      startRegistry(),
    ]);
    await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
    const synced = await runSync({ images: { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` } });
    assert.equal(synced.counts.failed, 0);
    dir = makeTempDir("failover-primaries-");
  });
  after(async () => {
    await Promise.all([a?.stop(), b?.stop(), liar?.stop(), primary?.stop(), standby?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  /** A record file naming these servers. */
  function recordFile(file: string, servers: string[], name = "registry"): string {
    const path = join(dir, file);
    writeFileSync(
      path,
      [
        "backend: rfc2136",
        `zone: ${a.zone}`,
        `name: ${name}`,
        "type: A",
        "ttl: 60",
        `rfc2136: { servers: [${servers.map((server) => `"${server}"`).join(", ")}], tsig: { name: ${a.key.name}, algorithm: ${a.key.algorithm}, secret: "\${TSIG_SECRET}" } }`,
        "sites:",
        `  primary: { value: ${PRIMARY_IP}, registry: "${primary.host}" }`,
        `  secondary: { value: ${STANDBY_IP}, registry: "${standby.host}" }`,
        `readiness: { images: { "${primary.host}/dr/app": "${standby.host}/dr/app" } }`,
        "clients: false",
        "",
      ].join("\n"),
    );
    return path;
  }

  const run = (args: string[]): Promise<Run> => runCli(args, { cwd: dir, env: { TSIG_SECRET: a.key.secret } });

  test("a second primary refusing updates: exit 1, naming which server switched and which still serves the old value", async () => {
    const file = recordFile("both.yaml", [a.address, b.address]);
    const over = await run(["failover", "--record", file, "--to", "secondary"]);
    assert.equal(over.code, 1, over.stdout);
    assert.match(over.stderr, /A record "registry" in zone dr\.example\.com does not hold 10\.2\.0\.20 \(the secondary site\) on every server:/);
    assert.match(over.stderr, re(`${a.address}: holds ${STANDBY_IP} (the secondary site): switched by this run`));
    assert.match(over.stderr, re(`${b.address}: holds ${PRIMARY_IP} (the primary site): not switched: ${b.address}: UPDATE ${fqdn()} A: REFUSED`));
    assert.doesNotMatch(over.stdout, /^switched/m);
    assert.deepEqual(await digBoth(), [[STANDBY_IP], [PRIMARY_IP]]);

    const status = await run(["failover", "status", "--record", file]);
    assert.match(status.stdout, re(`${STANDBY_IP} on ${a.address}; ${PRIMARY_IP} on ${b.address} (neither site's value)`));
    assert.doesNotMatch(status.stdout, /the secondary site/, "a half-done flip is not shown as done");
    assert.equal(status.code, 1, "and status exits 1 while the name points at neither site");

    const again = await run(["failover", "--record", file, "--to", "secondary"]);
    assert.equal(again.code, 1, "while a server still serves the old value, the switch is not done");
    assert.doesNotMatch(again.stdout, /nothing to do/);
    assert.match(again.stderr, re(`${a.address}: holds ${STANDBY_IP} (the secondary site): already held it`));
  });

  test("once the second primary takes updates, the rerun finishes the half-done flip there", async () => {
    const file = recordFile("both.yaml", [a.address, b.address]);
    await b.setUpdates("allowed");
    const finish = await run(["failover", "--record", file, "--to", "secondary"]);
    assert.equal(finish.code, 0, finish.stderr);
    assert.match(finish.stdout, re(`-> ${STANDBY_IP} (secondary) on ${b.address}; ${a.address} already held it`));
    assert.deepEqual(await digBoth(), [[STANDBY_IP], [STANDBY_IP]]);
    const done = await run(["failover", "--record", file, "--to", "secondary"]);
    assert.equal(done.code, 0, done.stderr);
    assert.match(done.stdout, /already points at the secondary site \(10\.2\.0\.20\); nothing to do/);
  });

  test("a primary that answers a signed NOERROR and changes nothing is named, and the run exits 1", async () => {
    liar.set(fqdn(), "A", [STANDBY_IP]);
    liar.behaviour.ignoreUpdates = true;
    const file = recordFile("liar.yaml", [a.address, liar.address]);
    const back = await run(["failover", "--record", file, "--to", "primary"]);
    assert.equal(back.code, 1, back.stdout);
    assert.match(back.stderr, re(`${a.address}: holds ${PRIMARY_IP} (the primary site): switched by this run`));
    assert.match(
      back.stderr,
      re(`${liar.address}: holds ${STANDBY_IP} (the secondary site): the server answered the update without an error, but the record reads back unchanged`),
    );
    assert.doesNotMatch(back.stdout, /^switched/m);
    assert.deepEqual(await a.dig(fqdn(), "A"), [PRIMARY_IP]);
    assert.deepEqual(liar.values(fqdn(), "A"), [STANDBY_IP]);
  });

  test("two runs at once: what each says and its exit code match what the server holds after it", async () => {
    const file = recordFile("race.yaml", [a.address], "race");
    const pattern = (value: string) => re(value);
    // Same target: one run switches, the other is told the record got there without it.
    for (const target of ["secondary", "primary", "secondary", "primary"] as const) {
      const value = target === "primary" ? PRIMARY_IP : STANDBY_IP;
      const runs = await Promise.all([run(["failover", "--record", file, "--to", target]), run(["failover", "--record", file, "--to", target])]);
      assert.deepEqual(await a.dig(fqdn("race"), "A"), [value]);
      assert.deepEqual(
        runs.map((result) => result.code),
        [0, 0],
        runs.map((result) => result.stderr).join("\n"),
      );
      assert.equal(runs.filter((result) => /^switched/m.test(result.stdout)).length, 1, runs.map((result) => result.stdout).join("\n---\n"));
      for (const result of runs) assert.doesNotMatch(result.stderr, /nothing was written/);
    }
    // Opposite targets: the run whose target the record ends on exits 0; a run that exits 1 says what the record holds.
    for (let round = 0; round < 3; round++) {
      const runs = await Promise.all(
        (["primary", "secondary"] as const).map(async (target) => ({ target, ...(await run(["failover", "--record", file, "--to", target])) })),
      );
      const final = (await a.dig(fqdn("race"), "A"))[0];
      const winner = runs.find((result) => (result.target === "primary" ? PRIMARY_IP : STANDBY_IP) === final)!;
      assert.equal(winner.code, 0, winner.stderr);
      for (const result of runs.filter((entry) => entry.code !== 0)) assert.match(result.stderr, pattern(`holds ${final}`));
    }
  });

  test("another run's write landing at a chosen moment: between this run's read and its write, and after a run that had nothing to do", async () => {
    const name = "duel";
    await a.nsupdate([`update add ${fqdn(name)} 60 A ${PRIMARY_IP}`]);
    const store = new Rfc2136Records(a.zone, { servers: [a.address], key: a.key, timeoutMs: 2000 });
    const id = `${fqdn(name)}/A`;
    const moveTo = (value: string) => () => a.nsupdate([`update delete ${fqdn(name)} A`, `update add ${fqdn(name)} 60 A ${value}`]);

    // Both want the secondary; the other lands first: this run did not switch it, and says so.
    const said: string[] = [];
    const before = await store.get(id);
    const applied = await applyRecord(
      new CompetingStore(store, { beforeWrite: moveTo(STANDBY_IP) }),
      inputs(name, "secondary"),
      before,
      before?.value,
      (line) => said.push(line),
    );
    assert.equal(applied.flipped, false);
    assert.doesNotMatch(said.join("\n"), /^switched/m);
    assert.match(said.join("\n"), /holds 10\.2\.0\.20 \(the secondary site\), though this run's write did not report success \(.*it was changed meanwhile/);
    assert.deepEqual(await a.dig(fqdn(name), "A"), [STANDBY_IP]);

    // This run finds the record where it wants it (nothing to write); the other moves it before the read-back.
    const now = await store.get(id);
    await assert.rejects(
      applyRecord(new CompetingStore(store, { beforeRead: moveTo(PRIMARY_IP) }), inputs(name, "secondary"), now, now?.value, () => {}),
      (error: Error) => {
        assert.match(
          error.message,
          /does not hold 10\.2\.0\.20 \(the secondary site\):\n {2}holds 10\.1\.0\.10 \(the primary site\): this run found it there and wrote nothing; another change moved it meanwhile/,
        );
        assert.doesNotMatch(error.message, /after writing/);
        return true;
      },
    );
    assert.deepEqual(await a.dig(fqdn(name), "A"), [PRIMARY_IP]);
  });

  function inputs(name: string, active: "primary" | "secondary"): FailoverRecordInputs {
    return failoverRecordSchema().parse({
      backend: "rfc2136",
      zone: a.zone,
      name,
      type: "A",
      ttl: 60,
      rfc2136: { server: a.address, tsig: a.key },
      sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: standby.host } },
      active,
      clients: false,
      force: true,
    });
  }
});

/** The real store, with another writer's change run once at a chosen moment: before the first write, or before the first read. */
class CompetingStore implements RecordStore {
  constructor(
    private readonly store: RecordStore,
    private readonly other: { beforeWrite?: () => Promise<void>; beforeRead?: () => Promise<void> },
  ) {}

  get product() {
    return this.store.product;
  }
  get zone() {
    return this.store.zone;
  }
  zoneName() {
    return this.store.zoneName();
  }
  find(rr: string) {
    return this.store.find(rr);
  }
  async get(recordId: string) {
    await this.once("beforeRead");
    return this.store.get(recordId);
  }
  async create(record: RecordFields) {
    await this.once("beforeWrite");
    return this.store.create(record);
  }
  async update(recordId: string, record: RecordFields, current: StoredRecord) {
    await this.once("beforeWrite");
    return this.store.update(recordId, record, current);
  }
  delete(recordId: string, current: StoredRecord) {
    return this.store.delete(recordId, current);
  }
  private async once(moment: "beforeWrite" | "beforeRead") {
    const change = this.other[moment];
    this.other[moment] = undefined;
    await change?.();
  }
}
