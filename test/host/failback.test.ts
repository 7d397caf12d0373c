import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { FailoverRecord } from "../../provider/resources/dns/failover-record";
import { ImageSync } from "../../provider/resources/image-sync";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { captureResources, ProviderHost, ResourceDriver } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * The failback through the real provider host: FailoverRecord refuses to go back to the
 * primary while the secondary holds a tag the primary lacks (pushed while it served), and an
 * ImageSync with `reverse: true` (the same images as the forward one) copies it back. BIND
 * with `dig` as the oracle for the record, skopeo for the registries.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

describe("FailoverRecord failback and ImageSync reverse through the provider host", () => {
  let dns: DnsTestServer;
  let primary: RegistryServer;
  let standby: RegistryServer;
  let host: ProviderHost;
  let record: ResourceDriver;
  let forward: ResourceDriver;
  let reverse: ResourceDriver;
  let outputs: Record<string, unknown>;
  let id: string;
  const fqdn = () => `registry.${dns.zone}`;

  before(async () => {
    [dns, primary, standby] = await Promise.all([startDnsServer("bind"), startRegistry(), startRegistry()]);
    await pushSmallImage(primary, "dr/app:1.0", undefined, "dr/app:1.0");
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
      new ImageSync("copy-back", { images, reverse: true }),
    ]);
    host = await ProviderHost.start();
    await host.configure({});
    const driver = (name: string) => host.resource(captured.find((resource) => resource.name === name)!);
    [record, forward, reverse] = [driver("dc-dns"), driver("fill-standby"), driver("copy-back")];
    await forward.create(forward.inputs());
    ({ id, outputs } = await record.create(record.inputs()));
    ({ outputs } = await record.update(id, outputs, record.inputs({ active: "secondary" })));
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
  });
  after(async () => {
    await Promise.all([host?.stop(), dns?.stop(), primary?.stop(), standby?.stop()]);
  });

  test("the failback is refused while the secondary holds a tag the primary lacks, naming it; preview says so; dig shows the record unchanged", async () => {
    const pushed = await pushSmallImage(standby, "dr/app:2.0", undefined, "outage-push");
    const diff = await record.diff(id, outputs, record.inputs({ active: "primary" }));
    assert.equal(diff.changes, "some");
    assert.match(host.output(), /failback: .*\/dr\/app:2\.0 .* is on the secondary site but not at .*\/dr\/app:2\.0/);
    assert.match(host.output(), /NOT ready.*: the switch would be refused/);
    await assert.rejects(record.update(id, outputs, record.inputs({ active: "primary" })), (error: Error) => {
      assert.match(error.message, /preflight of the primary site .* failed, so A record "registry" in zone dr\.example\.com was not changed/);
      assert.match(error.message, new RegExp(`${standby.host.replace(/\./g, "\\.")}/dr/app:2\\.0 \\(${pushed.digest}\\) is on the secondary site`));
      assert.match(error.message, /ImageSync with reverse: true/);
      return true;
    });
    assert.deepEqual(await dns.dig(fqdn(), "A"), [STANDBY_IP]);
    assert.deepEqual(await listTags(`docker://${primary.host}/dr/app`), ["1.0"]);
  });

  test("ImageSync reverse: check refuses what would overwrite or cannot run backwards, naming it", async () => {
    const { failures } = await reverse.check(reverse.inputs({ force: true, retainOnDelete: false }));
    const byProperty = Object.fromEntries(failures.map((failure) => [failure.property, failure.reason]));
    assert.match(byProperty.force, /expected no force with reverse: a reverse copy never overwrites a tag the source holds/);
    assert.match(byProperty.retainOnDelete, /its copies are the sources' own images, never deleted/);
    const merged = { [`${primary.host}/dr/app`]: `${standby.host}/dr/all`, [`${primary.host}/dr/web`]: `${standby.host}/dr/all` };
    const { failures: mapping } = await reverse.check(reverse.inputs({ images: merged }));
    assert.match(mapping.map((failure) => `${failure.property}: ${failure.reason}`).join("\n"), /dr\/all back into .*dr\/web/);
    assert.deepEqual((await reverse.check(reverse.inputs())).failures, []);
  });

  test("ImageSync reverse copies the tag back, byte for byte; then the failback passes", async () => {
    const standbyDigest = await manifestDigest(`docker://${standby.host}/dr/app:2.0`);
    const copied = await reverse.create(reverse.inputs());
    const summary = copied.outputs.summary as { counts: { synced: number; failed: number }; images: { destination: string; status: string }[] };
    assert.deepEqual(summary.counts, { synced: 1, skipped: 1, failed: 0 });
    assert.ok(summary.images.some((image) => image.destination === `${primary.host}/dr/app:2.0` && image.status === "synced"));
    assert.equal(await manifestDigest(`docker://${primary.host}/dr/app:2.0`), standbyDigest);
    const back = await record.update(id, outputs, record.inputs({ active: "primary" }));
    assert.deepEqual(await dns.dig(fqdn(), "A"), [PRIMARY_IP]);
    const preflight = back.outputs.preflight as { failback?: { missing: string[]; conflicts: string[]; present: number } };
    assert.deepEqual(preflight.failback && { ...preflight.failback, from: undefined }, { from: undefined, checked: 2, present: 2, missing: [], conflicts: [] });
  });

  test("ImageSync reverse never overwrites a tag the source holds as another image: the update fails naming the conflict", async () => {
    const onStandby = await pushSmallImage(standby, "dr/app:3.0", undefined, "standby-3.0");
    const onPrimary = await pushSmallImage(primary, "dr/app:3.0", undefined, "primary-3.0");
    await assert.rejects(
      reverse.create(reverse.inputs()),
      new RegExp(
        `1 of 3 image\\(s\\) failed to sync:[\\s\\S]*conflict: ${primary.host.replace(/\./g, "\\.")}/dr/app:3\\.0 is ${onPrimary.digest}, ${standby.host.replace(/\./g, "\\.")}/dr/app:3\\.0 is ${onStandby.digest}; both kept, nothing overwritten`,
      ),
    );
    assert.equal(await manifestDigest(`docker://${primary.host}/dr/app:3.0`), onPrimary.digest);
    assert.equal(await manifestDigest(`docker://${standby.host}/dr/app:3.0`), onStandby.digest);
  });
});
