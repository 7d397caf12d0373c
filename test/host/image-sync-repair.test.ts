import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { ImageSync } from "../../provider/resources";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { captureResources, ProviderHost, ResourceDriver } from "../support/provider-host";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { skopeoCopy } from "../support/skopeo";

/**
 * ImageSync `repair: true` through the real dynamic-provider host: a destination layer
 * deleted outside Pulumi leaves the tag's digest right but the image unpullable; with
 * repair on, the preview sees it and the update re-copies the layer.
 */

let source: RegistryServer;
let destination: RegistryServer;
let host: ProviderHost;
let driver: ResourceDriver;
let image: SmallImage;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  image = await pushSmallImage(source, "library/nginx:1.0");
  const [captured] = await captureResources(() => new ImageSync("nginx-dr", { images: { [`${source.host}/library/nginx`]: `${destination.host}/dr/nginx` } }));
  host = await ProviderHost.start();
  await host.configure({});
  driver = host.resource(captured);
});
after(async () => Promise.all([host?.stop(), source?.stop(), destination?.stop()]));

test("repair: true finds a layer deleted at the destination in the preview and re-copies it in the update", async () => {
  const created = await driver.create(driver.inputs());
  const layer = image.blobs.find((blob) => blob.size > 50 * 1024)!.digest;
  const deleted = await fetch(`${destination.url}/v2/dr/nginx/blobs/${layer}`, { method: "DELETE" });
  assert.equal(deleted.status, 202);

  assert.equal((await driver.diff(created.id, created.outputs, driver.inputs())).changes, "none", "without repair the preview stays as cheap as before");
  const withRepair = driver.inputs({ repair: true });
  const olds = { ...created.outputs, repair: true };
  assert.equal((await driver.diff(created.id, olds, withRepair)).changes, "some", "with repair the preview sees the missing layer");
  assert.match(host.output(), /stale {3}.*dr\/nginx:1\.0: incomplete/);

  const updated = await driver.update(created.id, olds, withRepair);
  assert.deepEqual((updated.outputs.summary as { counts: object }).counts, { synced: 1, skipped: 0, failed: 0 });
  assert.equal((await driver.diff(created.id, updated.outputs, withRepair)).changes, "none");
  await skopeoCopy(`docker://${destination.host}/dr/nginx:1.0`, `dir:${join(mkdtempSync(join(tmpdir(), "registry-dr-repair-")), "image")}`);
});
