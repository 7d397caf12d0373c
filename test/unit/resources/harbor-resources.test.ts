import assert from "node:assert/strict";
import { test } from "node:test";
import { UNKNOWN } from "../../../provider/resources/check-inputs";
import {
  currentHarborConnection,
  fromWirePolicy,
  harborProjectProvider,
  harborRegistryProvider,
  harborReplicationPolicyProvider,
  harborReplicationRunProvider,
  harborRobotAccountProvider,
  harborWebhookPolicyProvider,
  rememberHarborConfig,
  secretFingerprint,
  toWirePolicy,
  type HarborReplicationPolicyInputs,
} from "../../../provider/resources/harbor";

/** The Harbor resources' check and diff, called directly: no Harbor, no provider host. */

const harbor = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
const failures = async (provider: { check?: Function }, news: Record<string, unknown>) =>
  Object.fromEntries(
    ((await provider.check!({}, news)).failures as { property: string; reason: string }[]).map((failure) => [failure.property, failure.reason]),
  );

test("check: failures by property path, a missing connection named, unknowns accepted", async () => {
  assert.deepEqual(Object.keys(await failures(harborProjectProvider, { name: "Bad Name", harbor })), ["name"]);
  assert.match((await failures(harborProjectProvider, { name: "ok" })).harbor, /no Harbor connection: .*registry-dr:harborUrl/);
  assert.match(
    (await failures(harborProjectProvider, { name: "ok", harbor: { ...harbor, url: "https://h.example.com/path" } }))["harbor.url"],
    /scheme and host, no path/,
  );
  assert.match(
    (await failures(harborRegistryProvider, { name: "gcr", type: "google-gcr", url: "https://gcr.io", accessKey: "me", accessSecret: "{}", harbor })).accessKey,
    /"_json_key"/,
  );
  const policy = { name: "p", direction: "pull", remoteRegistryId: 1, trigger: { type: "event_based" }, filters: { tagDecoration: "excludes" }, harbor };
  assert.deepEqual(Object.keys(await failures(harborReplicationPolicyProvider, policy)).sort(), ["filters.tagDecoration", "trigger.type"]);
  assert.match(
    (
      await failures(harborRobotAccountProvider, {
        name: "r",
        level: "project",
        permissions: [{ kind: "project", namespace: "p", access: [{ resource: "repository" }] }],
        harbor,
      })
    )["permissions[0].access[0].action"],
    /expected an action/,
  );
  assert.deepEqual(await failures(harborReplicationRunProvider, { policyId: UNKNOWN, harbor }), {});
});

test("HarborProject: a new name replaces, a setting updates, adopt alone changes nothing", async () => {
  const olds = { name: "dr", public: false, harbor, schemaVersion: 1, projectId: 3, adopted: false, repoCount: 0 };
  assert.deepEqual(await harborProjectProvider.diff!("dr", olds, { name: "dr", public: false, harbor }), {
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual(await harborProjectProvider.diff!("dr", olds, { name: "dr", public: false, adopt: true, harbor }), {
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual(await harborProjectProvider.diff!("dr", olds, { name: "dr", public: true, harbor }), {
    changes: true,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual((await harborProjectProvider.diff!("dr", olds, { name: "dr2", public: false, harbor })).replaces, ["name"]);
  assert.equal((await harborProjectProvider.diff!("dr", olds, { name: "dr", public: UNKNOWN, harbor })).changes, true);
});

test("HarborRegistry: the secret compares by its fingerprint; a new type replaces", async () => {
  const olds = {
    name: "acr",
    type: "docker-registry",
    url: "https://acr.example.com",
    accessKey: "pusher",
    harbor,
    schemaVersion: 1,
    registryId: 2,
    secretFingerprint: secretFingerprint("Secret-1"),
    status: "healthy",
  };
  const news = { name: "acr", type: "docker-registry", url: "https://acr.example.com", accessKey: "pusher", accessSecret: "Secret-1", harbor };
  assert.equal((await harborRegistryProvider.diff!("2", olds, news)).changes, false, "the same secret is no change, though it is not in the outputs");
  assert.equal((await harborRegistryProvider.diff!("2", olds, { ...news, accessSecret: "Secret-2" })).changes, true);
  assert.deepEqual((await harborRegistryProvider.diff!("2", olds, { ...news, type: "harbor" })).replaces, ["type"]);
});

const policyInputs: HarborReplicationPolicyInputs = {
  name: "to-acr",
  direction: "push",
  remoteRegistryId: 2,
  destNamespace: "dr",
  trigger: { type: "scheduled", cron: "0 0 2 * * *" },
  filters: { name: "library/**", tag: "v*", labels: ["b", "a"] },
  speedKbps: -1,
  harbor,
};

test("HarborReplicationPolicy: values Harbor stores differently are no change, a new direction replaces", async () => {
  const olds = { ...policyInputs, schemaVersion: 1, policyId: 7, flattenExample: { source: "library/app", destination: "dr/app" } };
  const diff = (news: Record<string, unknown>) => harborReplicationPolicyProvider.diff!("7", olds, news);
  assert.equal((await diff({ ...policyInputs, speedKbps: 0 })).changes, false, "speed -1 and 0 are both unlimited");
  assert.equal(
    (await diff({ ...policyInputs, filters: { ...policyInputs.filters, labels: ["a", "b"], tagDecoration: "matches", labelDecoration: "matches" } })).changes,
    false,
    "label order and default decorations",
  );
  assert.equal((await diff({ ...policyInputs, trigger: { type: "scheduled", cron: " 0 0 2 * * * " } })).changes, false, "Harbor trims the cron");
  assert.equal((await diff({ ...policyInputs, override: true, enabled: true, flatten: 1 })).changes, false, "defaults spelled out");
  assert.equal((await diff({ ...policyInputs, speedKbps: 512 })).changes, true);
  assert.deepEqual((await diff({ ...policyInputs, direction: "pull", trigger: undefined })).replaces, ["direction"]);
  assert.equal((await diff({ ...policyInputs, destNamespace: UNKNOWN })).changes, true);
});

test("HarborReplicationPolicy: a policy read back from its wire form shows no diff", async () => {
  const wire = toWirePolicy(policyInputs);
  assert.equal(wire.speed, -1);
  assert.equal(wire.deletion, false, "Harbor reads the deprecated field: it is sent too");
  // Harbor answers speed 0 for -1 and drops the cron of a non-scheduled trigger.
  const read = { ...fromWirePolicy({ ...wire, speed: 0, id: 7 }, policyInputs), harbor };
  assert.equal(read.speedKbps, -1, "the spelling in state is kept when Harbor cannot tell -1 from 0");
  const olds = { ...read, schemaVersion: 1, policyId: 7, flattenExample: { source: "library/app", destination: "dr/app" } };
  assert.equal((await harborReplicationPolicyProvider.diff!("7", olds, policyInputs)).changes, false);
});

test("HarborReplicationRun: new triggers run again; a new timeout is recorded without a run", async () => {
  const news = { policyId: 7, triggers: { release: "1.0" }, timeoutSeconds: 600, harbor };
  const olds = { ...news, schemaVersion: 1, executionId: 11, status: "Succeed", total: 1, succeed: 1, failed: 0, startedAt: "s", finishedAt: "f" };
  assert.deepEqual(await harborReplicationRunProvider.diff!("11", olds, news), { changes: false, replaces: [], deleteBeforeReplace: false });
  assert.deepEqual(await harborReplicationRunProvider.diff!("11", olds, { ...news, triggers: { release: "1.1" } }), {
    changes: true,
    replaces: [],
    deleteBeforeReplace: false,
  });
  // No Harbor answers at this URL: an update that needs no run must not call it.
  const unreachable = { ...harbor, url: "http://127.0.0.1:1" };
  const updated = await harborReplicationRunProvider.update!("11", olds, { ...news, timeoutSeconds: 1200, harbor: unreachable });
  assert.equal(updated.outs.timeoutSeconds, 1200);
  assert.equal(updated.outs.executionId, 11);
});

test("HarborRobotAccount: Harbor's default effect is no change; name and level replace", async () => {
  const permissions = [{ kind: "project", namespace: "dr", access: [{ resource: "repository", action: "pull" }] }];
  const news = { name: "copier", level: "project", permissions, harbor };
  const olds = {
    ...news,
    permissions: [{ ...permissions[0], access: [{ resource: "repository", action: "pull", effect: "allow" }] }],
    duration: -1,
    disable: false,
    schemaVersion: 1,
    robotId: 4,
    fullName: "robot$dr+copier",
    robotSecret: "s",
    expiresAt: -1,
  };
  assert.deepEqual(await harborRobotAccountProvider.diff!("4", olds, news), { changes: false, replaces: [], deleteBeforeReplace: false });
  assert.deepEqual((await harborRobotAccountProvider.diff!("4", olds, { ...news, name: "copier2", level: "system" })).replaces, ["name", "level"]);
  assert.equal((await harborRobotAccountProvider.diff!("4", olds, { ...news, rotateTriggers: { at: "2026" } })).changes, true);
});

test("every Harbor resource: a rotated password or another account is no change; another Harbor is", async () => {
  const rotated = { ...harbor, username: "ops", password: "Rotated-99" };
  const elsewhere = { ...harbor, url: "https://other-harbor.example.com" };
  const permissions = [{ kind: "project", namespace: "dr", access: [{ resource: "repository", action: "pull", effect: "allow" }] }];
  const registry = { name: "acr", type: "docker-registry", url: "https://acr.example.com", accessKey: "pusher", accessSecret: "Secret-1" };
  const cases: [string, { diff?: Function }, Record<string, unknown>, Record<string, unknown>][] = [
    ["HarborProject", harborProjectProvider, { name: "dr", public: false }, { schemaVersion: 1, projectId: 3, adopted: false, repoCount: 0 }],
    [
      "HarborRegistry",
      harborRegistryProvider,
      registry,
      { accessSecret: undefined, schemaVersion: 1, registryId: 2, secretFingerprint: secretFingerprint("Secret-1") },
    ],
    ["HarborReplicationPolicy", harborReplicationPolicyProvider, { ...policyInputs }, { schemaVersion: 1, policyId: 7 }],
    ["HarborReplicationRun", harborReplicationRunProvider, { policyId: 7, triggers: { release: "1.0" } }, { schemaVersion: 1, executionId: 11 }],
    [
      "HarborRobotAccount",
      harborRobotAccountProvider,
      { name: "copier", level: "project", permissions, duration: -1, disable: false },
      { schemaVersion: 1, robotId: 4, fullName: "robot$dr+copier", robotSecret: "s", expiresAt: -1 },
    ],
    [
      "HarborWebhookPolicy",
      harborWebhookPolicyProvider,
      { project: "dr", name: "registry-dr-watch", address: "http://watcher.example.com/events/harbor", secret: "watch-secret-0123456789" },
      { schemaVersion: 1, policyId: 5, projectId: 3, adopted: false },
    ],
  ];
  for (const [type, provider, inputs, outputs] of cases) {
    const olds = { ...inputs, ...outputs, harbor };
    const diff = (connection: unknown) => provider.diff!("1", olds, { ...inputs, harbor: connection });
    assert.equal((await diff(harbor)).changes, false, `${type}: the same connection`);
    assert.equal((await diff(rotated)).changes, false, `${type}: a rotated password and account`);
    assert.equal((await diff({ ...harbor, url: `${harbor.url}/` })).changes, false, `${type}: the same URL spelled with a final slash`);
    assert.equal((await diff(elsewhere)).changes, true, `${type}: another Harbor`);
    assert.equal((await diff({ ...harbor, insecure: true })).changes, true, `${type}: another TLS setting`);
  }
});

test("refresh and destroy: the stack config's credentials win for the same Harbor, the stored ones elsewhere", async () => {
  const config = (values: Record<string, string>) => ({ get: (key: string) => values[key] });
  const stored = { ...harbor, password: "Old-Password-1" };
  try {
    rememberHarborConfig(config({ "registry-dr:harborUrl": `${harbor.url}/`, "registry-dr:harborUsername": "ops", "registry-dr:harborPassword": "Current-2" }));
    assert.deepEqual(currentHarborConnection(stored), { ...harbor, username: "ops", password: "Current-2" });
    assert.deepEqual(currentHarborConnection({ ...stored, url: "https://other-harbor.example.com" }), { ...stored, url: "https://other-harbor.example.com" });
    assert.equal(currentHarborConnection(undefined).password, "Current-2", "no stored connection: the config's");
    rememberHarborConfig(config({ "registry-dr:harborUrl": harbor.url }));
    assert.deepEqual(currentHarborConnection(stored), stored, "a config without credentials changes nothing");
  } finally {
    rememberHarborConfig(config({}));
  }
});
