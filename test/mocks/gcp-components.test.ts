import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { ArtifactRegistryTarget, ArtifactRegistryTargetArgs, CloudDnsFailover, CloudDnsFailoverArgs } from "../../components";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/** The Google components' resource graphs under mocks: ArtifactRegistryTarget and CloudDnsFailover. */

const KEY_JSON = JSON.stringify({
  type: "service_account",
  client_email: "dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nMIIE\n-----END PRIVATE KEY-----\n",
  token_uri: "https://oauth2.googleapis.com/token",
});

interface Recorded {
  resources: pulumi.runtime.MockResourceArgs[];
  /** Resource options each child was registered with, by name (seen through a transformation). */
  options: Map<string, pulumi.ResourceOptions>;
}

async function mock(): Promise<Recorded> {
  const recorded: Recorded = { resources: [], options: new Map() };
  await (pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> }).waitForRPCs?.();
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        recorded.resources.push(args);
        const outputs: Record<string, Record<string, unknown>> = {
          "gcp:artifactregistry/repository:Repository": { project: args.inputs.project ?? "dr-project", name: args.inputs.repositoryId },
          "gcp:serviceaccount/account:Account": {
            email: `${args.inputs.accountId}@dr-project.iam.gserviceaccount.com`,
            member: `serviceAccount:${args.inputs.accountId}@dr-project.iam.gserviceaccount.com`,
            name: `projects/dr-project/serviceAccounts/${args.inputs.accountId}@dr-project.iam.gserviceaccount.com`,
          },
          "gcp:serviceaccount/key:Key": { privateKey: Buffer.from(KEY_JSON).toString("base64") },
          "gcp:dns/managedZone:ManagedZone": { name: args.inputs.name ?? `${args.name}-1234567` },
        };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(outputs[args.type] ?? {}) } };
      },
      call: (args) => args.inputs,
    },
    "gcp-components-test",
    "dev",
    false,
  );
  return recorded;
}

function watchOptions(recorded: Recorded): pulumi.ComponentResourceOptions {
  return {
    transformations: [
      (args) => {
        recorded.options.set(args.name, args.opts);
        return undefined;
      },
    ],
  };
}

const byType = (recorded: Recorded, type: string) => recorded.resources.filter((resource) => resource.type === type);
const COMPONENT = "registry-dr:gcp:ArtifactRegistryTarget";
const BASE: ArtifactRegistryTargetArgs = { repositoryId: "dr-images", location: "europe-west4", project: "dr-project" };

async function settled(target: ArtifactRegistryTarget): Promise<void> {
  await Promise.all([target.repository, target.serviceAccount, target.writer, ...(target.key ? [target.key] : [])].map((child) => valueOf(child.urn)));
  await valueOf(target.syncAuth);
}

test("ArtifactRegistryTarget: a Docker repository kept on delete, a service account, the writer role bound on the repository (not the project), a key", async () => {
  const recorded = await mock();
  const target = new ArtifactRegistryTarget("dr", { ...BASE, immutableTags: true }, watchOptions(recorded));
  await settled(target);
  assert.deepEqual(recorded.resources.map((resource) => [resource.type, resource.name]).sort(), [
    ["gcp:artifactregistry/repository:Repository", "dr-repository"],
    ["gcp:artifactregistry/repositoryIamMember:RepositoryIamMember", "dr-writer"],
    ["gcp:serviceaccount/account:Account", "dr-sync-account"],
    ["gcp:serviceaccount/key:Key", "dr-key"],
    [COMPONENT, "dr"],
  ]);
  const [repository] = byType(recorded, "gcp:artifactregistry/repository:Repository");
  assert.deepEqual(
    [repository.inputs.repositoryId, repository.inputs.location, repository.inputs.format, repository.inputs.dockerConfig],
    ["dr-images", "europe-west4", "DOCKER", { immutableTags: true }],
  );
  assert.equal(recorded.options.get("dr-repository")?.retainOnDelete, true, "DR copies are never deleted implicitly");
  assert.equal(byType(recorded, "gcp:serviceaccount/account:Account")[0].inputs.accountId, "dr-images-dr-sync");

  const [writer] = byType(recorded, "gcp:artifactregistry/repositoryIamMember:RepositoryIamMember");
  assert.deepEqual(writer.inputs, {
    project: "dr-project",
    location: "europe-west4",
    repository: "dr-images",
    role: "roles/artifactregistry.writer",
    member: "serviceAccount:dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
  });
  assert.ok(!recorded.resources.some((resource) => /projectIam|storage/i.test(resource.type)), "no project-wide grant (the guide's Storage Admin)");

  for (const child of [target.repository, target.serviceAccount, target.writer, target.key!])
    assert.ok((await valueOf(child.urn)).includes(`::${COMPONENT}$gcp:`), "a child of the component");

  assert.equal(await valueOf(target.registryHost), "europe-west4-docker.pkg.dev");
  assert.equal(await valueOf(target.repositoryPath), "dr-project/dr-images");
  assert.equal(await valueOf(target.harborDestNamespace), "dr-project/dr-images");
  assert.equal(await valueOf(target.serviceAccountKey), KEY_JSON, "the key's base64 decoded to its JSON");
  assert.deepEqual(await valueOf(target.syncAuth), { "europe-west4-docker.pkg.dev/dr-project/dr-images": { google: { serviceAccountKey: KEY_JSON } } });
  assert.deepEqual(await valueOf(target.harborEndpoint), {
    type: "google-gcr",
    url: "https://europe-west4-docker.pkg.dev",
    accessKey: "_json_key",
    accessSecret: KEY_JSON,
  });
  for (const secret of [target.serviceAccountKey, target.syncAuth, target.harborEndpoint] as pulumi.Output<unknown>[])
    assert.equal(await pulumi.isSecret(secret), true);
  assert.equal(await pulumi.isSecret(target.registryHost), false);
});

test("ArtifactRegistryTarget: the key is created only after the binding; retainOnDelete false and no key are honoured", async () => {
  const recorded = await mock();
  const target = new ArtifactRegistryTarget(
    "plain",
    { ...BASE, retainOnDelete: false, createKey: false, serviceAccountId: "images-pusher" },
    watchOptions(recorded),
  );
  await settled(target);
  assert.equal(target.key, undefined);
  assert.equal(recorded.options.get("plain-repository")?.retainOnDelete, false);
  assert.equal(byType(recorded, "gcp:serviceaccount/account:Account")[0].inputs.accountId, "images-pusher");
  assert.equal(await valueOf(target.syncAuth), undefined);
  assert.equal(await valueOf(target.harborEndpoint), undefined);

  const keyed = await mock();
  const withKey = new ArtifactRegistryTarget("keyed", BASE, watchOptions(keyed));
  await settled(withKey);
  const dependsOn = keyed.options.get("keyed-key")?.dependsOn;
  assert.ok(Array.isArray(dependsOn) && dependsOn.includes(withKey.writer), "the key waits for the writer binding");
});

test("ArtifactRegistryTarget: a gcr.io repository keeps gcr.io/<project>/... names", async () => {
  const recorded = await mock();
  const target = new ArtifactRegistryTarget("gcr", { gcrHost: "eu.gcr.io", project: "dr-project" });
  await settled(target);
  const [repository] = byType(recorded, "gcp:artifactregistry/repository:Repository");
  assert.deepEqual([repository.inputs.repositoryId, repository.inputs.location], ["eu.gcr.io", "europe"]);
  assert.equal(byType(recorded, "gcp:serviceaccount/account:Account")[0].inputs.accountId, "eu-gcr-io-dr-sync");
  assert.equal(await valueOf(target.registryHost), "eu.gcr.io");
  assert.equal(await valueOf(target.repositoryPath), "dr-project");
  assert.deepEqual(Object.keys((await valueOf(target.syncAuth))!), ["eu.gcr.io/dr-project"]);
  assert.equal((await valueOf(target.harborEndpoint))?.url, "https://eu.gcr.io");
});

test("ArtifactRegistryTarget: bad arguments name the property and what is expected", async () => {
  await mock();
  assert.throws(
    () => new ArtifactRegistryTarget("bad", { ...BASE, repositoryId: "DR_images" }),
    /ArtifactRegistryTarget bad: repositoryId: expected an Artifact Registry repository id/,
  );
  assert.throws(() => new ArtifactRegistryTarget("bad", { ...BASE, location: "Europe West" }), /location: expected an Artifact Registry location/);
  assert.throws(
    () => new ArtifactRegistryTarget("bad", { ...BASE, repositoryId: "a-very-long-repository-name" }),
    /serviceAccountId: expected a service account id of 6-30 characters: the default "a-very-long-repository-name-dr-sync" does not fit/,
  );
  assert.throws(() => new ArtifactRegistryTarget("bad", { ...BASE, serviceAccountId: "sync" }), /serviceAccountId: expected a service account id: 6-30/);
  assert.throws(() => new ArtifactRegistryTarget("bad", { ...BASE, gcrHost: "gcr.io" }), /gcrHost: expected gcrHost alone/);
  assert.throws(
    () => new ArtifactRegistryTarget("bad", { gcrHost: "docker.io" as never }),
    /gcrHost: expected one of gcr\.io, us\.gcr\.io, eu\.gcr\.io, asia\.gcr\.io/,
  );
});

const SITES: CloudDnsFailoverArgs["sites"] = {
  primary: { value: "harbor.dc.example.com", registry: "harbor.dc.example.com" },
  // A standby that can serve the name (a registry on Compute Engine behind a load balancer): Artifact Registry cannot.
  secondary: { value: "registry-lb.gcp.example.com", registry: "registry.gcp.example.com" },
};

test("CloudDnsFailover: a private zone on the given networks and a clouddns record in it, children of the component", async () => {
  const recorded = await mock();
  const failover = new CloudDnsFailover("dr", {
    dnsName: "dr.example.com",
    managedZoneName: "dr-zone",
    networks: ["projects/dr-project/global/networks/default"],
    project: "dr-project",
    recordName: "registry",
    sites: SITES,
    activeSite: "primary",
    google: { serviceAccountKey: KEY_JSON },
  });
  await Promise.all([failover.zone.urn, failover.record.urn, failover.recordId].map(valueOf));
  const [zone] = byType(recorded, "gcp:dns/managedZone:ManagedZone");
  assert.deepEqual(
    [zone.inputs.name, zone.inputs.dnsName, zone.inputs.visibility, zone.inputs.privateVisibilityConfig, zone.inputs.project],
    ["dr-zone", "dr.example.com.", "private", { networks: [{ networkUrl: "projects/dr-project/global/networks/default" }] }, "dr-project"],
  );
  const [record] = byType(recorded, "pulumi-nodejs:dynamic/dns:FailoverRecord");
  assert.deepEqual(
    [record.inputs.backend, record.inputs.zone, record.inputs.name, record.inputs.type, record.inputs.ttl, record.inputs.active],
    ["clouddns", "dr-zone", "registry", "CNAME", 60, "primary"],
  );
  assert.ok(isRegisteredSecret(record.inputs.google), "the record's Google credentials are a secret input");
  const { google: _google, ...others } = record.inputs;
  assert.equal(JSON.stringify(others).includes("BEGIN PRIVATE KEY"), false, "the key is nowhere else");
  for (const child of [failover.zone, failover.record])
    assert.ok((await valueOf(child.urn)).includes("::registry-dr:gcp:CloudDnsFailover$"), "a child of the component");
});

test("CloudDnsFailover: without networks the zone is public; bad arguments fail early", async () => {
  const recorded = await mock();
  const failover = new CloudDnsFailover("pub", { dnsName: "dr.example.com.", recordName: "registry", sites: SITES, activeSite: "secondary" });
  await valueOf(failover.zone.urn);
  const [zone] = byType(recorded, "gcp:dns/managedZone:ManagedZone");
  assert.deepEqual([zone.inputs.visibility, zone.inputs.privateVisibilityConfig, zone.inputs.dnsName], ["public", undefined, "dr.example.com."]);
  const args = { dnsName: "dr.example.com", recordName: "registry", sites: SITES, activeSite: "primary" } as CloudDnsFailoverArgs;
  assert.throws(
    () => new CloudDnsFailover("bad", { ...args, recordName: "@" }),
    /CloudDnsFailover bad: recordName: expected a name below the zone's apex: Cloud DNS refuses a CNAME at the apex/,
  );
  assert.throws(() => new CloudDnsFailover("bad", { ...args, networks: [] }), /networks: expected a non-empty list/);
  assert.throws(() => new CloudDnsFailover("bad", { ...args, managedZoneName: "Dr.Zone" }), /managedZoneName: expected a managed zone name/);
  assert.throws(() => new CloudDnsFailover("bad", { ...args, activeSite: "tertiary" as never }), /activeSite: expected "primary" or "secondary"/);
  assert.throws(
    () => new CloudDnsFailover("bad", { ...args, sites: { ...SITES, secondary: { value: "10.0.0.1", registry: "x" } } }),
    /sites\.secondary\.value: expected the host name the CNAME points at/,
  );
  assert.throws(() => new CloudDnsFailover("bad", { ...args, google: { projekt: "x" } as never }), /google: /);
});
