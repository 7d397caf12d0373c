import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HarborRegistry, HarborReplicationPolicy, HarborReplicationRun } from "../../provider/resources/harbor";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver } from "../support/provider-host";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * Alibaba Cloud's Harbor-to-ACR guide as resources, through the real provider host against the Harbor stand-in: an
 * endpoint to a second real registry (Test Connection really logs in there), a push rule
 * with name/tag filters and flattening, and a run that really copies. The destination is
 * then checked with skopeo.
 */

const ADMIN = "Harbor12345-replication";
const PUSHER = { username: "acr_pusher", password: "Pusher-Secret-1" };
const ROTATED = { username: "acr_pusher2", password: "Pusher-Secret-2" };
const SECRETS = [ADMIN, PUSHER.password, ROTATED.password];

let harbor: HarborStandIn;
let target: RegistryServer;
let host: ProviderHost;
let endpoint: ResourceDriver;
let policy: ResourceDriver;
let run: ResourceDriver;
const pushed: Record<string, SmallImage> = {};

before(async () => {
  [harbor, target] = await Promise.all([
    startHarborStandIn({ adminPassword: ADMIN }),
    startRegistry({ auth: { kind: "htpasswd", users: { [PUSHER.username]: PUSHER.password, [ROTATED.username]: ROTATED.password } } }),
  ]);
  for (const [ref, variant] of [
    ["dr-source/nginx:1.0", "a"],
    ["dr-source/nginx:1.1", "b"],
    ["dr-source/nginx:2.0-rc", "c"],
    ["dr-source/team/redis:7.0", "d"],
    ["other/app:1.0", "e"],
  ]) {
    pushed[ref] = await pushSmallImage(harbor.registry, ref, undefined, variant);
  }
  const connection = { url: harbor.url, username: "admin", password: pulumi.secret(ADMIN) };
  const captured = await captureResources(() => [
    new HarborRegistry("acr-ee", {
      name: "acr-ee",
      description: "ACR EE",
      type: "docker-registry",
      url: target.url,
      accessKey: PUSHER.username,
      accessSecret: PUSHER.password,
      harbor: connection,
    }),
    new HarborReplicationPolicy("to-acr", {
      name: "to-acr",
      description: "Harbor-to-ACR guide, step 2",
      direction: "push",
      remoteRegistryId: 1,
      destNamespace: "dr",
      flatten: 1,
      trigger: { type: "event_based" },
      filters: { name: "dr-source/**", tag: "*-rc", tagDecoration: "excludes" },
      replicateDeletion: true,
      speedKbps: -1,
      harbor: connection,
    }),
    new HarborReplicationRun("initial", { policyId: 1, triggers: { release: "1" }, timeoutSeconds: 120, harbor: connection }),
  ]);
  const byName = (name: string) => captured.find((resource) => resource.name === name)!;
  host = await ProviderHost.start();
  // The engine always configures a provider first; this stack has no Harbor config.
  await host.configure({});
  endpoint = host.resource(byName("acr-ee"));
  policy = host.resource(byName("to-acr"));
  run = host.resource(byName("initial"));
});
after(async () => Promise.all([host?.stop(), harbor?.stop(), target?.stop()]));

const api = async (path: string, init: RequestInit = {}) =>
  fetch(`${harbor.url}/api/v2.0/${path}`, {
    ...init,
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}`,
      "content-type": "application/json",
      ...(init.headers as Record<string, string>),
    },
  });

let endpointOuts: Record<string, unknown>;
let registryId: string;
let policyOuts: Record<string, unknown>;
let policyId: string;

test("tokens, secret inputs, and check naming the property", async () => {
  assert.equal(endpoint.captured.type, "pulumi-nodejs:dynamic/harbor:HarborRegistry");
  assert.equal(policy.captured.type, "pulumi-nodejs:dynamic/harbor:HarborReplicationPolicy");
  assert.equal(run.captured.type, "pulumi-nodejs:dynamic/harbor:HarborReplicationRun");
  assert.ok(isSecretValue(endpoint.captured.inputs.accessSecret));
  const failures = async (driver: ResourceDriver, overrides: Record<string, unknown>) =>
    Object.fromEntries((await driver.check(driver.inputs(overrides))).failures.map((f) => [f.property, f.reason]));
  const badEndpoint = await failures(endpoint, { type: "gcr" });
  assert.match(badEndpoint.type, /expected one of Harbor's adapter types: harbor, docker-hub, docker-registry/);
  assert.match((await failures(endpoint, { type: "google-gcr", accessKey: "me" })).accessKey, /"_json_key"/);
  assert.match((await failures(endpoint, { type: "google-gcr", accessKey: "_json_key", accessSecret: "not json" })).accessSecret, /service-account JSON key/);
  assert.match((await failures(endpoint, { type: "aws-ecr", accessKey: "alice" })).accessKey, /AWS access key id/);
  assert.match((await failures(endpoint, { type: "quay", accessKey: undefined, accessSecret: "pw" })).accessSecret, /docker_cli_password/);
  assert.deepEqual(await failures(endpoint, { type: "ali-acr", accessKey: "LTAI5tExampleKey01" }), {});
  const badPolicy = await failures(policy, {
    trigger: { type: "scheduled", cron: "* * * * * *" },
    flatten: 4,
    filters: { name: "x/**", labelDecoration: "excludes", nameDecoration: "excludes" },
  });
  assert.match(badPolicy["trigger.cron"], /first \(seconds\) field/);
  assert.match(badPolicy.flatten, /at most 3 levels/);
  assert.match(badPolicy["filters.nameDecoration"], /unknown property/);
  assert.match(
    (await failures(policy, { filters: { name: "x/**", labelDecoration: "excludes" } }))["filters.labelDecoration"],
    /Harbor decorates only tag and label filters/,
  );
  assert.match((await failures(policy, { trigger: { type: "scheduled", cron: "0 * 2 * * *" } }))["trigger.cron"], /not \*/);
  assert.match((await failures(policy, { direction: "pull", trigger: { type: "event_based" } }))["trigger.type"], /pull policy can never be event-based/);
  assert.match((await failures(run, { policyId: 0 })).policyId, /policy id/);
  for (const driver of [endpoint, policy, run]) assert.deepEqual(findSecretLeaks(SECRETS, { providerText: driver.captured.providerText }), []);
});

test("an endpoint whose connection test fails is not created; a good one is, with its secret masked", async () => {
  await assert.rejects(
    endpoint.create(endpoint.inputs({ accessSecret: "wrong-Secret-9" })),
    /connection test to http:\/\/127\.0\.0\.1:\d+ \(docker-registry, access ID "acr_pusher"\) failed: .*unhealthy/,
  );
  assert.deepEqual(await (await api("registries")).json(), [], "nothing was created");
  const created = await endpoint.create(endpoint.inputs());
  registryId = created.id;
  endpointOuts = created.outputs;
  assert.equal(endpointOuts.registryId, Number(registryId));
  assert.match(String(endpointOuts.secretFingerprint), /^scrypt:[0-9a-f]{32}:[0-9a-f]{64}$/);
  assert.equal(endpointOuts.accessSecret, undefined, "the secret is not an output");
  const read = (await (await api(`registries/${registryId}`)).json()) as { credential: { access_secret: string } };
  assert.equal(read.credential.access_secret, "*****");
  assert.equal(harbor.storedRegistry(Number(registryId))?.credential.access_secret, PUSHER.password);
  assert.deepEqual(await endpoint.diff(registryId, endpointOuts, endpoint.inputs()), { changes: "none", replaces: [] });
  assert.deepEqual(await endpoint.diff(registryId, endpointOuts, endpoint.inputs({ type: "harbor" })), { changes: "some", replaces: ["type"] });
  assert.deepEqual(
    await endpoint.diff(registryId, endpointOuts, endpoint.inputs({ accessSecret: "another" })),
    { changes: "some", replaces: [] },
    "a changed secret is seen through the fingerprint",
  );
  await assert.rejects(endpoint.create(endpoint.inputs()), /registry endpoint named "acr-ee" already exists .*set adopt: true to manage it/);
});

test("adopt: true takes over an endpoint of the name, applies its settings and secret, and delete leaves it", async () => {
  const adopted = await endpoint.create(endpoint.inputs({ adopt: true, description: "adopted" }));
  assert.equal(adopted.id, registryId, "the same endpoint, not a second one");
  assert.equal(adopted.outputs.adopted, true);
  assert.equal(harbor.storedRegistry(Number(registryId))?.description, "adopted");
  await endpoint.delete(adopted.id, adopted.outputs);
  assert.equal(harbor.storedRegistry(Number(registryId))?.name, "acr-ee", "an adopted endpoint stays");
  assert.equal(endpointOuts.adopted, false, "one it created is its own");
});

test("a rotated credential is applied on update; a bad one is refused and changes nothing", async () => {
  await assert.rejects(
    endpoint.update(registryId, endpointOuts, endpoint.inputs({ accessKey: ROTATED.username, accessSecret: PUSHER.password })),
    /connection test .* failed/,
  );
  assert.equal(harbor.storedRegistry(Number(registryId))?.credential.access_key, PUSHER.username, "still the old credential");
  const rotated = await endpoint.update(registryId, endpointOuts, endpoint.inputs({ accessKey: ROTATED.username, accessSecret: ROTATED.password }));
  assert.deepEqual(harbor.storedRegistry(Number(registryId))?.credential, { type: "basic", access_key: ROTATED.username, access_secret: ROTATED.password });
  assert.notEqual(rotated.outputs.secretFingerprint, endpointOuts.secretFingerprint);
  endpointOuts = rotated.outputs;
  const described = await endpoint.update(
    registryId,
    endpointOuts,
    endpoint.inputs({ accessKey: ROTATED.username, accessSecret: ROTATED.password, description: "ACR EE, rotated" }),
  );
  assert.equal(harbor.storedRegistry(Number(registryId))?.credential.access_secret, ROTATED.password, "an unchanged secret is kept");
  endpointOuts = described.outputs;
  // A read from state that holds only the connection (the stack config is empty here); the engine's
  // import cannot reach read at all (test/engine/harbor.test.ts).
  // insecure is left out: a refresh must not fill in Harbor's default.
  const refreshed = await endpoint.read(registryId, endpointOuts);
  const declared = endpoint.inputs({ accessKey: ROTATED.username, accessSecret: ROTATED.password, description: "ACR EE, rotated" });
  assert.deepEqual(await endpoint.diff(registryId, refreshed.outputs, declared), { changes: "none", replaces: [] }, "no perpetual diff after a refresh");
  const imported = await endpoint.read(registryId, { harbor: endpoint.inputs().harbor });
  assert.equal(imported.outputs.url, target.url);
  assert.equal(imported.outputs.accessKey, ROTATED.username);
  assert.equal(imported.outputs.description, "ACR EE, rotated");
});

test("the policy is created with every field; refresh reads every field back without a perpetual diff", async () => {
  const created = await policy.create(policy.inputs({ remoteRegistryId: Number(registryId) }));
  policyId = created.id;
  policyOuts = created.outputs;
  assert.deepEqual(policyOuts.flattenExample, { source: "dr-source/team/app", destination: "dr/team/app" });
  const stored = (await (await api(`replication/policies/${policyId}`)).json()) as Record<string, any>;
  assert.equal(stored.deletion, true, "replicate deletion reached Harbor through `deletion`");
  assert.equal(stored.speed, 0, "Harbor stores -1 as 0");
  assert.equal(stored.dest_namespace_replace_count, 1);
  assert.deepEqual(stored.filters, [
    { type: "name", value: "dr-source/**" },
    { type: "tag", value: "*-rc", decoration: "excludes" },
  ]);
  assert.equal(stored.dest_registry.id, Number(registryId));
  const refreshed = await policy.read(policyId, policyOuts);
  assert.equal(refreshed.outputs.speedKbps, -1);
  assert.deepEqual(
    await policy.diff(policyId, refreshed.outputs, policy.inputs({ remoteRegistryId: Number(registryId) })),
    { changes: "none", replaces: [] },
    "speed, trigger and filters read back equal",
  );
  assert.deepEqual(
    await policy.diff(policyId, refreshed.outputs, policy.inputs({ remoteRegistryId: Number(registryId), speedKbps: 0 })),
    { changes: "none", replaces: [] },
    "-1 and 0 both mean unlimited",
  );
  const imported = await policy.read(policyId, { harbor: policy.inputs().harbor });
  for (const key of [
    "name",
    "description",
    "direction",
    "remoteRegistryId",
    "destNamespace",
    "flatten",
    "trigger",
    "filters",
    "replicateDeletion",
    "override",
    "enabled",
    "copyByChunk",
  ]) {
    assert.deepEqual(imported.outputs[key], refreshed.outputs[key], `import reads ${key}`);
  }
});

test("a policy of the same name is a conflict unless adopted; adopting sends the whole policy, and delete leaves it", async () => {
  const inputs = policy.inputs({ remoteRegistryId: Number(registryId) });
  await assert.rejects(policy.create(inputs), /replication policy named "to-acr" already exists .*set adopt: true to manage it/);
  const adopted = await policy.create({ ...inputs, adopt: true, description: "adopted" });
  assert.equal(adopted.id, policyId);
  assert.equal(adopted.outputs.adopted, true);
  assert.equal(((await (await api(`replication/policies/${policyId}`)).json()) as { description: string }).description, "adopted");
  await policy.delete(adopted.id, adopted.outputs);
  assert.equal((await api(`replication/policies/${policyId}`)).status, 200, "an adopted policy stays");
  await policy.update(policyId, adopted.outputs, inputs);
});

test("a change made in Harbor is drift; update sends the whole policy back", async () => {
  const stored = (await (await api(`replication/policies/${policyId}`)).json()) as Record<string, any>;
  const edited = { ...stored, description: "edited in the UI", filters: [{ type: "name", value: "dr-source/**" }], deletion: true };
  const put = await api(`replication/policies/${policyId}`, { method: "PUT", body: JSON.stringify(edited) });
  assert.equal(put.status, 200, await put.text());
  const refreshed = await policy.read(policyId, policyOuts);
  assert.equal(refreshed.outputs.description, "edited in the UI");
  const news = policy.inputs({ remoteRegistryId: Number(registryId) });
  assert.equal((await policy.diff(policyId, refreshed.outputs, news)).changes, "some");
  policyOuts = (await policy.update(policyId, refreshed.outputs, news)).outputs;
  const restored = (await (await api(`replication/policies/${policyId}`)).json()) as Record<string, any>;
  assert.equal(restored.description, "Harbor-to-ACR guide, step 2");
  assert.equal(restored.filters.length, 2, "the tag filter is back");
  assert.equal(restored.replicate_deletion, true, "fields not changed are sent too (PUT replaces the policy)");
  assert.equal(restored.enabled, true);
});

test("a run replicates exactly the filtered, flattened images, digests intact", async () => {
  const result = await run.create(run.inputs({ policyId: Number(policyId) }));
  assert.equal(result.outputs.status, "Succeed");
  assert.equal(result.outputs.total, 2, "one task per repository: dr-source/nginx and dr-source/team/redis");
  assert.equal(result.outputs.failed, 0);
  assert.match(host.output(), new RegExp(`replication execution ${result.id}: 2 succeeded, 0 failed, 0 in progress \\(of 2\\)`));
  const creds = `${ROTATED.username}:${ROTATED.password}`;
  assert.deepEqual((await listTags(`docker://${target.host}/dr/nginx`, creds)).sort(), ["1.0", "1.1"]);
  assert.deepEqual(await listTags(`docker://${target.host}/dr/team/redis`, creds), ["7.0"]);
  for (const [ref, destination] of [
    ["dr-source/nginx:1.0", "dr/nginx:1.0"],
    ["dr-source/nginx:1.1", "dr/nginx:1.1"],
    ["dr-source/team/redis:7.0", "dr/team/redis:7.0"],
  ]) {
    assert.equal(await manifestDigest(`docker://${target.host}/${destination}`, creds), pushed[ref].digest, destination);
  }
  const catalog = (await (
    await fetch(`${target.url}/v2/_catalog`, { headers: { authorization: `Basic ${Buffer.from(creds).toString("base64")}` } })
  ).json()) as { repositories: string[] };
  assert.deepEqual(catalog.repositories.sort(), ["dr/nginx", "dr/team/redis"]);
  assert.deepEqual(await run.diff(result.id, result.outputs, run.inputs({ policyId: Number(policyId) })), { changes: "none", replaces: [] });
  assert.equal((await run.diff(result.id, result.outputs, run.inputs({ policyId: Number(policyId), triggers: { release: "2" } }))).changes, "some");
  const read = await run.read(result.id, result.outputs);
  assert.equal(read.outputs.status, "Succeed");
  const rerun = await run.update(result.id, result.outputs, run.inputs({ policyId: Number(policyId), triggers: { release: "2" } }));
  assert.notEqual(rerun.outputs.executionId, result.outputs.executionId, "a changed trigger runs the policy again");
  const refreshed = await run.read(result.id, rerun.outputs);
  assert.equal(refreshed.outputs.executionId, rerun.outputs.executionId, "refresh follows the latest execution, not the resource's first");
});

test("a failing run names each failed task's source, destination and reason", async () => {
  const tooDeep = policy.inputs({ remoteRegistryId: Number(registryId), flatten: 2 });
  policyOuts = (await policy.update(policyId, policyOuts, tooDeep)).outputs;
  assert.match(String((policyOuts.flattenExample as { destination: string }).destination), /^dr\/app$/);
  await assert.rejects(run.create(run.inputs({ policyId: Number(policyId) })), (error: Error) => {
    assert.match(error.message, /ended Failed .*: 1 of 2 task\(s\) failed/);
    assert.match(error.message, /dr-source\/nginx:\[1\.0,1\.1\] -> \(no destination\): Error: .*contains only 2 path components/);
    return true;
  });
});

test("deleting an endpoint a policy uses says so; deletes succeed in order; no secret leaked", async () => {
  await assert.rejects(endpoint.delete(registryId, endpointOuts), /registry endpoint "acr-ee" \(id \d+\) is still used by a replication policy/);
  await policy.delete(policyId, policyOuts);
  await endpoint.delete(registryId, endpointOuts);
  assert.equal((await api(`registries/${registryId}`)).status, 404);
  assert.equal((await policy.read(policyId, policyOuts)).id, "", "a deleted policy reads as gone");
  assert.deepEqual(harbor.violations(), []);
  assert.deepEqual(findSecretLeaks(SECRETS, { outputs: { ...endpointOuts, ...policyOuts }, secretOutputs: ["harbor"], hostOutput: host.output() }), []);
});
