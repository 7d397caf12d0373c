import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RegistryDisasterRecovery } from "../../components";
import { DnsTestServer, startDnsServer } from "../support/dns-servers";
import { pushSmallImage } from "../support/fixtures";
import { captureResources, CapturedResource, ProviderHost } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * RegistryDisasterRecovery's failback through the real provider host: a path-preserving
 * standby copied directly, a data-center record on BIND. While the standby serves, an image
 * pushed there refuses the record's way back to the primary; `failover.reverse` turns the
 * standby's copy around, and once it has run the failback goes through. `dig` and skopeo are
 * the oracles.
 */

const PRIMARY_IP = "10.1.0.10";
const STANDBY_IP = "10.2.0.20";

let dns: DnsTestServer;
let primary: RegistryServer;
let standby: RegistryServer;
let host: ProviderHost;
let captured: CapturedResource[];

before(async () => {
  [dns, primary, standby] = await Promise.all([startDnsServer("bind", { records: [`registry 60 IN A ${PRIMARY_IP}`] }), startRegistry(), startRegistry()]);
  await pushSmallImage(primary, "library/nginx:1.0", undefined, "nginx-1.0");
  captured = await captureResources(
    () =>
      new RegistryDisasterRecovery("dr", {
        primary: { registry: primary.url },
        protect: { repositories: ["library/nginx"] },
        // Namespace "library" with Harbor's default flattening of one level: library/nginx stays library/nginx.
        sites: { dc2: { registry: { url: standby.url, namespace: "library" }, replication: { direct: {} } } },
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
          values: { primary: PRIMARY_IP, dc2: STANDBY_IP },
          active: "primary",
          clients: false,
          reverse: true,
        },
      }),
  );
  host = await ProviderHost.start();
  await host.configure({});
});
after(async () => Promise.all([host?.stop(), dns?.stop(), primary?.stop(), standby?.stop()]));

const resource = (name: string) => {
  const found = captured.find((candidate) => candidate.name === name);
  assert.ok(found, `${name} registered; got ${captured.map((candidate) => candidate.name).join(", ")}`);
  return host.resource(found);
};

test("failover.reverse: the failback is refused while the standby holds what the primary lacks, until the reversed copy brings it back", async () => {
  const sync = resource("dr-dc2-sync");
  const record = resource("dr-record");
  assert.equal(sync.captured.inputs.reverse, true);

  // Before the outage: the forward copy, then the flip to the standby.
  const filled = await sync.create(sync.inputs({ reverse: false }));
  assert.deepEqual((filled.outputs.summary as { counts: unknown }).counts, { synced: 1, skipped: 0, failed: 0 });
  const { id, outputs: created } = await record.create(record.inputs());
  let outputs = created;
  ({ outputs } = await record.update(id, outputs, record.inputs({ active: "secondary" })));
  assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [STANDBY_IP]);

  // During the outage, CI pushes through the name: to the standby only.
  const pushed = await pushSmallImage(standby, "library/nginx:1.1-hotfix", undefined, "hotfix");
  await assert.rejects(
    record.update(id, outputs, record.inputs({ active: "primary" })),
    new RegExp(`failback: ${standby.host.replace(/\./g, "\\.")}/library/nginx:1\\.1-hotfix \\(${pushed.digest}\\) is on the secondary site but not at`),
  );
  assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [STANDBY_IP], "the record stays on the standby");

  // failover.reverse: the standby's copy runs backwards.
  const back = await sync.update(filled.id, filled.outputs, sync.inputs());
  assert.deepEqual((back.outputs.summary as { counts: unknown }).counts, { synced: 1, skipped: 1, failed: 0 });
  assert.deepEqual((await listTags(`docker://${primary.host}/library/nginx`)).sort(), ["1.0", "1.1-hotfix"]);
  assert.equal(await manifestDigest(`docker://${primary.host}/library/nginx:1.1-hotfix`), pushed.digest);

  await record.update(id, outputs, record.inputs({ active: "primary" }));
  assert.deepEqual(await dns.dig(`registry.${dns.zone}`, "A"), [PRIMARY_IP]);
});
