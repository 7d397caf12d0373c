import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { AlicloudClient, PrivateZoneRecords, rememberAlicloudConfig } from "../../provider/clients/alicloud";
import { FailoverRecordInputs, applyRecord, checkRecordRules, failoverRecordSchema, withRecordStore } from "../../provider/failover";
import { failoverRecordProvider } from "../../provider/resources/dns";
import { AlicloudStandIn, startAlicloudStandIn } from "../support/alicloud";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { GoogleStandIn, startGoogleStandIn } from "../support/google";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer } from "../support/registry-server";
import { FailoverSites, startFailoverSites, startTlsSite } from "../support/tls-sites";

/**
 * The client view with no `clients` setting, or with only some of it: the name is the record's
 * own in its zone (for PrivateZone and Cloud DNS, the zone's DNS name as their APIs give it),
 * the port 443, the CAs the system's. Sites serve TLS for the name on separate loopback
 * addresses and one port, so only the record's value decides who answers; `clients: false`
 * switches without that check and says so.
 */

const ZONE = "dr.example.com";
const NAME = `registry.${ZONE}`;
const USERS = { ci: "ci-pass-defaults-5d2e" };
const WRONG_CERT_ADDRESS = "127.0.0.4";
const KEY = { accessKey: "LTAI5tClientDefaults1", secretKey: "client-defaults-secret-8a1f" };
const PROJECT = "dr-project";

let dir: string;
let dns: DnsTestServer;
let sites: FailoverSites;
let wrongCert: RegistryServer;
let alibaba: AlicloudStandIn;
let google: GoogleStandIn;

before(async () => {
  dir = makeTempDir("client-view-defaults-");
  [dns, sites, alibaba, google] = await Promise.all([
    startDnsServer("bind", { zone: ZONE, records: ["registry 60 IN A 127.0.0.2"] }),
    startFailoverSites(dir, NAME, USERS),
    startAlicloudStandIn({ accessKeys: { [KEY.accessKey]: { secret: KEY.secretKey } } }),
    startGoogleStandIn(),
  ]);
  // A standby with the primary's paths and credentials, but a certificate for other names.
  wrongCert = await startTlsSite(dir, sites.ca, { address: WRONG_CERT_ADDRESS, port: sites.port, names: [`standby.${ZONE}`], users: USERS });
  await pushSmallImage(wrongCert, "library/app:1.0", `ci:${USERS.ci}`);
  rememberAlicloudConfig({ get: (key) => (key === "alicloud:endpoints" ? JSON.stringify([alibaba.endpoints]) : undefined) });
});
after(async () => {
  assert.deepEqual(google?.violations(), []);
  await Promise.all([dns?.stop(), sites?.stop(), wrongCert?.stop(), alibaba?.stop(), google?.stop()]);
  if (dir) await removeTempDir(dir);
});

type Standby = "good" | "wrongCert";
const addressOf = (standby: Standby) => (standby === "good" ? sites.addresses.good : WRONG_CERT_ADDRESS);
const hostOf = (standby: Standby) => (standby === "good" ? sites.good.host : wrongCert.host);

/** The record's switching fields, flipping the name between the primary and `standby`, with the readiness credentials. */
function switching(standby: Standby, active: "primary" | "secondary", clients?: Record<string, unknown> | false) {
  const login = { username: "ci", password: USERS.ci };
  return {
    sites: {
      primary: { value: sites.addresses.primary, registry: sites.primary.host },
      secondary: { value: addressOf(standby), registry: hostOf(standby) },
    },
    active,
    readiness: {
      auth: { [sites.primary.host]: login, [hostOf(standby)]: login },
      images: { [`${sites.primary.host}/library/app:1.0`]: `${hostOf(standby)}/library/app:1.0` },
    },
    ...(clients === undefined ? {} : { clients }),
  };
}

describe("a data-center record (rfc2136, BIND) with no clients setting", () => {
  function record(standby: Standby, clients?: Record<string, unknown> | false): FailoverRecordInputs {
    const inputs = failoverRecordSchema().parse({
      backend: "rfc2136",
      zone: ZONE,
      name: "registry",
      type: "A",
      ttl: 60,
      rfc2136: { server: dns.address, tsig: dns.key },
      ...switching(standby, "secondary", clients),
    });
    checkRecordRules(inputs);
    return inputs;
  }

  /** The switch as `registry-dr failover` runs it: the record as read is the compare-and-swap's expectation. */
  async function flip(inputs: FailoverRecordInputs, lines: string[] = []) {
    return withRecordStore(inputs, async (records) => {
      const [existing] = await records.find("registry");
      return applyRecord(records, inputs, existing, existing.value, (line) => lines.push(line));
    });
  }

  test("is refused by default when the standby does not serve the name on port 443, and the record stays", async () => {
    const lines: string[] = [];
    await assert.rejects(flip(record("good"), lines), (error: Error) => {
      assert.match(error.message, /preflight of the secondary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/);
      assert.match(error.message, new RegExp(`clients at ${NAME.replace(/\./g, "\\.")} \\(reaching 127\\.0\\.0\\.3\\): `));
      return true;
    });
    assert.deepEqual(await dns.dig(NAME, "A"), [sites.addresses.primary]);
  });

  test("with only the port and the CA given, the name is still the record's own: a certificate for other names is refused", async () => {
    await assert.rejects(
      flip(record("wrongCert", { port: sites.port, ca: sites.ca.pem })),
      new RegExp(
        `clients at ${NAME.replace(/\./g, "\\.")}:${sites.port} \\(reaching 127\\.0\\.0\\.4\\): .*TLS certificate not valid for ${NAME.replace(/\./g, "\\.")} \\(it covers DNS:standby\\.dr\\.example\\.com\\)`,
      ),
    );
    assert.deepEqual(await dns.dig(NAME, "A"), [sites.addresses.primary]);
  });

  test("clients: false switches without the client view and says so, in the output and in the preflight it keeps", async () => {
    const lines: string[] = [];
    const applied = await flip(record("wrongCert", false), lines);
    assert.deepEqual(await dns.dig(NAME, "A"), [WRONG_CERT_ADDRESS]);
    assert.equal(applied.preflight?.clients, undefined);
    assert.match(applied.preflight?.clientsNotChecked ?? "", /^client view not checked \(clients: false\)/);
    assert.equal(lines.filter((line) => /client view not checked \(clients: false\)/.test(line)).length, 1, lines.join("\n"));
    assert.deepEqual(applied.preflight?.problems, []);
    // Back to the primary, for the next test: the client view with the port and CA finds the primary serving the name.
    const back = await flip({ ...record("good", { port: sites.port, ca: sites.ca.pem }), active: "primary" });
    assert.equal(back.preflight?.clients, `${NAME}:${sites.port}`);
    assert.deepEqual(await dns.dig(NAME, "A"), [sites.addresses.primary]);
  });
});

/** Create on the primary and flip to `standby` through FailoverRecord's provider; `stored` reads the record's value. */
async function createAndFlip(placement: Record<string, unknown>, standby: Standby, stored: () => Promise<string | undefined>) {
  const clients = { port: sites.port, ca: sites.ca.pem };
  const created = await failoverRecordProvider.create!({ ...placement, ...switching(standby, "primary", clients) });
  assert.equal(created.outs.preflight.clients, `${NAME}:${sites.port}`, "the name is the record's in the zone's DNS name");
  assert.equal(await stored(), sites.addresses.primary);
  return { created, flip: () => failoverRecordProvider.update!(created.id, created.outs, { ...placement, ...switching(standby, "secondary", clients) }) };
}

describe("records whose zone is not a DNS name take the name from the DNS API", () => {
  test("PrivateZone: the zone's ZoneName (DescribeZoneInfo) names the record; a standby without a certificate for it is refused", async () => {
    const operator = new AlicloudClient({ accessKey: { accessKeyId: KEY.accessKey, accessKeySecret: KEY.secretKey }, endpoints: alibaba.endpoints });
    try {
      const zoneId = (await operator.call<{ ZoneId: string }>("pvtz", "AddZone", { ZoneName: ZONE })).ZoneId;
      const placement = { backend: "privatezone", zone: zoneId, name: "registry", type: "A", ttl: 60, alicloud: KEY };
      const stored = async () => (await new PrivateZoneRecords(operator, zoneId).find("registry"))[0]?.value;
      const refused = await createAndFlip(placement, "wrongCert", stored);
      await assert.rejects(refused.flip(), new RegExp(`TLS certificate not valid for ${NAME.replace(/\./g, "\\.")}`));
      assert.equal(await stored(), sites.addresses.primary, "the record is unchanged");
      await failoverRecordProvider.delete!(refused.created.id, refused.created.outs);
      const ready = await createAndFlip(placement, "good", stored);
      const flipped = await ready.flip();
      assert.equal(await stored(), sites.addresses.good);
      assert.equal(flipped.outs.preflight.clients, `${NAME}:${sites.port}`);
    } finally {
      await operator.close();
    }
  });

  test("Cloud DNS: the managed zone's dnsName names the record; a standby without a certificate for it is refused", async () => {
    const account = google.addServiceAccount("dr-dns@dr-project.iam.gserviceaccount.com", PROJECT);
    google.dns.addZone(PROJECT, "dr-zone", `${ZONE}.`);
    const placement = {
      backend: "clouddns",
      zone: "dr-zone",
      name: "registry",
      type: "A",
      ttl: 60,
      google: { project: PROJECT, serviceAccountKey: account.keyJson, endpoint: google.dnsEndpoint },
    };
    const stored = async () => google.dns.record(PROJECT, "dr-zone", `${NAME}.`, "A")?.rrdatas[0];
    const refused = await createAndFlip(placement, "wrongCert", stored);
    await assert.rejects(refused.flip(), new RegExp(`TLS certificate not valid for ${NAME.replace(/\./g, "\\.")}`));
    assert.equal(await stored(), sites.addresses.primary, "the record is unchanged");
    await failoverRecordProvider.delete!(refused.created.id, refused.created.outs);
    const ready = await createAndFlip(placement, "good", stored);
    await ready.flip();
    assert.equal(await stored(), sites.addresses.good);
  });
});
