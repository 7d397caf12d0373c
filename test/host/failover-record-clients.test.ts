import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { join } from "node:path";
import { after, before, describe, test } from "node:test";
import { FailoverRecord } from "../../provider/resources/dns/failover-record";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { makeTempDir, removeTempDir } from "../support/processes";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver } from "../support/provider-host";
import { FailoverSites, startFailoverSites } from "../support/tls-sites";

/**
 * FailoverRecord with `clients` through the real provider host: the switch waits for a pull
 * through the failover name (from the site's address, the name's certificate verified, the
 * clients' credential) and refuses a standby clients would get 404 from. BIND holds the record.
 */

const USERS = { ci: "ci-pass-host-41c7" };
const WRONG_PASSWORD = "not-the-clients-password-3b7e";

describe("FailoverRecord with clients", () => {
  let dns: DnsTestServer;
  let sites: FailoverSites;
  let dir: string;
  let host: ProviderHost;
  let record: ResourceDriver;
  let outputs: Record<string, unknown>;
  let id: string;
  const fqdn = () => `registry.${dns.zone}`;

  before(async () => {
    dir = makeTempDir("failover-record-clients-");
    dns = await startDnsServer("bind");
    sites = await startFailoverSites(dir, fqdn(), USERS);
    const login = { username: "ci", password: pulumi.secret(USERS.ci) };
    const captured = await captureResources(() => [
      new FailoverRecord("dc-dns", {
        backend: "rfc2136",
        zone: dns.zone,
        name: "registry",
        type: "A",
        rfc2136: { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: pulumi.secret(dns.key.secret) } },
        sites: {
          primary: { value: sites.addresses.primary, registry: sites.primary.host },
          secondary: { value: sites.addresses.good, registry: sites.good.host },
        },
        active: "primary",
        readiness: {
          auth: { [sites.primary.host]: login, [sites.renamed.host]: login, [sites.good.host]: login },
          images: { [`${sites.primary.host}/library/app:1.0`]: `${sites.good.host}/library/app:1.0` },
        },
        clients: { port: sites.port, ca: sites.ca.pem, credential: { username: "ci", password: USERS.ci } },
      }),
    ]);
    host = await ProviderHost.start();
    await host.configure({});
    record = host.resource(captured[0]);
  });
  after(async () => {
    await Promise.all([host?.stop(), dns?.stop(), sites?.stop()]);
    if (dir) await removeTempDir(dir);
  });

  test("the clients' credential is a secret input; check refuses a clients block it cannot use", async () => {
    // As with rfc2136.tsig, the serialized inputs carry the nested secret as a secret `clients`.
    assert.ok(isSecretValue(record.captured.inputs.clients), "clients (with the credential) is a secret input");
    const { failures } = await record.check(record.inputs({ clients: { port: 0, caFile: join(dir, "nowhere.pem") } }));
    const byProperty = Object.fromEntries(failures.map((failure) => [failure.property, failure.reason]));
    assert.match(byProperty["clients.port"], /expected a port from 1 to 65535/);
    assert.deepEqual((await record.check(record.inputs())).failures, []);
    // A standby that keeps the images under other paths is refused before anything runs.
    const renamed = await record.check(
      record.inputs({
        sites: {
          primary: { value: sites.addresses.primary, registry: sites.primary.host },
          secondary: { value: sites.addresses.renamed, registry: sites.renamed.host },
        },
        readiness: { images: { [`${sites.primary.host}/library/app:1.0`]: `${sites.renamed.host}/dr/app:1.0` } },
      }),
    );
    assert.match(
      renamed.failures.map((failure) => failure.reason).join("\n"),
      /holds library\/app as dr\/app: after a DNS flip to it, clients asking for library\/app would get 404/,
    );
  });

  test("a switch to a standby that refuses the clients' credential is refused through the name, and the record stays", async () => {
    ({ id, outputs } = await record.create(record.inputs()));
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.primary]);
    // Not the clients' password: the standby refuses them, so clients would be refused after the flip.
    const wrong = { port: sites.port, ca: sites.ca.pem, credential: { username: "ci", password: WRONG_PASSWORD } };
    await assert.rejects(record.update(id, outputs, record.inputs({ active: "secondary", clients: wrong })), /the clients' credential is refused/);
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.primary]);
  });

  test("a path-preserving standby is switched to after the pull through the name", async () => {
    const inputs = record.inputs({
      active: "secondary",
      sites: {
        primary: { value: sites.addresses.primary, registry: sites.primary.host },
        secondary: { value: sites.addresses.good, registry: sites.good.host },
      },
      readiness: {
        auth: { [sites.primary.host]: { username: "ci", password: USERS.ci }, [sites.good.host]: { username: "ci", password: USERS.ci } },
        images: { [`${sites.primary.host}/library/app:1.0`]: `${sites.good.host}/library/app:1.0` },
      },
      clients: { port: sites.port, ca: sites.ca.pem, credential: { username: "ci", password: USERS.ci } },
    });
    const flipped = await record.update(id, outputs, inputs);
    outputs = flipped.outputs;
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.good]);
    assert.equal((outputs.preflight as { clients?: string }).clients, `${fqdn()}:${sites.port}`);
  });

  test("with no clients setting the client view still runs: a primary not serving the name on port 443 is refused, and the record stays", async () => {
    // The defaults: the record's name in its zone, port 443, the system's CAs; nothing listens there for the name.
    await assert.rejects(
      record.update(id, outputs, record.inputs({ active: "primary", clients: undefined })),
      new RegExp(
        `preflight of the primary site .* failed[^]*clients at ${fqdn().replace(/\./g, "\\.")} \\(reaching ${sites.addresses.primary.replace(/\./g, "\\.")}\\): `,
      ),
    );
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.good]);
  });

  test("clients: false switches without the client view, and the preflight says it was not checked", async () => {
    const before = host.output().length;
    const flipped = await record.update(id, outputs, record.inputs({ active: "primary", clients: false }));
    outputs = flipped.outputs;
    assert.deepEqual(await dns.dig(fqdn(), "A"), [sites.addresses.primary]);
    const preflight = outputs.preflight as { clients?: string; clientsNotChecked?: string };
    assert.equal(preflight.clients, undefined);
    assert.match(preflight.clientsNotChecked ?? "", /^client view not checked \(clients: false\)/);
    assert.match(host.output().slice(before), /preflight client view not checked \(clients: false\)/);
    assert.equal(outputs.clients, false);
  });

  test("the clients' password never reaches the serialized provider, plain outputs or the host's output", () => {
    assert.deepEqual(
      findSecretLeaks([USERS.ci, WRONG_PASSWORD], {
        providerText: record.captured.providerText,
        outputs,
        secretOutputs: ["rfc2136", "readiness", "clients"],
        hostOutput: host.output(),
      }),
      [],
    );
  });
});
