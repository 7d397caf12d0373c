import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, before, beforeEach, describe, test } from "node:test";
import { DnsError, DnsProtocolError, Rfc2136Client, Rfc2136Records } from "../../provider/clients/dns";
import { applyRecord, failoverRecordSchema, FailoverRecordInputs } from "../../provider/failover";
import { DnsKey } from "../support/dns-servers";
import { HostileDnsServer, startHostileDnsServer } from "../support/hostile-dns-server";

/**
 * The RFC 2136 client and the failover switch against a primary that turns hostile
 * (test/support/hostile-dns-server.ts): a reply cut short after the update was applied, a TCP
 * reply marked truncated, a junk datagram with the right id, an update never answered, and
 * another writer's change landing between the switch's read and its write.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";
const key: DnsKey = { name: "dr-key", algorithm: "hmac-sha256", secret: randomBytes(32).toString("base64") };

describe("RFC 2136 against a hostile primary", () => {
  let dns: HostileDnsServer;
  const fqdn = () => `registry.${dns.zone}`;
  const client = (options = {}) => new Rfc2136Client({ server: dns.address, key, timeoutMs: 500, retries: 0, ...options });
  const flip = { zone: "dr.example.com", name: "registry.dr.example.com", type: "A" as const, ttl: 60, expect: [PRIMARY_IP], values: [STANDBY_IP] };

  before(async () => {
    dns = await startHostileDnsServer({ key });
  });
  beforeEach(() => {
    dns.behaviour = {};
    dns.updates = 0;
    dns.set(fqdn(), "A", [PRIMARY_IP]);
  });
  after(async () => {
    await dns?.stop();
  });

  test("the stand-in is strict: it applies a compare-and-swap and refuses one whose prerequisite fails", async () => {
    await client().update(flip);
    assert.deepEqual(dns.values(fqdn(), "A"), [STANDBY_IP]);
    await assert.rejects(client().update(flip), (error: Error) => error instanceof DnsError && error.code === "NXRRSET");
    await assert.rejects(client({ key: { ...key, secret: randomBytes(32).toString("base64") } }).query(fqdn(), "A"), /no answer over UDP/);
  });

  test("a UDP reply truncated after the update was applied: the TCP retry's NXRRSET is checked, and the flip counts as done", async () => {
    dns.behaviour.truncateUpdatesOverUdp = true;
    await client().update(flip);
    assert.equal(dns.updates, 2, "the update was sent again over TCP");
    assert.deepEqual(dns.values(fqdn(), "A"), [STANDBY_IP]);
  });

  test("a truncated reply whose update someone then changed again says it may have been applied, not that nothing was written", async () => {
    dns.behaviour.truncateUpdatesOverUdp = true;
    let seen = 0;
    dns.behaviour.beforeUpdate = (server) => {
      if (++seen === 2) server.set(fqdn(), "A", ["10.9.9.9"]);
    };
    await assert.rejects(client().update(flip), (error: Error) => {
      assert.match(
        error.message,
        /NXRRSET: the record no longer holds 10\.1\.0\.10; an earlier attempt of this update got no answer that could be trusted, so it may have been applied before the record changed again: it now holds 10\.9\.9\.9/,
      );
      assert.doesNotMatch(error.message, /nothing was written/);
      return true;
    });
  });

  test("a TCP reply marked truncated is an error, not an empty record", async () => {
    dns.behaviour.truncateOverTcp = true;
    await assert.rejects(
      client({ transport: "tcp" }).query(fqdn(), "A"),
      (error: Error) => error instanceof DnsProtocolError && /reply over TCP is marked truncated \(TC\)/.test(error.message),
    );
  });

  test("a junk datagram with the right id is ignored: the server's own reply, just behind it, is taken", async () => {
    dns.behaviour.junkBeforeUdpReply = true;
    assert.deepEqual(await client().query(fqdn(), "A"), { values: [PRIMARY_IP], ttl: 60 });
    await client().update(flip);
    assert.deepEqual(dns.values(fqdn(), "A"), [STANDBY_IP]);
  });

  test("an update never answered says the change may have applied, and the switch reads the record to learn what it holds", async () => {
    dns.behaviour.silentUpdates = "apply";
    await assert.rejects(
      client({ timeoutMs: 200, retries: 1 }).update(flip),
      (error: Error) =>
        error instanceof DnsError &&
        /no answer over UDP within 200 ms\. UPDATE .* was sent 2 time\(s\) without an answer that could be trusted, so the change may or may not have been applied/.test(
          error.message,
        ),
    );
    dns.set(fqdn(), "A", [PRIMARY_IP]);
    const said: string[] = [];
    const store = new Rfc2136Records("dr.example.com", { servers: [dns.address], key, timeoutMs: 200, retries: 0 });
    const inputs = record(dns.address, "secondary");
    const applied = await applyRecord(store, inputs, await store.get(`${fqdn()}/A`), PRIMARY_IP, (line) => said.push(line));
    assert.equal(applied.activeTarget, STANDBY_IP);
    assert.match(
      said.join("\n"),
      /holds 10\.2\.0\.20 \(the secondary site\), though this run's write did not report success \(.*may or may not have been applied/,
    );

    dns.behaviour.silentUpdates = "drop";
    await assert.rejects(
      applyRecord(store, record(dns.address, "primary"), await store.get(`${fqdn()}/A`), STANDBY_IP, () => {}),
      (error: Error) => {
        assert.match(
          error.message,
          /A record "registry" in zone dr\.example\.com does not hold 10\.1\.0\.10 \(the primary site\):\n {2}holds 10\.2\.0\.20 \(the secondary site\): not switched: .*may or may not have been applied/,
        );
        return true;
      },
    );
  });

  test("another writer's flip landing between the switch's read and its write: reported as theirs, exit-0 worthy, never as 'nothing was written'", async () => {
    const store = new Rfc2136Records("dr.example.com", { servers: [dns.address], key, timeoutMs: 500, retries: 0 });
    const said: string[] = [];
    const existing = await store.get(`${fqdn()}/A`);
    dns.behaviour.beforeUpdate = (server) => server.set(fqdn(), "A", [STANDBY_IP]);
    // The store's own read sees nothing yet: the other writer lands just before the UPDATE.
    const applied = await applyRecord(store, record(dns.address, "secondary"), existing, existing?.value, (line) => said.push(line));
    assert.equal(applied.flipped, false, "this run did not switch it");
    assert.doesNotMatch(said.join("\n"), /^switched/m);
    assert.match(said.join("\n"), /holds 10\.2\.0\.20 \(the secondary site\), though this run's write did not report success \(.*NXRRSET/);
  });
});

/** The record's description, as the command reads it, forced past a preflight that has no registry to ask. */
function record(server: string, active: "primary" | "secondary", servers?: string[]): FailoverRecordInputs {
  return failoverRecordSchema().parse({
    backend: "rfc2136",
    zone: "dr.example.com",
    name: "registry",
    type: "A",
    ttl: 60,
    rfc2136: { ...(servers ? { servers } : { server }), tsig: key },
    sites: { primary: { value: PRIMARY_IP, registry: "127.0.0.1:1" }, secondary: { value: STANDBY_IP, registry: "127.0.0.1:1" } },
    active,
    clients: false,
    force: true,
  });
}
