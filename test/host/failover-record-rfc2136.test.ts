import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FailoverRecord } from "../../provider/resources/dns/failover-record";
import { ImageSync } from "../../provider/resources/image-sync";
import { DnsServerKind, DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * FailoverRecord with backend rfc2136 through the real provider host, against real DNS servers
 * (BIND 9, then Knot) and two real registries: solution 3 of Alibaba Cloud's Harbor-to-ACR
 * guide, where the data center's own DNS resolves Harbor's name to the ACR instance's VPC
 * endpoint. `dig` reads what the server holds; `nsupdate` is the operator changing it by hand.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

for (const kind of ["bind", "knot"] as DnsServerKind[]) {
  describe(`FailoverRecord on ${kind}`, () => {
    let dns: DnsTestServer;
    let primary: RegistryServer;
    let standby: RegistryServer;
    let host: ProviderHost;
    let record: ResourceDriver;
    let imageSync: ResourceDriver;
    let outputs: Record<string, unknown>;
    let id: string;
    const fqdn = () => `registry.${dns.zone}`;

    before(async () => {
      [dns, primary, standby] = await Promise.all([startDnsServer(kind), startRegistry(), startRegistry()]);
      for (const ref of ["dr/app:1.0", "dr/app:1.1"]) await pushSmallImage(primary, ref, undefined, ref);
      const images = { [`${primary.host}/dr/app`]: `${standby.host}/dr/app` };
      const captured = await captureResources(() => [
        new FailoverRecord("dc-dns", {
          backend: "rfc2136",
          zone: dns.zone,
          name: "registry",
          type: "A",
          ttl: 60,
          rfc2136: { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: pulumi.secret(dns.key.secret) } },
          sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: standby.host } },
          active: "primary",
          readiness: { images },
          clients: false,
        }),
        new ImageSync("fill-standby", { images }),
      ]);
      host = await ProviderHost.start();
      await host.configure({});
      record = host.resource(captured.find((resource) => resource.name === "dc-dns")!);
      imageSync = host.resource(captured.find((resource) => resource.name === "fill-standby")!);
    });
    after(async () => {
      await Promise.all([host?.stop(), dns?.stop(), primary?.stop(), standby?.stop()]);
    });

    test("check names a bad server, algorithm, secret, zone and value; the TSIG settings are a secret input", async () => {
      assert.ok(isSecretValue(record.captured.inputs.rfc2136), "rfc2136 (with the TSIG secret) is a secret input");
      const tsig = { name: "dr-key", algorithm: "hmac-sha256", secret: dns.key.secret };
      const { failures: shape } = await record.check(record.inputs({ rfc2136: { server: dns.address, tsig: { ...tsig, algorithm: "hmac-md4" } } }));
      assert.match(shape.find((failure) => failure.property === "rfc2136.tsig.algorithm")?.reason ?? "", /expected one of hmac-sha1, .*hmac-sha256/);
      const { failures: rules } = await record.check(
        record.inputs({
          zone: "not a zone!",
          rfc2136: { server: "10.0.0.53:99999", tsig: { ...tsig, secret: "***" } },
          sites: { primary: { value: "10.1.0.300", registry: primary.host }, secondary: { value: STANDBY_IP, registry: standby.host } },
        }),
      );
      const byProperty = Object.fromEntries(rules.map((failure) => [failure.property, failure.reason]));
      assert.match(byProperty.zone, /expected the zone's name, such as dr\.example\.com/);
      assert.match(byProperty["rfc2136.server"], /expected a DNS server as host, host:port/);
      assert.match(byProperty["rfc2136.tsig.secret"], /expected the TSIG secret in base64/);
      assert.match(byProperty["sites.primary.value"], /an A record holds an IPv4 address/);
      assert.ok(!JSON.stringify(rules).includes(dns.key.secret), "no failure quotes the secret");
      assert.deepEqual((await record.check(record.inputs())).failures, []);
    });

    test("create writes the record; a record already there is refused unless adopted (no silent merge)", async () => {
      const created = await record.create(record.inputs());
      ({ id, outputs } = created);
      assert.equal(id, `${fqdn()}/A`);
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
      await dns.nsupdate([`update add mirror.${dns.zone} 60 A 10.9.9.9`]);
      await assert.rejects(record.create(record.inputs({ name: "mirror" })), /already exists: A 10\.9\.9\.9 .*Set adopt: true/);
      assert.deepEqual(await dns.dig(`mirror.${dns.zone}`, "A"), ["10.9.9.9"], "the existing record is untouched");
    });

    test("a flip to a standby missing images is refused by the preflight; the record stays, per dig", async () => {
      await assert.rejects(
        record.update(id, outputs, record.inputs({ active: "secondary" })),
        /preflight of the secondary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/,
      );
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
    });

    test("a wrong TSIG secret is refused with what is wrong, and changes nothing", async () => {
      await imageSync.create(imageSync.inputs());
      const wrong = { server: dns.address, tsig: { name: dns.key.name, algorithm: dns.key.algorithm, secret: Buffer.alloc(32, 9).toString("base64") } };
      await assert.rejects(
        record.update(id, outputs, record.inputs({ active: "secondary", rfc2136: wrong })),
        /NOTAUTH \(BADSIG\): the server does not accept key "dr-key" with this secret/,
      );
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
    });

    test("flip and failback, each read back", async () => {
      const flipped = await record.update(id, outputs, record.inputs({ active: "secondary" }));
      assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
      assert.deepEqual([flipped.outputs.activeTarget, flipped.outputs.previousTarget], [STANDBY_IP, PRIMARY_IP]);
      const back = await record.update(id, flipped.outputs, record.inputs({ active: "primary" }));
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
      outputs = back.outputs;
    });

    test("a change made by hand is refused as a compare-and-swap until refresh sees it; then the next update repairs it", async () => {
      await dns.nsupdate([`update delete ${fqdn()} A`, `update add ${fqdn()} 60 A 10.7.7.7`]);
      await assert.rejects(
        record.update(id, outputs, record.inputs({ active: "secondary" })),
        /holds 10\.7\.7\.7, but state says 10\.1\.0\.10: it was changed outside Pulumi, so it was not overwritten/,
      );
      assert.deepEqual(await dns.dig(fqdn(), "A"), ["10.7.7.7"]);
      const read = await record.read(id, outputs);
      assert.equal(read.outputs.activeTarget, "10.7.7.7");
      assert.match(host.output(), /was changed outside Pulumi: it holds 10\.7\.7\.7/);
      assert.deepEqual(await record.diff(id, read.outputs, record.inputs()), { changes: "some", replaces: [] });
      const repaired = await record.update(id, read.outputs, record.inputs());
      assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
      outputs = repaired.outputs;
    });

    test("the TSIG secret never reaches the serialized provider, plain outputs or the host's output", () => {
      assert.deepEqual(
        findSecretLeaks([dns.key.secret], {
          providerText: record.captured.providerText,
          outputs,
          secretOutputs: ["rfc2136", "readiness", "alicloud"],
          hostOutput: host.output(),
        }),
        [],
      );
    });

    test("delete removes the record it created, and only that", async () => {
      await record.delete(id, outputs);
      assert.deepEqual(await dns.dig(fqdn(), "A"), []);
      assert.deepEqual(await dns.dig(`mirror.${dns.zone}`, "A"), ["10.9.9.9"]);
      assert.equal((await record.read(id, outputs)).id, "");
    });
  });
}

describe("FailoverRecord on two primaries (BIND and Knot, each holding the zone)", () => {
  let bind: DnsTestServer;
  let knot: DnsTestServer;
  let primary: RegistryServer;
  let host: ProviderHost;
  let record: ResourceDriver;
  let outputs: Record<string, unknown>;
  let id: string;
  const fqdn = "registry.dr.example.com";

  before(async () => {
    [bind, primary] = await Promise.all([startDnsServer("bind"), startRegistry()]);
    // One key for both: the record's settings name one TSIG key for all its servers.
    knot = await startDnsServer("knot", { key: bind.key });
    const captured = await captureResources(() => [
      new FailoverRecord("dc-dns-pair", {
        backend: "rfc2136",
        zone: "dr.example.com",
        name: "registry",
        type: "A",
        rfc2136: {
          servers: [bind.address, knot.address],
          tsig: { name: bind.key.name, algorithm: bind.key.algorithm, secret: pulumi.secret(bind.key.secret) },
          transport: "tcp",
        },
        sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: primary.host, tcpCheck: "127.0.0.1:1" } },
        active: "primary",
        clients: false,
      }),
    ]);
    host = await ProviderHost.start();
    await host.configure({});
    record = host.resource(captured[0]);
  });
  after(async () => {
    await Promise.all([host?.stop(), bind?.stop(), knot?.stop(), primary?.stop()]);
  });

  test("create writes the record on every primary", async () => {
    ({ id, outputs } = await record.create(record.inputs()));
    assert.deepEqual([await bind.dig(fqdn, "A"), await knot.dig(fqdn, "A")], [[PRIMARY_IP], [PRIMARY_IP]]);
  });

  test("a flip to a site whose address does not take TCP is refused by the preflight, on both servers", async () => {
    await assert.rejects(record.update(id, outputs, record.inputs({ active: "secondary" })), /127\.0\.0\.1:1 does not accept TCP connections from here/);
    assert.deepEqual([await bind.dig(fqdn, "A"), await knot.dig(fqdn, "A")], [[PRIMARY_IP], [PRIMARY_IP]]);
  });

  test("a flip left half done (one server already switched) is finished on the other", async () => {
    const inputs = record.inputs({
      active: "secondary",
      sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: primary.host } },
    });
    await knot.nsupdate([`update delete ${fqdn} A`, `update add ${fqdn} 60 A ${STANDBY_IP}`]);
    const flipped = await record.update(id, outputs, inputs);
    assert.deepEqual([await bind.dig(fqdn, "A"), await knot.dig(fqdn, "A")], [[STANDBY_IP], [STANDBY_IP]]);
    outputs = flipped.outputs;
  });

  test("a second server holding a third value refuses the flip before any server is written", async () => {
    await knot.nsupdate([`update delete ${fqdn} A`, `update add ${fqdn} 60 A 10.9.9.9`]);
    const back = record.inputs({ sites: { primary: { value: PRIMARY_IP, registry: primary.host }, secondary: { value: STANDBY_IP, registry: primary.host } } });
    await assert.rejects(
      record.update(id, outputs, back),
      /holds 10\.9\.9\.9, not 10\.2\.0\.20 as last read: it was changed meanwhile, so nothing was written/,
    );
    assert.deepEqual([await bind.dig(fqdn, "A"), await knot.dig(fqdn, "A")], [[STANDBY_IP], ["10.9.9.9"]]);
  });
});
