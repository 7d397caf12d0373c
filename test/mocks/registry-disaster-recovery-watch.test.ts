import assert from "node:assert/strict";
import { test } from "node:test";
import { RegistryDisasterRecovery, RegistryDisasterRecoveryArgs } from "../../components";
import { isRegisteredSecret, recordKubernetesRegistrations, valueOf } from "../support/pulumi-mocks";

/**
 * RegistryDisasterRecovery's direct path on events under mocks: `watch` adds a SyncWatcher that
 * copies to every direct-path site, and on a Harbor primary a HarborWebhookPolicy per protected
 * project pointing at the watcher's Harbor URL, all children of the component. Bad `watch`
 * arguments fail before anything registers.
 */

const SECRET = "dr-watch-shared-secret-never-shown";
const HARBOR = { url: "https://harbor.example.com", username: "admin", password: "Harbor12345" };
const DIRECT_SITE = {
  registry: { url: "https://registry.dc2.example.com", namespace: "dr", username: "pusher", password: "pusher-secret" },
  replication: { direct: {} },
};
const WATCH = { image: "registry.example.com/tools/registry-dr:0.1.0", namespace: "registry-dr", sharedSecret: SECRET, followDeletions: true };
const BASE: RegistryDisasterRecoveryArgs = {
  primary: { harbor: HARBOR },
  protect: { repositories: ["library/nginx", "apps/**"] },
  sites: { dc2: DIRECT_SITE },
  watch: WATCH,
};
const WEBHOOK = "pulumi-nodejs:dynamic/harbor:HarborWebhookPolicy";
const WATCHER = "registry-dr:kubernetes:SyncWatcher";

async function build(args: RegistryDisasterRecoveryArgs) {
  const registered = await recordKubernetesRegistrations("dr-watch-test");
  const dr = new RegistryDisasterRecovery("dr", args);
  await Promise.all([valueOf(dr.endpoints), valueOf(dr.readiness), ...(dr.watcher ? [valueOf(dr.watcher.harborEventsUrl)] : [])]);
  await Promise.all(dr.webhooks.map((webhook) => valueOf(webhook.urn)));
  return { registered, dr };
}

test("watch: a SyncWatcher feeding the direct-path sites, and a Harbor webhook per protected project pointing at it", async () => {
  const { registered, dr } = await build(BASE);
  const watcher = registered.find((resource) => resource.type === WATCHER);
  assert.equal(watcher?.name, "dr-watch");
  assert.ok(dr.watcher, "the component exposes its watcher");
  assert.ok(
    (await valueOf(dr.watcher.urn)).includes("registry-dr:index:RegistryDisasterRecovery$registry-dr:kubernetes:SyncWatcher::dr-watch"),
    "a child of the component",
  );
  const eventsUrl = await valueOf(dr.watcher.harborEventsUrl);
  assert.equal(eventsUrl, "http://dr-watch-watch-1a2b3c4d.registry-dr.svc:8480/events/harbor");

  const configMap = registered.find((resource) => resource.type === "kubernetes:core/v1:ConfigMap");
  const images = JSON.parse(configMap?.inputs.data["images.json"]);
  assert.deepEqual(Object.keys(images).sort(), ["harbor.example.com/apps/**", "harbor.example.com/library/nginx"]);
  assert.ok(JSON.stringify(images).includes("registry.dc2.example.com/dr"), JSON.stringify(images));

  const webhooks = registered.filter((resource) => resource.type === WEBHOOK);
  assert.deepEqual(webhooks.map((webhook) => [webhook.name, webhook.inputs.project]).sort(), [
    ["dr-webhook-apps", "apps"],
    ["dr-webhook-library", "library"],
  ]);
  for (const webhook of webhooks) {
    assert.equal(webhook.inputs.address, eventsUrl);
    assert.deepEqual(webhook.inputs.eventTypes, ["PUSH_ARTIFACT", "DELETE_ARTIFACT"], "followDeletions sends deletions");
    assert.ok(isRegisteredSecret(webhook.inputs.secret), "the shared secret is a secret input");
    assert.equal(webhook.inputs.harbor.url ?? webhook.inputs.harbor.value?.url, HARBOR.url);
  }
  for (const webhook of dr.webhooks)
    assert.ok((await valueOf(webhook.urn)).includes("RegistryDisasterRecovery$pulumi-nodejs:dynamic/harbor:HarborWebhookPolicy"));
  const shown = JSON.stringify(
    registered.filter((resource) => resource.type !== WEBHOOK && resource.type !== "kubernetes:core/v1:Secret").map((r) => r.inputs),
  );
  assert.ok(!shown.includes(SECRET), "the shared secret is only in the Secret and the webhooks' secret inputs");
});

test("watch on a plain registry primary: the watcher, and no Harbor webhooks", async () => {
  const { registered, dr } = await build({ ...BASE, primary: { registry: "registry.example.com", auth: { username: "reader", password: "reader-secret" } } });
  assert.ok(registered.some((resource) => resource.type === WATCHER));
  assert.deepEqual(
    registered.filter((resource) => resource.type === WEBHOOK),
    [],
  );
  assert.deepEqual(dr.webhooks, []);
});

test("bad watch arguments fail before anything registers, never quoting the secret", async () => {
  const cases: [RegistryDisasterRecoveryArgs, RegExp][] = [
    [
      { ...BASE, sites: { gce: { registry: { url: "https://r.example.com", namespace: "dr" }, replication: { harbor: {} } } } },
      /watch: expected a site with replication\.direct/,
    ],
    [{ ...BASE, watch: { ...WATCH, sharedSecret: "too-short" } }, /sharedSecret.*at least 16 characters/],
    [{ ...BASE, watch: { ...WATCH, image: "not a reference" } }, /image.*container image reference/],
    [{ ...BASE, watch: { ...WATCH, resyncIntervalSeconds: 5 } }, /resyncIntervalSeconds/],
  ];
  for (const [args, message] of cases) {
    const registered = await recordKubernetesRegistrations("dr-watch-bad-test");
    assert.throws(
      () => new RegistryDisasterRecovery("dr", args),
      (error: Error) => message.test(error.message) && !error.message.includes("too-short") && !error.message.includes(SECRET),
    );
    assert.deepEqual(registered, [], `nothing registered for ${message}`);
  }
});
