import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * The five Harbor resources in a user's own stack, run by the real Pulumi engine against the
 * Harbor stand-in, replicating into a real registry: Alibaba Cloud's Harbor-to-ACR guide as a
 * user keeps it in Git. What the stand-in and the target registry hold is the oracle.
 * Importing is tried the way users would try it, `pulumi import` and the `import` option;
 * adopting (`adopt: true`) is the way that works.
 */

const ADMIN_PASSWORD = "Harbor-Engine-Admin-9x";
/** The admin's password after it is rotated in Harbor and in the stack's config. */
const ROTATED_PASSWORD = "Harbor-Engine-Rotated-4q";
let adminPassword = ADMIN_PASSWORD;
const PUSHER = { username: "acr_pusher", password: "Pusher-Engine-Secret-1" };
/** The account someone used when making an endpoint by hand (Harbor tests it, so it must work). */
const HAND_PUSHER = { username: "hand_pusher", password: "Hand-Engine-Secret-2" };

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { HarborProject, HarborRegistry, HarborReplicationPolicy, HarborReplicationRun, HarborRobotAccount } = require("registry-dr");
const config = new pulumi.Config();
// The endpoint names its Harbor itself; the others use the stack's registry-dr:harbor* config.
const harbor = { url: config.require("harborUrl"), username: "admin", password: config.requireSecret("harborAdminPassword") };
const project = new HarborProject("dr-landing", { name: "dr-landing", public: false });
const robot = new HarborRobotAccount("copier", {
  name: "copier",
  level: "project",
  permissions: [{ kind: "project", namespace: project.name, access: [{ resource: "repository", action: "pull" }] }],
});
const endpoint = new HarborRegistry("standby", {
  name: "standby",
  description: "the standby registry",
  type: "docker-registry",
  url: config.require("targetUrl"),
  accessKey: config.require("targetUser"),
  accessSecret: config.requireSecret("targetPassword"),
  harbor,
});
const policy = new HarborReplicationPolicy("to-standby", {
  name: "to-standby",
  direction: "push",
  remoteRegistryId: endpoint.registryId,
  destNamespace: "dr",
  flatten: 1,
  filters: { name: "library/**", tag: config.require("tagFilter") },
  trigger: { type: "manual" },
});
const run = new HarborReplicationRun("copy", { policyId: policy.policyId, triggers: { generation: config.require("generation") }, timeoutSeconds: 120 });
if (config.getBoolean("importHandmade")) new HarborProject("imported", { name: "handmade" }, { import: "handmade" });
if (config.getBoolean("adoptHandmade")) {
  new HarborProject("adopted", { name: "handmade", public: true, adopt: true });
  const adoptedEndpoint = new HarborRegistry("adopted-endpoint", {
    name: "handmade-endpoint",
    description: "adopted",
    type: "docker-registry",
    url: config.require("targetUrl"),
    accessKey: config.require("targetUser"),
    accessSecret: config.requireSecret("targetPassword"),
    adopt: true,
    harbor,
  });
  new HarborReplicationPolicy("adopted-rule", {
    name: "handmade-rule",
    direction: "push",
    remoteRegistryId: adoptedEndpoint.registryId,
    destNamespace: "adopted",
    filters: { name: "library/**" },
    adopt: true,
  });
}
exports.robotName = robot.fullName;
exports.robotSecret = robot.robotSecret;
`;

let harbor: HarborStandIn;
let target: RegistryServer;
let stack: UserStack;
const pushed: Record<string, SmallImage> = {};
const transcript: CommandResult[] = [];

before(async () => {
  [harbor, target] = await Promise.all([
    startHarborStandIn({ adminPassword: ADMIN_PASSWORD }),
    startRegistry({ auth: { kind: "htpasswd", users: { [PUSHER.username]: PUSHER.password, [HAND_PUSHER.username]: HAND_PUSHER.password } } }),
  ]);
  for (const [tag, variant] of [
    ["1.0", "a"],
    ["1.1", "b"],
    ["2.0-rc", "c"],
  ])
    pushed[tag] = await pushSmallImage(harbor.registry, `library/nginx:${tag}`, undefined, variant);
  stack = await UserStack.create("harbor", {
    program: PROGRAM,
    config: {
      "registry-dr:harborUrl": harbor.url,
      "registry-dr:harborUsername": "admin",
      harborUrl: harbor.url,
      targetUrl: target.url,
      targetUser: PUSHER.username,
      tagFilter: "1.0",
      generation: "1",
    },
    secrets: { "registry-dr:harborPassword": ADMIN_PASSWORD, harborAdminPassword: ADMIN_PASSWORD, targetPassword: PUSHER.password },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([harbor?.stop(), target?.stop()]);
});

/** Harbor's API as an administrator clicking in its UI would change it. */
async function api(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const response = await fetch(`${harbor.url}/api/v2.0/${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(`admin:${adminPassword}`).toString("base64")}`, "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const raw = await response.text();
  return { status: response.status, json: raw ? JSON.parse(raw) : undefined };
}

const project = async (name: string) => {
  const found = await api("GET", `projects/${name}`);
  return found.status === 200 ? (found.json as { project_id: number; metadata?: { public?: string } }) : undefined;
};
const list = async (path: string) => (await api("GET", path)).json as { id: number; name: string; description?: string }[];
const targetDigest = (tag: string) => manifestDigest(`docker://${target.host}/dr/nginx:${tag}`, `${PUSHER.username}:${PUSHER.password}`).catch(() => undefined);

test("preview creates nothing; up sets up Harbor and replicates; then nothing is pending", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  for (const [type, name] of [
    ["HarborProject", "dr-landing"],
    ["HarborRobotAccount", "copier"],
    ["HarborRegistry", "standby"],
    ["HarborReplicationPolicy", "to-standby"],
    ["HarborReplicationRun", "copy"],
  ])
    assert.match(preview.stdout, stepPattern("create", `harbor:${type}`, name));
  assert.equal(await project("dr-landing"), undefined, "a preview creates nothing");
  assert.deepEqual(await list("registries"), []);

  transcript.push(await stack.up());
  assert.equal((await project("dr-landing"))?.metadata?.public, "false");
  assert.deepEqual(
    (await list("robots")).map((robot) => robot.name),
    ["robot$dr-landing+copier"],
  );
  assert.equal(harbor.storedRegistry((await list("registries"))[0].id)?.credential.access_secret, PUSHER.password);
  assert.deepEqual(
    (await list("replication/policies")).map((policy) => policy.name),
    ["to-standby"],
  );
  assert.equal(await targetDigest("1.0"), pushed["1.0"].digest, "the run copied the tag the filter takes");
  assert.equal(await targetDigest("1.1"), undefined, "and only that one");
  assert.deepEqual(harbor.violations(), []);

  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a widened tag filter with a new run generation: the preview's diff names both, up copies the new tag", async () => {
  await stack.must(["config", "set", "tagFilter", "1.*"]);
  await stack.must(["config", "set", "generation", "2"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "harbor:HarborReplicationPolicy", "to-standby"));
  assert.match(preview.stdout, /tag\s*:\s*"1\.0"\s*=>\s*"1\.\*"/, preview.stdout);
  assert.match(preview.stdout, stepPattern("update", "harbor:HarborReplicationRun", "copy"));
  assert.match(preview.stdout, /generation\s*:\s*"1"\s*=>\s*"2"/, preview.stdout);
  for (const [type, name] of [
    ["HarborProject", "dr-landing"],
    ["HarborRobotAccount", "copier"],
    ["HarborRegistry", "standby"],
  ])
    assert.doesNotMatch(preview.stdout, stepPattern("update", `harbor:${type}`, name), "only the policy and the run change");
  assert.equal(await targetDigest("1.1"), undefined, "a preview copies nothing");

  transcript.push(await stack.up());
  const [policy] = (await list("replication/policies")) as unknown as { filters: { type: string; value: string }[] }[];
  assert.equal(policy.filters.find((filter) => filter.type === "tag")?.value, "1.*");
  assert.equal(await targetDigest("1.1"), pushed["1.1"].digest);
  assert.equal(await targetDigest("2.0-rc"), undefined);
});

test("changes made in Harbor's UI: refresh records them, up sets them back", async () => {
  const landing = await project("dr-landing");
  assert.equal((await api("PUT", "projects/dr-landing", { metadata: { public: "true" } })).status, 200);
  const [endpoint] = await list("registries");
  assert.equal((await api("PUT", `registries/${endpoint.id}`, { description: "changed by hand" })).status, 200);
  const [robot] = await list("robots");
  const robotBody = (await api("GET", `robots/${robot.id}`)).json as Record<string, unknown>;
  assert.equal((await api("PUT", `robots/${robot.id}`, { ...robotBody, disable: true })).status, 200);

  const refresh = await stack.must(["refresh", "--yes", "--skip-preview"]);
  transcript.push(refresh);
  assert.equal((await stack.resourceOutputs("dr-landing")).public, true, "refresh records the project made public");
  assert.equal((await stack.resourceOutputs("standby")).description, "changed by hand");
  assert.equal((await stack.resourceOutputs("copier")).disable, true, "refresh records the robot disabled");

  const preview = await stack.preview();
  transcript.push(preview);
  assert.match(preview.stdout, /public\s*:\s*true\s*=>\s*false/, preview.stdout);
  assert.match(preview.stdout, /description\s*:\s*"changed by hand"\s*=>\s*"the standby registry"/, preview.stdout);
  assert.match(preview.stdout, stepPattern("update", "harbor:HarborRobotAccount", "copier"), preview.stdout);

  transcript.push(await stack.up());
  assert.equal((await project("dr-landing"))?.metadata?.public, "false");
  assert.equal((await project("dr-landing"))?.project_id, landing?.project_id, "updated in place");
  assert.equal((await list("registries"))[0].description, "the standby registry");
  assert.equal(((await api("GET", `robots/${robot.id}`)).json as { disable: boolean }).disable, false, "the robot is enabled again");
  assert.equal(harbor.storedRegistry(endpoint.id)?.credential.access_secret, PUSHER.password, "the secret Harbor holds is kept");
  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, `a perpetual diff after refresh:\n${outputText(settled)}`);
});

/**
 * The engine sends an import's Read only the id (no inputs, no state), so a dynamic provider
 * has no `__provider` to load (pulumi/pulumi#16175): neither way imports. These pin that down,
 * so the day the engine changes shows here.
 */
test("`pulumi import` and the `import` option cannot import a dynamic resource: the engine sends Read no provider", async () => {
  assert.equal((await api("POST", "projects", { project_name: "handmade", metadata: { public: "false" } })).status, 201);

  const cli = await stack.pulumi(["import", "pulumi-nodejs:dynamic/harbor:HarborProject", "imported", "handmade", "--yes", "--skip-preview"]);
  transcript.push(cli);
  console.log(`pulumi import said:\n${outputText(cli)}`);
  assert.notEqual(cli.code, 0, outputText(cli));
  assert.match(outputText(cli), /code must be a string, not undefined/, "Read had no __provider to load");

  await stack.must(["config", "set", "importHandmade", "true"]);
  const option = await stack.preview();
  transcript.push(option);
  console.log(`the import option's preview said:\n${outputText(option)}`);
  assert.notEqual(option.code, 0, outputText(option));
  assert.match(outputText(option), /code must be a string, not undefined/, "Read had no __provider to load");
  await stack.must(["config", "rm", "importHandmade"]);

  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: { urn: string }[] } };
  assert.equal(state.deployment.resources?.filter((resource) => resource.urn.endsWith("::imported")).length, 0, "nothing was imported");
  assert.equal((await project("handmade"))?.metadata?.public, "false", "the project is untouched");
});

test("adopt: true takes over a project, endpoint and policy made by hand, applies the stack's settings, and destroy leaves them", async () => {
  // Made in Harbor's UI: an endpoint with another account, a rule with another namespace.
  const endpoint = await api("POST", "registries", {
    name: "handmade-endpoint",
    type: "docker-registry",
    url: target.url,
    credential: { type: "basic", access_key: HAND_PUSHER.username, access_secret: HAND_PUSHER.password },
  });
  assert.equal(endpoint.status, 201, JSON.stringify(endpoint.json));
  const endpointId = (await list("registries")).find((entry) => entry.name === "handmade-endpoint")!.id;
  const rule = await api("POST", "replication/policies", {
    name: "handmade-rule",
    dest_registry: { id: endpointId },
    dest_namespace: "elsewhere",
    trigger: { type: "manual", trigger_settings: { cron: "" } },
    filters: [],
    enabled: true,
  });
  assert.equal(rule.status, 201, JSON.stringify(rule.json));
  const ruleId = (await list("replication/policies")).find((entry) => entry.name === "handmade-rule")!.id;

  await stack.must(["config", "set", "adoptHandmade", "true"]);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "harbor:HarborProject", "adopted"));
  const before = await project("handmade");
  transcript.push(await stack.up());
  const after = await project("handmade");
  assert.equal(after?.project_id, before?.project_id, "the same project, not a new one");
  assert.equal(after?.metadata?.public, "true", "the stack's settings applied");
  assert.equal((await stack.resourceOutputs("adopted")).adopted, true);
  assert.deepEqual(
    harbor.storedRegistry(endpointId)?.credential,
    { type: "basic", access_key: PUSHER.username, access_secret: PUSHER.password },
    "the stack's account and secret replaced the hand-made ones",
  );
  assert.equal(harbor.storedRegistry(endpointId)?.description, "adopted");
  assert.equal((await list("registries")).length, 2, "no second endpoint");
  const adoptedRule = (await api("GET", `replication/policies/${ruleId}`)).json as { dest_namespace: string; filters: { type: string; value: string }[] };
  assert.equal(adoptedRule.dest_namespace, "adopted");
  assert.deepEqual(adoptedRule.filters, [{ type: "name", value: "library/**" }]);
  assert.equal((await list("replication/policies")).length, 2, "no second policy");
  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, `a perpetual diff:\n${outputText(settled)}`);
});

/**
 * Refresh and destroy do not run the program: the engine configures their providers with the
 * stack config recorded at the last `up`, and hands a dynamic provider's read and delete only the
 * outputs in state. So a rotated password reaches them through the stack config: run with
 * `--run-program`, or after an `up` (which shows no change). For a resource on the same Harbor
 * the config's credentials win over the stored ones; the endpoint names Harbor in its own input.
 */
test("Harbor's admin password rotated: no change to preview or apply; refresh and destroy log in with the new one", async () => {
  harbor.changeAdminPassword(ROTATED_PASSWORD);
  adminPassword = ROTATED_PASSWORD;
  await stack.must(["config", "set", "--secret", "registry-dr:harborPassword", ROTATED_PASSWORD]);
  await stack.must(["config", "set", "--secret", "harborAdminPassword", ROTATED_PASSWORD]);
  const names = ["dr-landing", "copier", "standby", "to-standby", "copy", "adopted-endpoint"];

  const preview = await stack.preview("--expect-no-changes");
  transcript.push(preview);
  assert.equal(preview.code, 0, `a rotated password shows as a change:\n${outputText(preview)}`);
  for (const name of names) assert.doesNotMatch(preview.stdout, new RegExp(`\\[urn=[^\\]]*::${name}\\]`), `no step for ${name}`);

  const refreshed = async (...extra: string[]) => {
    harbor.clearRequests();
    const refresh = await stack.pulumi(["refresh", "--yes", "--skip-preview", ...extra]);
    transcript.push(refresh);
    assert.equal(refresh.code, 0, `refresh ${extra.join(" ")} after the rotation:\n${outputText(refresh)}`);
    assert.deepEqual(
      harbor.requests().filter((request) => request.status === 401),
      [],
      "no request with the old password",
    );
    assert.ok(
      harbor.requests().some((request) => request.operationId === "getRegistry" && request.user === "admin"),
      "the endpoint was read",
    );
  };
  await refreshed("--run-program");

  const up = await stack.up();
  transcript.push(up);
  for (const name of names) assert.doesNotMatch(up.stdout, new RegExp(`\\[urn=[^\\]]*::${name}\\]`), `up changed nothing in ${name}`);
  await refreshed();

  const settled = await stack.preview("--expect-no-changes");
  transcript.push(settled);
  assert.equal(settled.code, 0, `a change after refresh:\n${outputText(settled)}`);
});

test("no password or robot secret in plain text in the state or in anything the CLI printed", async () => {
  const { robotSecret, robotName } = await stack.outputs();
  assert.equal(typeof robotSecret, "string");
  // The robot's secret really logs in: it is Harbor's, not a placeholder.
  const login = await fetch(`${harbor.url}/api/v2.0/projects/dr-landing`, {
    headers: { authorization: `Basic ${Buffer.from(`${robotName}:${robotSecret}`).toString("base64")}` },
  });
  assert.equal(login.status, 200);
  const secrets = [ADMIN_PASSWORD, ROTATED_PASSWORD, PUSHER.password, HAND_PUSHER.password, robotSecret as string];
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, secrets, "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), secrets, "the CLI's output");
  assert.match(state, /"ciphertext"/);
});

test("destroy removes everything it created at Harbor and leaves what it adopted", async () => {
  harbor.clearRequests();
  transcript.push(await stack.must(["destroy", "--yes", "--skip-preview"]));
  assert.deepEqual(
    harbor.requests().filter((request) => request.status === 401),
    [],
    "every delete logged in with the rotated password",
  );
  assert.ok(harbor.requests().some((request) => request.operationId === "deleteRegistry" && request.status === 200));
  assert.equal(await project("dr-landing"), undefined);
  assert.deepEqual(await list("robots"), []);
  assert.deepEqual(
    (await list("registries")).map((entry) => entry.name),
    ["handmade-endpoint"],
  );
  assert.deepEqual(
    (await list("replication/policies")).map((entry) => entry.name),
    ["handmade-rule"],
  );
  assert.equal((await project("handmade"))?.metadata?.public, "true", "the adopted project stays");
  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: unknown[] } };
  assert.equal(state.deployment.resources?.length ?? 0, 0, "nothing left in state");
  assert.deepEqual(harbor.violations(), []);
});
