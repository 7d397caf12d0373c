import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { RegistryDisasterRecovery, RegistryDisasterRecoveryArgs } from "../../components";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/**
 * RegistryDisasterRecovery's resource graph under mocks, one plan per guide: what `pulumi
 * preview` would show (resources, key inputs, dependencies, secrets marked).
 */

const KEY_JSON = JSON.stringify({
  type: "service_account",
  client_email: "dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
  token_uri: "https://oauth2.googleapis.com/token",
});
const HARBOR = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
const TYPES = {
  harborRegistry: "pulumi-nodejs:dynamic/harbor:HarborRegistry",
  policy: "pulumi-nodejs:dynamic/harbor:HarborReplicationPolicy",
  run: "pulumi-nodejs:dynamic/harbor:HarborReplicationRun",
  imageSync: "pulumi-nodejs:dynamic/registry-dr:ImageSync",
  record: "pulumi-nodejs:dynamic/dns:FailoverRecord",
};

interface Recorded {
  resources: pulumi.runtime.MockResourceArgs[];
  options: Map<string, pulumi.ResourceOptions>;
}

async function build(args: RegistryDisasterRecoveryArgs): Promise<{ recorded: Recorded; dr: RegistryDisasterRecovery }> {
  const recorded: Recorded = { resources: [], options: new Map() };
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  await pulumi.runtime.setMocks(
    {
      newResource: (resource) => {
        recorded.resources.push(resource);
        const outputs: Record<string, Record<string, unknown>> = {
          "alicloud:ram/accessKey:AccessKey": { secret: "ak-secret-value" },
          "gcp:artifactregistry/repository:Repository": { project: resource.inputs.project ?? "dr-project", name: resource.inputs.repositoryId },
          "gcp:serviceaccount/account:Account": {
            email: "sa@dr-project.iam.gserviceaccount.com",
            member: "serviceAccount:sa@dr-project.iam.gserviceaccount.com",
            name: "projects/dr-project/serviceAccounts/sa",
          },
          "gcp:serviceaccount/key:Key": { privateKey: Buffer.from(KEY_JSON).toString("base64") },
          [TYPES.harborRegistry]: { registryId: 7 },
          [TYPES.policy]: { policyId: 11 },
          [TYPES.run]: { succeed: 3, failed: 1, finishedAt: "2026-12-01T10:00:00Z" },
          [TYPES.imageSync]: {
            summary: {
              schemaVersion: 1,
              syncedAt: "2026-12-01T11:00:00Z",
              counts: { synced: 2, skipped: 0, failed: 0 },
              images: [{ status: "synced" }, { status: "skipped" }, { status: "failed", missingSince: "2026-11-30T08:00:00Z" }],
            },
          },
          [TYPES.record]: { active: resource.inputs.active },
        };
        // A replication rule's id is its Harbor policy id, as the provider answers.
        const id = resource.type === TYPES.policy ? "11" : `${resource.name}-id`;
        return { id, state: { ...resource.inputs, ...(outputs[resource.type] ?? {}) } };
      },
      call: (call) => call.inputs,
    },
    "dr-plan-test",
    "dev",
    false,
  );
  const dr = new RegistryDisasterRecovery("dr", args, {
    transformations: [
      (resource) => {
        recorded.options.set(resource.name, resource.opts);
        return undefined;
      },
    ],
  });
  await Promise.all([valueOf(dr.endpoints), valueOf(dr.readiness), valueOf(dr.activeSite)]);
  return { recorded, dr };
}

const named = (recorded: Recorded, name: string) => {
  const found = recorded.resources.find((resource) => resource.name === name);
  assert.ok(found, `${name} registered; got ${recorded.resources.map((resource) => resource.name).join(", ")}`);
  return found;
};
const plain = (value: unknown) => JSON.parse(JSON.stringify(value, (_key, inner) => (inner?.["4dabf18193072939515e22adb298388d"] ? inner.value : inner)));
const dependsOnNames = (recorded: Recorded, name: string) => {
  const dependsOn = recorded.options.get(name)?.dependsOn;
  return (Array.isArray(dependsOn) ? dependsOn : dependsOn ? [dependsOn] : []).map((resource) => (resource as unknown as { __name: string }).__name);
};

const ACR_SITE = { instanceId: "cri-kmsiwlxxdcvaduwb", region: "cn-hangzhou", instanceName: "myacr", namespace: "dr" };
const ACR_HOST = "myacr-registry.cn-hangzhou.cr.aliyuncs.com";
/** A failover standby keeps the primary's paths: namespace "library" with flatten 1 puts library/nginx at library/nginx. */
const ACR_STANDBY = { ...ACR_SITE, namespace: "library" };

test("Harbor -> ACR EE + PrivateZone: endpoint, rule with the chosen filters, first run, and the record with readiness from the copied repositories", async () => {
  const { recorded, dr } = await build({
    primary: { harbor: HARBOR },
    protect: { repositories: ["library/nginx", "library/redis", "library/*"], tags: "*-rc", tagDecoration: "excludes" },
    sites: { hangzhou: { acrEnterprise: ACR_STANDBY, replication: { harbor: { flatten: 1 } } } },
    failover: {
      record: { backend: "privatezone", zone: "zone-1234", name: "@", type: "CNAME", ttl: 60 },
      values: { primary: "harbor-lb.example.com", hangzhou: ACR_HOST },
      active: "hangzhou",
    },
  });
  const types = recorded.resources.map((resource) => resource.type);
  for (const type of [
    TYPES.harborRegistry,
    TYPES.policy,
    TYPES.run,
    TYPES.record,
    "alicloud:cs/registryEnterpriseNamespace:RegistryEnterpriseNamespace",
    "alicloud:ram/accessKey:AccessKey",
  ])
    assert.ok(types.includes(type), type);
  assert.ok(!types.includes(TYPES.imageSync), "the harbor path copies with Harbor, not ImageSync");

  const endpoint = named(recorded, "dr-hangzhou-harbor-endpoint").inputs;
  assert.equal(endpoint.type, "ali-acr");
  assert.equal(plain(endpoint.url), `https://${ACR_HOST}`);
  assert.ok(isRegisteredSecret(endpoint.accessSecret), "the RAM secret is registered as a secret");
  assert.ok(isRegisteredSecret(endpoint.harbor), "Harbor's password is registered as a secret");

  const policy = named(recorded, "dr-hangzhou-replication-rule").inputs;
  assert.deepEqual(policy.filters, { name: "{library/nginx,library/redis,library/*}", tag: "*-rc", tagDecoration: "excludes" });
  assert.equal(policy.destNamespace, "library");
  assert.equal(policy.flatten, 1);
  assert.equal(policy.remoteRegistryId, 7, "the rule points at the endpoint created for the site");
  assert.deepEqual(policy.trigger, { type: "event_based" });
  assert.equal(named(recorded, "dr-hangzhou-replication-run").inputs.policyId, 11);

  const record = named(recorded, "dr-record").inputs;
  assert.equal(record.backend, "privatezone");
  assert.equal(record.active, "secondary");
  assert.deepEqual(plain(record.sites), {
    primary: { value: "harbor-lb.example.com", registry: HARBOR.url, insecure: false },
    secondary: { value: ACR_HOST, registry: ACR_HOST, insecure: false },
  });
  assert.ok(isRegisteredSecret(record.readiness));
  const readiness = plain(record.readiness);
  assert.deepEqual(
    readiness.images,
    {
      "harbor.example.com/library/nginx:/^(?![^/]*-rc$).*$/": `${ACR_HOST}/library/nginx`,
      "harbor.example.com/library/redis:/^(?![^/]*-rc$).*$/": `${ACR_HOST}/library/redis`,
      "harbor.example.com/library/*:/^(?![^/]*-rc$).*$/": `${ACR_HOST}/library`,
    },
    "the preflight checks the named repositories where the rule puts them: the primary's own paths",
  );
  assert.deepEqual(Object.keys(readiness.auth).sort(), ["harbor.example.com", ACR_HOST]);
  assert.deepEqual(dependsOnNames(recorded, "dr-record"), ["dr-hangzhou-replication-run"], "the record flips only after the first copy");

  assert.equal(await valueOf(dr.activeSite), "hangzhou");
  assert.deepEqual(await valueOf(dr.endpoints), { hangzhou: { registry: ACR_HOST, namespace: "library" } });
  assert.deepEqual(await valueOf(dr.readiness), {
    hangzhou: { path: "harbor", present: 3, missing: 1, differs: 0, copiedAt: "2026-12-01T10:00:00Z", oldestMissingSince: "2026-12-01T10:00:00Z" },
  });
});

test("Harbor -> Artifact Registry + Cloud DNS: google-gcr endpoint, the rule kept inside the project, the record on Cloud DNS to a path-preserving standby", async () => {
  const { recorded, dr } = await build({
    primary: { harbor: HARBOR },
    protect: { repositories: ["library/**"] },
    sites: {
      europe: { artifactRegistry: { repositoryId: "dr-images", location: "europe-west4", project: "dr-project" }, replication: { harbor: {} } },
      // Artifact Registry cannot serve the failover name: the record fails over to a registry that can, holding the same paths.
      gce: { registry: { url: "https://registry.gcp.example.com", namespace: "library" }, replication: { harbor: {} } },
    },
    failover: {
      standby: "gce",
      record: { backend: "clouddns", zone: "dr-zone", name: "harbor", type: "CNAME" },
      values: { primary: "harbor-lb.example.com", gce: "registry-lb.gcp.example.com" },
      active: "primary",
    },
  });
  const endpoint = plain(named(recorded, "dr-europe-harbor-endpoint").inputs);
  assert.equal(endpoint.type, "google-gcr");
  assert.equal(endpoint.accessKey, "_json_key");
  assert.ok(isRegisteredSecret(named(recorded, "dr-europe-harbor-endpoint").inputs.accessSecret));
  const policy = named(recorded, "dr-europe-replication-rule").inputs;
  assert.equal(policy.destNamespace, "dr-project/dr-images");
  assert.equal(policy.googleProject, "dr-project");
  assert.deepEqual(policy.filters, { name: "library/**" });
  const record = named(recorded, "dr-record").inputs;
  assert.equal(record.backend, "clouddns");
  assert.equal(record.active, "primary");
  assert.deepEqual(
    plain(record.readiness).images,
    { "harbor.example.com/library/**": "registry.gcp.example.com/library" },
    "the preflight checks the whole project, as the sync lists it, at the primary's paths",
  );
  assert.equal(await valueOf(dr.activeSite), "primary");
  assert.deepEqual(await valueOf(dr.endpoints), {
    europe: { registry: "europe-west4-docker.pkg.dev", namespace: "dr-project/dr-images" },
    gce: { registry: "registry.gcp.example.com", namespace: "library" },
  });
});

test("image-syncer direct copy to ACR EE: one ImageSync per site, entries where a Harbor rule would put them, the site's RAM key as auth", async () => {
  const { recorded, dr } = await build({
    primary: { registry: "registry.internal:5000", auth: { username: "reader", password: "reader-secret" } },
    protect: { repositories: ["team/app/api", "team/app/web"], tags: "v*" },
    sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { direct: { flatten: 2, proc: 8 } } } },
  });
  const types = recorded.resources.map((resource) => resource.type);
  assert.ok(!types.includes(TYPES.policy) && !types.includes(TYPES.record));
  const sync = named(recorded, "dr-hangzhou-sync");
  assert.equal(sync.type, TYPES.imageSync);
  assert.deepEqual(sync.inputs.images, {
    "registry.internal:5000/team/app/api:/^v[^/]*$/": `${ACR_HOST}/dr/api`,
    "registry.internal:5000/team/app/web:/^v[^/]*$/": `${ACR_HOST}/dr/web`,
  });
  assert.equal(sync.inputs.proc, 8);
  assert.ok(isRegisteredSecret(sync.inputs.auth));
  const auth = plain(sync.inputs.auth);
  assert.deepEqual(auth["registry.internal:5000"], { username: "reader", password: "reader-secret" });
  assert.deepEqual(auth[ACR_HOST], {
    alicloud: { instanceId: ACR_SITE.instanceId, region: "cn-hangzhou", accessKeyId: "dr-hangzhou-access-key-id", accessKeySecret: "ak-secret-value" },
  });
  assert.deepEqual(dependsOnNames(recorded, "dr-hangzhou-sync"), ["dr-hangzhou"], "the copy waits for the site's namespace, user and key");
  assert.deepEqual(await valueOf(dr.readiness), {
    hangzhou: { path: "direct", present: 2, missing: 1, differs: 0, copiedAt: "2026-12-01T11:00:00Z", oldestMissingSince: "2026-11-30T08:00:00Z" },
  });
});

test("data-center DNS: a direct copy to a plain registry and an RFC 2136 record whose readiness is exactly the copy", async () => {
  const { recorded } = await build({
    primary: { registry: "https://harbor.dc1.example.com", auth: { username: "reader", password: "reader-secret" } },
    protect: { repositories: ["library/nginx"] },
    sites: {
      dc2: {
        registry: { url: "https://registry.dc2.example.com", namespace: "library", username: "pusher", password: "pusher-secret" },
        replication: { direct: {} },
      },
    },
    failover: {
      record: {
        backend: "rfc2136",
        zone: "dr.example.com",
        name: "registry",
        type: "A",
        rfc2136: { server: "10.0.0.53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } },
      },
      values: { primary: "10.1.0.10", dc2: "10.2.0.10" },
      active: "dc2",
    },
  });
  const sync = named(recorded, "dr-dc2-sync").inputs;
  const record = named(recorded, "dr-record").inputs;
  assert.deepEqual(sync.images, { "harbor.dc1.example.com/library/nginx": "registry.dc2.example.com/library/nginx" });
  assert.deepEqual(plain(record.readiness).images, sync.images, "the preflight checks exactly what the copy writes");
  assert.deepEqual(plain(record.readiness).auth["registry.dc2.example.com"], { username: "pusher", password: "pusher-secret" });
  assert.ok(isRegisteredSecret(record.rfc2136), "the TSIG secret is registered as a secret");
  assert.equal(plain(record.sites).secondary.registry, "https://registry.dc2.example.com");
  assert.deepEqual(dependsOnNames(recorded, "dr-record"), ["dr-dc2-sync"]);
});

test("bad plans fail before anything is registered, naming the property", () => {
  const base: RegistryDisasterRecoveryArgs = {
    primary: { harbor: HARBOR },
    protect: { repositories: ["library/nginx"] },
    sites: { hangzhou: { acrEnterprise: ACR_STANDBY, replication: { harbor: {} } } },
  };
  const fails = (change: Partial<RegistryDisasterRecoveryArgs>, message: RegExp) =>
    assert.throws(() => new RegistryDisasterRecovery("dr", { ...base, ...change }), message);
  fails({ protect: { repositories: ["Library/Nginx"] } }, /RegistryDisasterRecovery dr: protect\.repositories\.0: expected lower-case path components/);
  fails({ protect: { repositories: ["nginx"] } }, /protect\.repositories\.0: expected project\/repository, such as library\/nginx/);
  fails(
    { protect: { repositories: ["library/ng*"] }, sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { direct: {} } } } },
    /sites\.hangzhou\.replication\.direct: library\/ng\*: a direct copy takes a repository name, or a whole project as prefix\/\*\* or prefix\/\* .*; this one needs the Harbor path/,
  );
  fails(
    { protect: { repositories: ["library/nginx", "library/**"] }, sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { harbor: { flatten: 2 } } } } },
    /sites\.hangzhou\.replication\.harbor\.flatten: expected a level below the path length of every named repository: flattening 2 level\(s\) of "library\/nginx" would leave no name/,
  );
  fails({ primary: { registry: "registry.internal" } }, /sites\.hangzhou\.replication\.harbor: expected primary\.harbor/);
  // The type refuses two kinds of site at once; a JavaScript caller is refused when the component is built.
  fails(
    // @ts-expect-error acrEnterprise and registry together
    { sites: { hangzhou: { acrEnterprise: ACR_SITE, registry: { url: "https://r.example.com", namespace: "dr" }, replication: { harbor: {} } } } },
    /sites\.hangzhou: expected exactly one of acrEnterprise, artifactRegistry or registry; got both acrEnterprise and registry/,
  );
  fails(
    { sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { harbor: { flatten: 4 } } } } },
    /sites\.hangzhou\.replication\.harbor\.flatten: expected a flattening level/,
  );
  fails(
    {
      failover: {
        record: { backend: "privatezone", zone: "z", name: "@", type: "CNAME" },
        values: { primary: "harbor.example.com", hangzhou: ACR_HOST },
        active: "beijing",
      },
    },
    /failover\.active: expected "primary" or "hangzhou"/,
  );
  fails(
    { failover: { record: { backend: "privatezone", zone: "z", name: "@", type: "CNAME" }, values: { primary: "harbor.example.com" }, active: "primary" } },
    /failover\.values\.hangzhou: expected the record's value while hangzhou serves/,
  );
  fails(
    { sites: { hangzhou: { acrEnterprise: { ...ACR_SITE, region: "hangzhou" }, replication: { harbor: {} } } } },
    /AcrEnterpriseTarget dr-hangzhou: region: expected a region id/,
  );
});

test("a choice made twice is refused before anything is registered, naming both", () => {
  const base: RegistryDisasterRecoveryArgs = {
    primary: { harbor: HARBOR },
    protect: { repositories: ["library/nginx"] },
    sites: { hangzhou: { acrEnterprise: ACR_STANDBY, replication: { harbor: {} } } },
  };
  const fails = (change: Partial<RegistryDisasterRecoveryArgs>, message: RegExp) =>
    assert.throws(() => new RegistryDisasterRecovery("dr", { ...base, ...change }), message);
  // The types refuse each of these; a JavaScript caller is refused when the component is built.
  fails(
    // @ts-expect-error a Harbor and a registry as the primary
    { primary: { harbor: HARBOR, registry: "registry.internal" } },
    /RegistryDisasterRecovery dr: primary: expected exactly one of harbor or registry; got both harbor and registry/,
  );
  fails(
    // @ts-expect-error both replication paths
    { sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { harbor: {}, direct: {} } } } },
    /sites\.hangzhou\.replication: expected exactly one of harbor or direct; got both harbor and direct/,
  );
  const record = {
    backend: "privatezone",
    zone: "z",
    name: "@",
    type: "CNAME",
    rfc2136: { server: "10.0.0.53", tsig: { name: "k", algorithm: "hmac-sha256", secret: "c2VjcmV0" } },
  } as const;
  fails(
    // @ts-expect-error rfc2136 settings on a PrivateZone record
    { failover: { record, values: { primary: "harbor.example.com", hangzhou: ACR_HOST }, active: "primary" } },
    /failover\.record\.rfc2136: expected no rfc2136 settings with backend "privatezone"/,
  );
});

test("Harbor's replication to a site without the key Harbor logs in with is refused when the component is built, not in the middle of a preview", () => {
  assert.throws(
    () =>
      new RegistryDisasterRecovery("dr", {
        primary: { harbor: HARBOR },
        protect: { repositories: ["library/nginx"] },
        sites: { hangzhou: { acrEnterprise: { ...ACR_SITE, createAccessKey: false }, replication: { harbor: {} } } },
      }),
    /RegistryDisasterRecovery dr: sites\.hangzhou\.replication\.harbor: expected acrEnterprise\.createAccessKey true \(the default\)/,
  );
  assert.throws(
    () =>
      new RegistryDisasterRecovery("dr", {
        primary: { harbor: HARBOR },
        protect: { repositories: ["library/nginx"] },
        sites: { europe: { artifactRegistry: { repositoryId: "dr-images", location: "europe-west4", createKey: false }, replication: { harbor: {} } } },
      }),
    /sites\.europe\.replication\.harbor: expected artifactRegistry\.createKey true/,
  );
});

test("failover.reverse: while the standby serves, its direct copy runs backwards (to the primary) before the record moves; Harbor's replication cannot", async () => {
  const failover: RegistryDisasterRecoveryArgs["failover"] = {
    record: {
      backend: "rfc2136",
      zone: "dr.example.com",
      name: "registry",
      type: "A",
      rfc2136: { server: "10.0.0.53", tsig: { name: "dr-key", algorithm: "hmac-sha256", secret: "c2VjcmV0LXNlY3JldC1zZWNyZXQ=" } },
    },
    values: { primary: "10.1.0.10", dc2: "10.2.0.10" },
    active: "primary",
    reverse: true,
  };
  const site = { registry: { url: "https://registry.dc2.example.com", namespace: "library", username: "pusher", password: "pusher-secret" } };
  const { recorded } = await build({
    primary: { registry: "https://harbor.dc1.example.com", auth: { username: "reader", password: "reader-secret" } },
    protect: { repositories: ["library/nginx"] },
    sites: { dc2: { ...site, replication: { direct: {} } } },
    failover,
  });
  assert.equal(named(recorded, "dr-dc2-sync").inputs.reverse, true);
  assert.deepEqual(dependsOnNames(recorded, "dr-record"), ["dr-dc2-sync"], "the copy back runs before the failback's preflight");
  const { recorded: forward } = await build({
    primary: { registry: "https://harbor.dc1.example.com", auth: { username: "reader", password: "reader-secret" } },
    protect: { repositories: ["library/nginx"] },
    sites: { dc2: { ...site, replication: { direct: {} } } },
    failover: { ...failover, reverse: undefined },
  });
  assert.equal(named(forward, "dr-dc2-sync").inputs.reverse, undefined);
  assert.throws(
    () =>
      new RegistryDisasterRecovery("dr", {
        primary: { harbor: HARBOR },
        protect: { repositories: ["library/nginx"] },
        sites: { dc2: { ...site, replication: { harbor: {} } } },
        failover,
      }),
    /failover\.reverse: expected a direct copy to dc2: Harbor's replication pushes from the primary only/,
  );
});

test("the first run follows the rule: a widened selection, another destination or flattening starts another run; the user's runTriggers still count", async () => {
  const triggersOf = async (protect: RegistryDisasterRecoveryArgs["protect"], replication: { flatten?: number; runTriggers?: Record<string, string> } = {}) => {
    const { recorded } = await build({
      primary: { harbor: HARBOR },
      protect,
      sites: { hangzhou: { acrEnterprise: ACR_SITE, replication: { harbor: { flatten: 1, ...replication } } } },
    });
    return plain(named(recorded, "dr-hangzhou-replication-run").inputs.triggers);
  };
  const before = await triggersOf({ repositories: ["library/nginx"] });
  assert.deepEqual(before, { replicated: { filters: { name: "library/nginx" }, destination: "dr", flatten: 1 }, generation: "1" });
  assert.notDeepEqual(await triggersOf({ repositories: ["library/nginx", "library/redis"] }), before, "a widened selection runs again");
  assert.notDeepEqual(await triggersOf({ repositories: ["library/nginx"] }, { flatten: 0 }), before, "another flattening runs again");
  assert.deepEqual(await triggersOf({ repositories: ["library/nginx"] }), before, "the same rule does not");
  assert.deepEqual((await triggersOf({ repositories: ["library/nginx"] }, { runTriggers: { generation: "2" } })) as Record<string, unknown>, {
    ...(before as Record<string, unknown>),
    generation: "2",
  });
});
