import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { runSync, runVerify } from "../../provider";
import { pushSmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * Whole projects: `registry/namespace/**` and `/*` select the repositories the registry's
 * catalog lists (followed page by page), with Harbor's tag globs.
 */

let source: RegistryServer;
let destination: RegistryServer;
const pushed: Record<string, string> = {};

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  const images = ["lib/a:1.0", "lib/a:v2", "lib/team/b:1.0", "lib/team/b:v2.1", "lib/team/deep/c:v3", "other/x:1.0", "libx/y:1.0"];
  for (const [index, ref] of images.entries()) pushed[ref] = (await pushSmallImage(source, ref, undefined, `p${index}`)).digest;
});

after(async () => {
  await Promise.all([source?.stop(), destination?.stop()]);
});

const tagsAt = (repository: string) => listTags(`docker://${destination.host}/${repository}`).catch(() => []);

test("registry/lib/** copies every repository below lib, paths kept under the destination, the catalog read page by page", async () => {
  source.clearRequests();
  const report = await runSync({ images: { [`${source.host}/lib/**`]: `${destination.host}/dr` } }, { tagPageSize: 2 });
  assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
  assert.equal(report.counts.synced, 5);
  assert.deepEqual((await tagsAt("dr/a")).sort(), ["1.0", "v2"]);
  assert.deepEqual((await tagsAt("dr/team/b")).sort(), ["1.0", "v2.1"]);
  assert.equal(await manifestDigest(`docker://${destination.host}/dr/team/deep/c:v3`), pushed["lib/team/deep/c:v3"]);
  assert.deepEqual(await tagsAt("dr/x"), [], "other namespaces stay behind");
  assert.deepEqual(await tagsAt("drx/y"), []);
  const catalogPages = source.requests().filter((r) => r.path.startsWith("/v2/_catalog"));
  assert.ok(catalogPages.length >= 3, `the catalog (7 repositories, 2 a page) was followed page by page: ${catalogPages.map((r) => r.path).join(" ")}`);
  assert.equal((await runVerify({ images: { [`${source.host}/lib/**`]: `${destination.host}/dr` } })).complete, true);
});

test("registry/lib/*:v* selects one level and Harbor's tag glob", async () => {
  const report = await runSync({ images: { [`${source.host}/lib/*:v*`]: `${destination.host}/one` } });
  assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
  assert.deepEqual(report.results.map((result) => result.destination).sort(), [`${destination.host}/one/a:v2`]);
});

test('"" destinations take --registry/--namespace and the last path component, as image-syncer names them', async () => {
  const report = await runSync({ images: { [`${source.host}/lib/team/**:{1.0,v3}`]: "" }, defaults: { registry: destination.host, namespace: "flat" } });
  assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
  assert.deepEqual(report.results.map((result) => result.destination).sort(), [`${destination.host}/flat/b:1.0`, `${destination.host}/flat/c:v3`]);
});

test("a whole-project destination with a tag is refused before anything is copied", async () => {
  await assert.rejects(
    runSync({ images: { [`${source.host}/lib/**`]: `${destination.host}/dr:latest` } }),
    /selects many repositories, so its destination is a registry and namespace, without a tag/,
  );
});

test("a Harbor that refuses its catalog to a robot: the project's repositories come from Harbor's API", async () => {
  const { startHarborStandIn } = await import("../support/harbor");
  const { withHarbor } = await import("../../provider/clients/harbor/harbor-client");
  const harbor = await startHarborStandIn({ adminPassword: "Harbor12345" });
  try {
    for (const [index, ref] of ["library/a:1.0", "library/team/b:1.0", "other/c:1.0"].entries())
      await pushSmallImage(harbor.registry, ref, undefined, `h${index}`);
    const robot = await withHarbor({ url: harbor.url, username: "admin", password: "Harbor12345" }, (api) =>
      api.robots.create({
        name: "copier",
        level: "project",
        duration: -1,
        permissions: [{ kind: "project", namespace: "library", access: [{ resource: "repository", action: "pull", effect: "allow" }] }],
      }),
    );
    const auth = { [harbor.host]: { username: robot.name, password: robot.secret } };
    const refused = await fetch(`${harbor.url}/v2/_catalog`, {
      headers: { authorization: `Basic ${Buffer.from(`${robot.name}:${robot.secret}`).toString("base64")}` },
    });
    assert.equal(refused.status, 401, "the stand-in refuses the catalog to a robot, as Harbor does");
    const report = await runSync({ auth, images: { [`${harbor.host}/library/**`]: `${destination.host}/from-harbor` } });
    assert.equal(report.counts.failed, 0, JSON.stringify(report.results));
    assert.deepEqual(report.results.map((result) => result.destination).sort(), [
      `${destination.host}/from-harbor/a:1.0`,
      `${destination.host}/from-harbor/team/b:1.0`,
    ]);
    assert.ok(harbor.requests().some((request) => request.operationId === "listRepositories"));
    assert.deepEqual(harbor.violations(), []);
  } finally {
    await harbor.stop();
  }
});
