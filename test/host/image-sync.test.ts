import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { ImageSync } from "../../provider/resources";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { CapturedResource, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver, UNKNOWN } from "../support/provider-host";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * ImageSync through the real dynamic-provider host, serialized as `pulumi up` stores it:
 * check, create, diff, update, read, delete, and secrets nowhere in plain text.
 */

const HARBOR = { username: "robot$dr", password: "harbor-secret-Pa55" };
const ACR = { username: "acr_pusher@1938562138124787", password: "acr-secret-Pa55" };
const SECRETS = [HARBOR.password, ACR.password];

let harbor: RegistryServer;
let acr: RegistryServer;
let host: ProviderHost;
let captured: CapturedResource;
let driver: ResourceDriver;
let images: Record<string, SmallImage>;

before(async () => {
  [harbor, acr] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { [HARBOR.username]: HARBOR.password } } }),
    startRegistry({ auth: { kind: "htpasswd", users: { [ACR.username]: ACR.password } } }),
  ]);
  const creds = `${HARBOR.username}:${HARBOR.password}`;
  images = { "1.0": await pushSmallImage(harbor, "library/nginx:1.0", creds, "1.0"), "1.1": await pushSmallImage(harbor, "library/nginx:1.1", creds, "1.1") };
  const [resource] = await captureImageSync();
  captured = resource;
  host = await ProviderHost.start();
  // The engine always configures a provider first; this stack has no alicloud config.
  await host.configure({});
  driver = host.resource(captured);
});
after(async () => Promise.all([host?.stop(), harbor?.stop(), acr?.stop()]));

async function captureImageSync(): Promise<CapturedResource[]> {
  const { captureResources } = await import("../support/provider-host");
  return captureResources(
    () =>
      new ImageSync("nginx-to-acr", {
        auth: {
          [harbor.host]: { username: HARBOR.username, password: pulumi.secret(HARBOR.password), insecure: true },
          [acr.host]: { username: ACR.username, password: pulumi.secret(ACR.password) },
        },
        images: { [`${harbor.host}/library/nginx`]: "" },
        registry: acr.host,
        namespace: "image-syncer",
      }),
  );
}

const plainInputs = (overrides: Record<string, unknown> = {}) => driver.inputs(overrides);

const acrRef = (tag: string) => `docker://${acr.host}/image-syncer/nginx:${tag}`;
const acrCreds = `${ACR.username}:${ACR.password}`;

test("the type token, a secret auth input, and a serialized provider without secrets", () => {
  assert.equal(captured.type, "pulumi-nodejs:dynamic/registry-dr:ImageSync");
  assert.ok(isSecretValue(captured.inputs.auth), "auth is registered as a secret, so state holds it encrypted");
  assert.ok(captured.providerText.includes("exports.handler"), "a serialized provider module");
  assert.ok(captured.providerText.length < 10_000, "only the loader shim is serialized, not the engine");
  assert.deepEqual(findSecretLeaks(SECRETS, { providerText: captured.providerText }), []);
});

test("check names the property and what is expected; unknown values pass", async () => {
  const bad = await driver.check(
    plainInputs({
      images: { [`${harbor.host}/library/nginx`]: 3, "h.io/Bad": "x.io/a" },
      proc: 0,
      extra: true,
      auth: { [harbor.host]: { username: "u", password: 5 } },
    }),
  );
  const byProperty = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
  assert.match(byProperty[`images["${harbor.host}/library/nginx"]`], /expected a destination string/);
  assert.match(byProperty[`auth["${harbor.host}"].password`], /expected a string/);
  assert.match(byProperty.proc, /expected a whole number from 1 to 256/);
  assert.match(byProperty.extra, /unknown property/);
  const rule = await driver.check(plainInputs({ images: { "h.io/Bad": "x.io/a" } }));
  assert.deepEqual(
    rule.failures.map((f) => f.property),
    ['images["h.io/Bad"]'],
  );
  assert.match(rule.failures[0].reason, /repository "Bad" is not valid/);
  // Beyond Node's longest timer a deadline would fire at once and abort the run after 1 ms: refused before anything runs.
  const beyond = await driver.check(plainInputs({ timeoutSeconds: 2_500_000, proc: 257 }));
  const beyondByProperty = Object.fromEntries(beyond.failures.map((f) => [f.property, f.reason]));
  assert.deepEqual(Object.keys(beyondByProperty).sort(), ["proc", "timeoutSeconds"]);
  assert.match(beyondByProperty.timeoutSeconds, /expected a whole number of seconds from 1 to 2147483 \(at most 24 days/);
  assert.match(beyondByProperty.proc, /expected a whole number from 1 to 256/);
  assert.deepEqual((await driver.check(plainInputs({ timeoutSeconds: 2_147_483, proc: 256 }))).failures, []);
  const preview = await driver.check(plainInputs({ images: UNKNOWN, registry: UNKNOWN }));
  assert.deepEqual(preview.failures, []);
});

let id: string;
let outputs: Record<string, unknown>;

test("create copies every tag, reports a versioned summary, and leaks no secret", async () => {
  const created = await driver.create(plainInputs());
  id = created.id;
  outputs = created.outputs;
  for (const tag of ["1.0", "1.1"]) assert.equal(await manifestDigest(acrRef(tag), acrCreds), images[tag].digest);
  const summary = outputs.summary as {
    schemaVersion: number;
    counts: Record<string, number>;
    images: { destination: string; digest: string }[];
    syncedAt: string;
  };
  assert.equal(summary.schemaVersion, 1);
  assert.deepEqual(summary.counts, { synced: 2, skipped: 0, failed: 0 });
  assert.deepEqual(summary.images.map((i) => [i.destination, i.digest]).sort(), [
    [`${acr.host}/image-syncer/nginx:1.0`, images["1.0"].digest],
    [`${acr.host}/image-syncer/nginx:1.1`, images["1.1"].digest],
  ]);
  assert.ok(!Number.isNaN(Date.parse(summary.syncedAt)));
  assert.match(host.output(), /synced {2}.*library\/nginx:1\.0 -> .*image-syncer\/nginx:1\.0/);
  assert.deepEqual(findSecretLeaks(SECRETS, { outputs, secretOutputs: ["auth"], hostOutput: host.output() }), []);
});

test("diff: no change while in sync; a change once the source has a new tag; update copies it", async () => {
  assert.equal((await driver.diff(id, outputs, plainInputs())).changes, "none");
  const added = await pushSmallImage(harbor, "library/nginx:1.2", `${HARBOR.username}:${HARBOR.password}`, "1.2");
  assert.equal((await driver.diff(id, outputs, plainInputs())).changes, "some");
  assert.match(host.output(), /stale {3}.*nginx:1\.2 .*missing/);
  const updated = await driver.update(id, outputs, plainInputs());
  outputs = updated.outputs;
  assert.equal(await manifestDigest(acrRef("1.2"), acrCreds), added.digest);
  assert.deepEqual((outputs.summary as { counts: object }).counts, { synced: 1, skipped: 2, failed: 0 });
  assert.equal((await driver.diff(id, outputs, plainInputs())).changes, "none");
});

test("diff: changed rules are an update, never a replacement; unknown rules in a preview are a change", async () => {
  const changed = await driver.diff(id, outputs, plainInputs({ namespace: "other" }));
  assert.deepEqual(changed, { changes: "some", replaces: [] });
  assert.equal((await driver.diff(id, outputs, plainInputs({ images: UNKNOWN }))).changes, "some");
});

test("read reflects a destination tag deleted outside Pulumi", async () => {
  const response = await fetch(`${acr.url}/v2/image-syncer/nginx/manifests/${images["1.0"].digest}`, {
    method: "DELETE",
    headers: { authorization: `Basic ${Buffer.from(acrCreds).toString("base64")}` },
  });
  assert.equal(response.status, 202);
  const read = await driver.read(id, outputs);
  const rows = (read.outputs.summary as { images: { destination: string; status: string }[] }).images;
  assert.equal(rows.find((row) => row.destination.endsWith(":1.0"))?.status, "missing");
  assert.equal(rows.find((row) => row.destination.endsWith(":1.1"))?.status, "present");
  outputs = (await driver.update(id, read.outputs, plainInputs())).outputs;
});

test("a failed image fails the operation with the list, and keeps the resource in state", async () => {
  const broken = plainInputs({ images: { [`${harbor.host}/library/nginx:1.0,absent`]: `${acr.host}/partial/nginx` } });
  await assert.rejects(driver.create(broken), (error: Error & { initFailure?: { id: string; properties: Record<string, unknown>; reasons: string[] } }) => {
    assert.match(error.message, /1 of 2 image\(s\) failed to sync/);
    assert.match(error.message, /nginx:absent -> .*: .*not found/);
    assert.ok(error.initFailure?.id.startsWith("imagesync-"), "the partially created resource is tracked");
    assert.equal(error.initFailure?.reasons.length, 1);
    assert.deepEqual(
      findSecretLeaks(SECRETS, { outputs: error.initFailure?.properties, secretOutputs: ["auth"], hostOutput: host.output() + error.message }),
      [],
    );
    return true;
  });
});

test("delete keeps the copies unless retainOnDelete is false", async () => {
  await driver.delete(id, outputs);
  assert.equal(await manifestDigest(acrRef("1.1"), acrCreds), images["1.1"].digest);
  await driver.delete(id, { ...outputs, retainOnDelete: false });
  const gone = await fetch(`${acr.url}/v2/image-syncer/nginx/manifests/${images["1.1"].digest}`, {
    method: "HEAD",
    headers: { authorization: `Basic ${Buffer.from(acrCreds).toString("base64")}` },
  });
  assert.equal(gone.status, 404);
});
