import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { isRegisteredSecret, valueOf } from "../support/pulumi-mocks";

/** The harbor-to-artifact-registry example under mocks: Google's Harbor-to-GCR guide with Artifact Registry as the target. */

const KEY_JSON = JSON.stringify({
  type: "service_account",
  client_email: "dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
  private_key: "-----BEGIN PRIVATE KEY-----\nkey-body\n-----END PRIVATE KEY-----\n",
  token_uri: "https://oauth2.googleapis.com/token",
});

test("the example wires repository + account + writer binding on the repository + key -> google-gcr endpoint (_json_key) -> push rule -> initial run", async () => {
  const project = "harbor-to-artifact-registry";
  pulumi.runtime.setAllConfig(
    {
      "registry-dr:harborUrl": "https://harbor.example.com",
      "registry-dr:harborUsername": "admin",
      "registry-dr:harborPassword": "harbor-pw",
      "gcp:project": "dr-project",
      [`${project}:harborProject`]: "library",
      [`${project}:location`]: "europe-west4",
      [`${project}:repositoryId`]: "dr-images",
    },
    ["registry-dr:harborPassword"],
  );
  const registered: pulumi.runtime.MockResourceArgs[] = [];
  await pulumi.runtime.setMocks(
    {
      newResource: (args) => {
        registered.push(args);
        const outputs: Record<string, Record<string, unknown>> = {
          "gcp:artifactregistry/repository:Repository": { project: "dr-project", name: args.inputs.repositoryId },
          "gcp:serviceaccount/account:Account": {
            email: "dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
            member: "serviceAccount:dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
            name: "projects/dr-project/serviceAccounts/dr-images-dr-sync@dr-project.iam.gserviceaccount.com",
          },
          "gcp:serviceaccount/key:Key": { privateKey: Buffer.from(KEY_JSON).toString("base64") },
        };
        const dynamic = {
          registryId: 7,
          policyId: 3,
          executionId: 11,
          status: "Succeed",
          total: 2,
          failed: 0,
          flattenExample: { source: "library/team/app", destination: "dr-project/dr-images/app" },
        };
        return { id: `${args.name}-id`, state: { ...args.inputs, ...(outputs[args.type] ?? (args.type.startsWith("pulumi-nodejs:") ? dynamic : {})) } };
      },
      call: (args) => args.inputs,
    },
    project,
    "dev",
    false,
  );
  const program = await import("../../examples/harbor-to-artifact-registry");
  assert.equal(await valueOf(program.policyId as pulumi.Output<number>), 3);
  await valueOf(program.replication.status);
  assert.equal(await valueOf(program.registryHost), "europe-west4-docker.pkg.dev");
  const byType = Object.fromEntries(registered.map((resource) => [resource.type.split(":").pop(), resource.inputs]));
  assert.deepEqual(Object.keys(byType).sort(), [
    "Account",
    "ArtifactRegistryTarget",
    "HarborRegistry",
    "HarborReplicationPolicy",
    "HarborReplicationRun",
    "Key",
    "Repository",
    "RepositoryIamMember",
  ]);
  assert.deepEqual([byType.RepositoryIamMember.repository, byType.RepositoryIamMember.role], ["dr-images", "roles/artifactregistry.writer"]);
  const endpoint = byType.HarborRegistry;
  assert.deepEqual([endpoint.type, endpoint.url, endpoint.accessKey], ["google-gcr", "https://europe-west4-docker.pkg.dev", "_json_key"]);
  assert.ok(isRegisteredSecret(endpoint.accessSecret), "the JSON key is a secret");
  assert.ok(
    JSON.stringify(endpoint.accessSecret).includes(JSON.stringify(KEY_JSON).slice(1, 40)),
    "the key's JSON text, decoded from serviceaccount.Key's base64",
  );
  const rule = byType.HarborReplicationPolicy;
  assert.deepEqual(
    [
      rule.direction,
      rule.remoteRegistryId,
      rule.destNamespace,
      rule.googleProject,
      rule.flatten,
      rule.trigger,
      rule.filters,
      rule.replicateDeletion,
      rule.override,
    ],
    ["push", 7, "dr-project/dr-images", "dr-project", -1, { type: "event_based" }, { name: "library/**", resource: "image" }, true, true],
  );
  assert.equal(byType.HarborReplicationRun.policyId, 3);
  for (const inputs of registered.map((resource) => resource.inputs))
    assert.ok(!String(inputs.__provider ?? "").includes("key-body") && !String(inputs.__provider ?? "").includes("harbor-pw"));
});
