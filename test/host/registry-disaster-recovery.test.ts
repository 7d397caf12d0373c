import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { RegistryDisasterRecovery } from "../../components";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { captureResources, CapturedResource, findSecretLeaks, ProviderHost } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * One choice of repositories, two copy paths: a RegistryDisasterRecovery with a site copied
 * by Harbor's replication and a site copied directly (ImageSync), both from the Harbor
 * stand-in to real registries, through the real provider host. Both sites must end up with
 * the same repositories, tags and digests under their namespace.
 */

const ADMIN = "Harbor12345-dr-plan";
const PUSHER = { username: "dr_pusher", password: "Pusher-Secret-DR1" };
const SECRETS = [ADMIN, PUSHER.password];

let harbor: HarborStandIn;
let viaHarbor: RegistryServer;
let direct: RegistryServer;
let host: ProviderHost;
let captured: CapturedResource[];
const pushed: Record<string, SmallImage> = {};

before(async () => {
  const auth = { kind: "htpasswd" as const, users: { [PUSHER.username]: PUSHER.password } };
  [harbor, viaHarbor, direct] = await Promise.all([startHarborStandIn({ adminPassword: ADMIN }), startRegistry({ auth }), startRegistry({ auth })]);
  const images: [string, string][] = [
    ["library/nginx:1.0", "a"],
    ["library/nginx:1.1", "b"],
    ["library/nginx:2.0-rc", "c"],
    ["team/app/api:3.1", "d"],
    ["library/redis:7.0", "e"],
  ];
  for (const [ref, variant] of images) pushed[ref] = await pushSmallImage(harbor.registry, ref, undefined, variant);
  const site = (target: RegistryServer) => ({ url: target.url, namespace: "dr", username: PUSHER.username, password: pulumi.secret(PUSHER.password) });
  captured = await captureResources(() => {
    const dr = new RegistryDisasterRecovery("dr", {
      primary: { harbor: { url: harbor.url, username: "admin", password: pulumi.secret(ADMIN) } },
      protect: { repositories: ["library/nginx", "team/app/api"], tags: "*-rc", tagDecoration: "excludes" },
      sites: {
        "via-harbor": { registry: site(viaHarbor), replication: { harbor: { flatten: 1, runTimeoutSeconds: 120 } } },
        direct: { registry: site(direct), replication: { direct: { flatten: 1 } } },
      },
    });
    const whole = new RegistryDisasterRecovery("whole", {
      primary: { harbor: { url: harbor.url, username: "admin", password: pulumi.secret(ADMIN) } },
      protect: { repositories: ["library/**"], tags: "*-rc", tagDecoration: "excludes" },
      sites: {
        "via-harbor": { registry: { ...site(viaHarbor), namespace: "whole" }, replication: { harbor: { flatten: 1, runTimeoutSeconds: 120 } } },
        direct: { registry: { ...site(direct), namespace: "whole" }, replication: { direct: { flatten: 1 } } },
      },
    });
    return [dr, whole];
  });
  host = await ProviderHost.start();
  await host.configure({});
});
after(async () => Promise.all([host?.stop(), harbor?.stop(), viaHarbor?.stop(), direct?.stop()]));

const resource = (name: string) => {
  const found = captured.find((candidate) => candidate.name === name);
  assert.ok(found, `${name} registered; got ${captured.map((candidate) => candidate.name).join(", ")}`);
  return host.resource(found);
};
const creds = `${PUSHER.username}:${PUSHER.password}`;

async function holdings(target: RegistryServer, namespace = "dr"): Promise<Record<string, string>> {
  const catalog = (await (
    await fetch(`${target.url}/v2/_catalog`, { headers: { authorization: `Basic ${Buffer.from(creds).toString("base64")}` } })
  ).json()) as { repositories: string[] };
  const held: Record<string, string> = {};
  for (const repository of catalog.repositories.filter((name) => name.startsWith(`${namespace}/`)).sort()) {
    for (const tag of (await listTags(`docker://${target.host}/${repository}`, creds)).sort()) {
      held[`${repository}:${tag}`] = await manifestDigest(`docker://${target.host}/${repository}:${tag}`, creds);
    }
  }
  return held;
}

test("the same repositories land in the same places through Harbor's replication and the direct copy", async () => {
  const endpoint = resource("dr-via-harbor-harbor-endpoint");
  const created = await endpoint.create(endpoint.inputs());
  const rule = resource("dr-via-harbor-replication-rule");
  const policy = await rule.create(rule.inputs({ remoteRegistryId: Number(created.id) }));
  const run = resource("dr-via-harbor-replication-run");
  const replicated = await run.create(run.inputs({ policyId: Number(policy.id) }));
  assert.equal(replicated.outputs.status, "Succeed");

  const sync = resource("dr-direct-sync");
  const copied = await sync.create(sync.inputs());
  assert.deepEqual((copied.outputs.summary as { counts: unknown }).counts, { synced: 3, skipped: 0, failed: 0 });

  const expected = {
    "dr/app/api:3.1": pushed["team/app/api:3.1"].digest,
    "dr/nginx:1.0": pushed["library/nginx:1.0"].digest,
    "dr/nginx:1.1": pushed["library/nginx:1.1"].digest,
  };
  assert.deepEqual(await holdings(viaHarbor), expected, "Harbor's rule: named repositories only, -rc excluded, flattened one level under dr");
  assert.deepEqual(await holdings(direct), expected, "the direct copy: the same");
  assert.deepEqual(harbor.violations(), []);
  assert.deepEqual(findSecretLeaks(SECRETS, { providerText: captured.map((entry) => entry.providerText).join("\n"), hostOutput: host.output() }), []);
});

test("a whole project (library/**) lands in the same places through both paths too", async () => {
  const endpoint = resource("whole-via-harbor-harbor-endpoint");
  const created = await endpoint.create(endpoint.inputs());
  const rule = resource("whole-via-harbor-replication-rule");
  const policy = await rule.create(rule.inputs({ remoteRegistryId: Number(created.id) }));
  const run = resource("whole-via-harbor-replication-run");
  assert.equal((await run.create(run.inputs({ policyId: Number(policy.id) }))).outputs.status, "Succeed");

  const sync = resource("whole-direct-sync");
  assert.deepEqual(
    Object.keys(sync.captured.inputs.images as object),
    [`${new URL(harbor.url).host}/library/**:/^(?![^/]*-rc$).*$/`],
    "the direct copy asks the sync for the whole project",
  );
  const copied = await sync.create(sync.inputs());
  assert.deepEqual((copied.outputs.summary as { counts: unknown }).counts, { synced: 3, skipped: 0, failed: 0 });

  const expected = {
    "whole/nginx:1.0": pushed["library/nginx:1.0"].digest,
    "whole/nginx:1.1": pushed["library/nginx:1.1"].digest,
    "whole/redis:7.0": pushed["library/redis:7.0"].digest,
  };
  assert.deepEqual(await holdings(viaHarbor, "whole"), expected, "Harbor's rule: every library repository, -rc excluded, flattened one level under whole");
  assert.deepEqual(await holdings(direct, "whole"), expected, "the direct copy: the same");
  assert.deepEqual(harbor.violations(), []);
});
