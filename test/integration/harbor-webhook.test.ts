import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { HarborClient } from "../../provider/clients/harbor";
import { HarborWebhookPolicyOutputs, harborWebhookPolicyProvider } from "../../provider/resources/harbor";
import { pushSmallImage } from "../support/fixtures";
import { freePort } from "../support/free-port";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { WatchProcess, metricValue, startWatch, until } from "../support/watch-process";

/**
 * The Harbor path end to end: images are pushed to Harbor (the stand-in, whose /v2/ fronts a
 * real registry and fires the project's webhooks as Harbor's core does), a HarborWebhookPolicy
 * points the project at `registry-dr watch`, and the watcher copies each push to the standby
 * with no resync in between. skopeo is the oracle for what the standby holds.
 */

const SECRET = "harbor-watch-secret-0123456789";
const PROJECT = "dr-source";

let harbor: HarborStandIn;
let standby: RegistryServer;
let watcher: WatchProcess;
let policy: { id: string; outs: HarborWebhookPolicyOutputs };

/** Pushes go to Harbor's own host, as clients push; only the host is used. */
const harborV2 = () => ({ host: harbor.host, url: harbor.url }) as RegistryServer;

async function standbyDigest(tag: string): Promise<string | undefined> {
  return manifestDigest(`docker://${standby.host}/${PROJECT}/app:${tag}`).catch(() => undefined);
}

function resyncLines(): number {
  return watcher
    .log()
    .split("\n")
    .filter((line) => / resync: /.test(line)).length;
}

function policyInputs(overrides: Record<string, unknown> = {}) {
  return {
    project: PROJECT,
    name: "registry-dr-watch",
    address: `${watcher.url}/events/harbor`,
    secret: SECRET,
    harbor: { url: harbor.url, username: "admin", password: harbor.admin.password },
    ...overrides,
  };
}

before(async () => {
  [harbor, standby] = await Promise.all([startHarborStandIn(), startRegistry()]);
  const client = new HarborClient({ url: harbor.url, username: "admin", password: harbor.admin.password });
  await client.projects.create({ project_name: PROJECT });
  await client.close();
  // Pushed before there is a policy or a watcher: the start resync copies it.
  await pushSmallImage(harborV2(), `${PROJECT}/app:0.1`, undefined, "harbor-early");
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-harbor-watch-"));
  const config = join(dir, "watch.json");
  writeFileSync(
    config,
    JSON.stringify({
      auth: { [harbor.host]: { insecure: true }, [standby.host]: { insecure: true } },
      images: { [`${harbor.host}/${PROJECT}/app`]: `${standby.host}/${PROJECT}/app` },
    }),
  );
  watcher = startWatch([`--config=${config}`, "--resync-interval=1h"], await freePort(), SECRET, dir);
  await watcher.ready();
  const created = await harborWebhookPolicyProvider.create!(policyInputs());
  policy = { id: created.id, outs: created.outs };
});
after(async () => {
  await watcher?.kill();
  await Promise.all([harbor?.stop(), standby?.stop()]);
});

test("a push to Harbor reaches the standby through the webhook policy, with no resync in between", async () => {
  assert.equal(resyncLines(), 1, "the start resync ran once");
  assert.ok(await standbyDigest("0.1"), "the start resync copied what was there");
  assert.deepEqual(harbor.webhookDeliveries(), [], "a push before the policy existed fired nothing");

  const pushed = await pushSmallImage(harborV2(), `${PROJECT}/app:1.0`, undefined, "harbor-1");
  await until(
    async () => (await standbyDigest("1.0")) === pushed.digest,
    20_000,
    () => `${PROJECT}/app:1.0 never reached the standby; deliveries: ${JSON.stringify(harbor.webhookDeliveries())}; log:\n${watcher.log()}`,
  );
  assert.equal(resyncLines(), 1, "no resync ran: the webhook did the copying");
  await harbor.webhooksSettled();
  const delivery = harbor.webhookDeliveries().find((each) => (each.payload as any).event_data?.resources?.[0]?.tag === "1.0");
  assert.ok(delivery, JSON.stringify(harbor.webhookDeliveries()));
  assert.equal(delivery.status, 202);
  assert.equal(delivery.eventType, "PUSH_ARTIFACT");
  assert.equal(delivery.policyId, Number(policy.id));
  assert.deepEqual((delivery.payload as any).event_data.resources, [{ digest: pushed.digest, tag: "1.0", resource_url: `${harbor.host}/${PROJECT}/app:1.0` }]);
  assert.equal((delivery.payload as any).event_data.repository.repo_full_name, `${PROJECT}/app`);
  assert.match(watcher.log(), new RegExp(`copied ${harbor.host}/${PROJECT}/app:1\\.0 -> ${standby.host}/${PROJECT}/app:1\\.0`));
  const metrics = await watcher.metrics();
  const taken =
    (metricValue(metrics, 'registry_dr_events_total{sender="harbor",outcome="queued"}') ?? 0) +
    (metricValue(metrics, 'registry_dr_events_total{sender="harbor",outcome="coalesced"}') ?? 0);
  assert.ok(taken >= 1, metrics);
});

test("the same policy in CloudEvents format copies the next push too", async () => {
  const updated = await harborWebhookPolicyProvider.update!(policy.id, policy.outs, policyInputs({ payloadFormat: "CloudEvents" }));
  policy = { id: policy.id, outs: updated.outs as HarborWebhookPolicyOutputs };
  const pushed = await pushSmallImage(harborV2(), `${PROJECT}/app:2.0`, undefined, "harbor-2");
  await until(
    async () => (await standbyDigest("2.0")) === pushed.digest,
    20_000,
    () => `${PROJECT}/app:2.0 never reached the standby; deliveries: ${JSON.stringify(harbor.webhookDeliveries())}; log:\n${watcher.log()}`,
  );
  await harbor.webhooksSettled();
  const delivery = harbor.webhookDeliveries().find((each) => (each.payload as any).data?.resources?.[0]?.tag === "2.0");
  assert.ok(delivery, JSON.stringify(harbor.webhookDeliveries()));
  assert.equal(delivery.status, 202);
  assert.equal((delivery.payload as any).specversion, "1.0");
  assert.equal((delivery.payload as any).type, "harbor.artifact.pushed");
  assert.equal(resyncLines(), 1);
});

test("a policy with another secret is refused by the watcher: nothing is copied", async () => {
  // Only the wrong policy is enabled, so any copy could only come from it.
  const disabled = await harborWebhookPolicyProvider.update!(policy.id, policy.outs, policyInputs({ enabled: false }));
  policy = { id: policy.id, outs: disabled.outs as HarborWebhookPolicyOutputs };
  const wrong = await harborWebhookPolicyProvider.create!(policyInputs({ name: "wrong-secret", secret: "not-the-watchers-secret-0000" }));
  const refusedBefore = metricValue(await watcher.metrics(), 'registry_dr_events_total{sender="harbor",outcome="refused"}') ?? 0;

  const pushed = await pushSmallImage(harborV2(), `${PROJECT}/app:3.0`, undefined, "harbor-3");
  await until(
    () => harbor.webhookDeliveries().some((each) => each.policyId === Number(wrong.id)),
    20_000,
    () => `the wrong policy never delivered; deliveries: ${JSON.stringify(harbor.webhookDeliveries())}`,
  );
  const deliveries = harbor.webhookDeliveries().filter((each) => (each.payload as any).event_data?.resources?.[0]?.tag === "3.0");
  assert.deepEqual(
    deliveries.map((each) => [each.policyId, each.status]),
    [[Number(wrong.id), 401]],
    "the disabled policy sent nothing; the wrong one was refused",
  );
  assert.ok((metricValue(await watcher.metrics(), 'registry_dr_events_total{sender="harbor",outcome="refused"}') ?? 0) > refusedBefore);
  assert.match(watcher.log(), /refused an event request to \/events\/harbor/);
  assert.doesNotMatch(watcher.log(), /not-the-watchers-secret/);
  await new Promise((done) => setTimeout(done, 500));
  assert.equal(await standbyDigest("3.0"), undefined, `${pushed.ref} must not be copied`);
  assert.deepEqual(harbor.violations(), []);
  await harborWebhookPolicyProvider.delete!(wrong.id, wrong.outs);
});

test("a deletion in Harbor fires DELETE_ARTIFACT naming the tag it had; the watcher keeps copies unless told to follow", async () => {
  const enabled = await harborWebhookPolicyProvider.update!(
    policy.id,
    policy.outs,
    policyInputs({ enabled: true, eventTypes: ["PUSH_ARTIFACT", "DELETE_ARTIFACT"] }),
  );
  policy = { id: policy.id, outs: enabled.outs as HarborWebhookPolicyOutputs };
  const pushed = await pushSmallImage(harborV2(), `${PROJECT}/app:4.0`, undefined, "harbor-4");
  await until(
    async () => (await standbyDigest("4.0")) === pushed.digest,
    20_000,
    () => `${PROJECT}/app:4.0 never reached the standby; log:\n${watcher.log()}`,
  );
  const deleted = await fetch(`${harbor.url}/v2/${PROJECT}/app/manifests/${pushed.digest}`, { method: "DELETE" });
  assert.equal(deleted.status, 202);
  const isDeletion = (each: { eventType: string }) => each.eventType === "DELETE_ARTIFACT";
  await until(
    () => harbor.webhookDeliveries().some(isDeletion),
    20_000,
    () => `no deletion was delivered; deliveries: ${JSON.stringify(harbor.webhookDeliveries())}`,
  );
  const delivery = harbor.webhookDeliveries().find(isDeletion)!;
  assert.equal(delivery.status, 202);
  assert.equal((delivery.payload as any).type, "DELETE_ARTIFACT");
  assert.deepEqual((delivery.payload as any).event_data.resources, [{ digest: pushed.digest, tag: "4.0", resource_url: `${harbor.host}/${PROJECT}/app:4.0` }]);
  assert.equal(await standbyDigest("4.0"), pushed.digest, "the watcher keeps copies unless --follow-deletions");
});
