import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { RegistryDisasterRecovery } from "../../components";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { captureResources, CapturedResource, findSecretLeaks, ProviderHost } from "../support/provider-host";
import { RegistryServer } from "../support/registry-server";
import { TestCa, makeTestCa } from "../support/certs";
import { freePort } from "../support/free-port";
import { startTlsSite } from "../support/tls-sites";

/**
 * RegistryDisasterRecovery with `failover.clients` through the real provider host: TLS sites
 * from a test CA on one port at different loopback addresses, so only the address BIND hands
 * out decides who serves the failover name. A standby that would hold the images under other
 * paths is refused by the component; one whose certificate does not cover the name is refused
 * at the flip, naming the names it covers; a path-preserving one with a certificate for the
 * name is switched to. `dig` is the oracle after each step.
 */

const USERS = { ci: "ci-pass-dr-clients-2e9d" };
const ADDRESSES = { primary: "127.0.0.2", good: "127.0.0.3", wrongCert: "127.0.0.4" };

describe("RegistryDisasterRecovery with failover.clients", () => {
  let dir: string;
  let dns: DnsTestServer;
  let ca: TestCa;
  let port: number;
  const sites: Partial<Record<keyof typeof ADDRESSES, RegistryServer>> = {};
  let host: ProviderHost;
  let captured: CapturedResource[];
  const fqdn = () => `registry.${dns.zone}`;

  before(async () => {
    dir = makeTempDir("dr-clients-");
    dns = await startDnsServer("bind", { records: ["registry 60 IN A 127.0.0.2"] });
    ca = await makeTestCa(dir, "dr clients CA");
    port = await freePort(ADDRESSES.primary);
    // Each certificate covers the site's own address (its registry URL) and, but for one, the failover name.
    const start = (key: keyof typeof ADDRESSES, names: string[]) =>
      startTlsSite(dir, ca, { address: ADDRESSES[key], port, names, ips: [ADDRESSES[key]], users: USERS }).then((site) => (sites[key] = site));
    await Promise.all([start("primary", [fqdn()]), start("good", [fqdn()]), start("wrongCert", ["standby-b.dr.test"])]);
    for (const site of Object.values(sites)) await pushSmallImage(site!, "library/app:1.0", `ci:${USERS.ci}`);
    captured = await captureResources(() => [
      disasterRecovery("wrongcert", sites.wrongCert!, ADDRESSES.wrongCert),
      disasterRecovery("good", sites.good!, ADDRESSES.good),
    ]);
    host = await ProviderHost.start();
    await host.configure({});
  });
  after(async () => {
    await Promise.all([host?.stop(), dns?.stop(), ...Object.values(sites).map((site) => site?.stop())]);
    if (dir) await removeTempDir(dir);
  });

  /** The component failing over to `standby` (a TLS site on the shared port), its copies under `namespace`. */
  function disasterRecovery(name: string, standby: RegistryServer, address: string, namespace = "library"): RegistryDisasterRecovery {
    return new RegistryDisasterRecovery(name, {
      primary: {
        registry: `https://${sites.primary!.host}`,
        auth: { username: "ci", password: pulumi.secret(USERS.ci), insecure: false, caFile: ca.certPath },
      },
      protect: { repositories: ["library/app"] },
      sites: {
        dc2: {
          registry: { url: `https://${standby.host}`, namespace, username: "ci", password: pulumi.secret(USERS.ci), caFile: ca.certPath },
          replication: { direct: {} },
        },
      },
      failover: {
        record: {
          backend: "rfc2136",
          zone: dns.zone,
          name: "registry",
          type: "A",
          ttl: 60,
          adopt: true,
          rfc2136: { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: pulumi.secret(dns.key.secret) } },
        },
        values: { primary: ADDRESSES.primary, dc2: address },
        active: "primary",
        clients: { port, ca: ca.pem, credential: { username: "ci", password: pulumi.secret(USERS.ci) } },
      },
    });
  }

  function recordOf(name: string) {
    const found = captured.find((candidate) => candidate.name === `${name}-record`);
    assert.ok(found, `${name}-record registered; got ${captured.map((candidate) => candidate.name).join(", ")}`);
    return host.resource(found);
  }

  test("a standby whose certificate does not cover the name is refused at the flip, naming what it covers; the record stays", async () => {
    const record = recordOf("wrongcert");
    assert.deepEqual((await record.check(record.inputs())).failures, []);
    const { id, outputs } = await record.create(record.inputs());
    await assert.rejects(
      record.update(id, outputs, record.inputs({ active: "secondary" })),
      new RegExp(`TLS certificate not valid for ${fqdn().replace(/\./g, "\\.")} \\(it covers DNS:standby-b\\.dr\\.test, IP:127\\.0\\.0\\.4\\)`),
    );
    assert.deepEqual(await dns.dig(fqdn(), "A"), [ADDRESSES.primary]);
  });

  test("a path-preserving standby with a certificate for the name is switched to, and back", async () => {
    const record = recordOf("good");
    const created = await record.create(record.inputs());
    const flipped = await record.update(created.id, created.outputs, record.inputs({ active: "secondary" }));
    assert.deepEqual(await dns.dig(fqdn(), "A"), [ADDRESSES.good]);
    assert.equal((flipped.outputs.preflight as { clients?: string }).clients, `${fqdn()}:${port}`);
    await record.update(created.id, flipped.outputs, record.inputs({ active: "primary" }));
    assert.deepEqual(await dns.dig(fqdn(), "A"), [ADDRESSES.primary]);
    assert.deepEqual(
      findSecretLeaks([USERS.ci, dns.key.secret], {
        providerText: record.captured.providerText,
        outputs: flipped.outputs,
        secretOutputs: ["rfc2136", "readiness", "clients"],
        hostOutput: host.output(),
      }),
      [],
    );
  });

  test("a standby that would hold the images under another path is refused by the component, before anything is registered", async () => {
    assert.throws(
      () => disasterRecovery("renamed", sites.good!, ADDRESSES.good, "dr"),
      /the failover standby dc2 holds library\/app as dr\/app .*clients asking for the primary's paths would get 404 there/,
    );
    assert.deepEqual(await dns.dig(fqdn(), "A"), [ADDRESSES.primary]);
  });
});
