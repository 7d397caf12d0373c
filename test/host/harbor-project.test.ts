import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HarborProject } from "../../provider/resources/harbor/harbor-project";
import { makeLeafCert, makeTestCa } from "../support/certs";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { captureResources, findSecretLeaks, isSecretValue, ProviderHost, ResourceDriver, UNKNOWN } from "../support/provider-host";

/** HarborProject through the real provider host, against the Harbor stand-in. */

const PASSWORD = "Harbor12345-project-test";

let harbor: HarborStandIn;
let host: ProviderHost;
let driver: ResourceDriver;
let viaConfig: ResourceDriver;

before(async () => {
  harbor = await startHarborStandIn({ adminPassword: PASSWORD });
  const connection = { url: harbor.url, username: "admin", password: pulumi.secret(PASSWORD), insecure: true };
  const captured = await captureResources(() => [
    new HarborProject("dr-source", { name: "dr-source", public: false, storageLimit: 10 * 1024 ** 3, harbor: connection }),
    new HarborProject("library", { name: "library", adopt: true }),
  ]);
  // Registration order is not construction order: pick each by name.
  const withInput = captured.find((resource) => resource.name === "dr-source")!;
  const withConfig = captured.find((resource) => resource.name === "library")!;
  host = await ProviderHost.start();
  await host.configure({ "registry-dr:harborUrl": harbor.url, "registry-dr:harborUsername": "admin", "registry-dr:harborPassword": PASSWORD });
  driver = host.resource(withInput);
  viaConfig = host.resource(withConfig);
});
after(async () => Promise.all([host?.stop(), harbor?.stop()]));

/** The stand-in's view of a project, read straight from its API. */
async function harborProject(name: string): Promise<{ project_id: number; metadata?: { public?: string }; repo_count?: number } | undefined> {
  const response = await fetch(`${harbor.url}/api/v2.0/projects/${name}`, {
    headers: { authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`, "x-is-resource-name": "true" },
  });
  return response.status === 200 ? ((await response.json()) as { project_id: number; metadata?: { public?: string }; repo_count?: number }) : undefined;
}

let outputs: Record<string, unknown>;

test("check names the property; the connection is a secret input and never serialized", async () => {
  const inputs = driver.captured.inputs;
  assert.equal(driver.captured.type, "pulumi-nodejs:dynamic/harbor:HarborProject");
  assert.ok(isSecretValue(inputs.harbor), "the harbor connection is registered as a secret");
  const bad = await driver.check(driver.inputs({ name: "Bad Name", storageLimit: -5, publik: true }));
  const byProperty = Object.fromEntries(bad.failures.map((f) => [f.property, f.reason]));
  assert.match(byProperty.name, /lower-case letters, digits/);
  assert.match(byProperty.storageLimit, /bytes, or -1/);
  assert.match(byProperty.publik, /unknown property/);
  assert.deepEqual((await driver.check(driver.inputs({ name: UNKNOWN }))).failures, []);
  const noConnection = await host.resource({ ...driver.captured }).check({ name: "x" });
  assert.deepEqual(noConnection.failures, [], "the stack config supplies the connection");
  assert.deepEqual(findSecretLeaks([PASSWORD], { providerText: driver.captured.providerText }), []);
});

test("create makes the project with its settings; diff is quiet until something changes", async () => {
  const created = await driver.create(driver.inputs());
  outputs = created.outputs;
  assert.equal(created.id, "dr-source");
  const project = await harborProject("dr-source");
  assert.equal(project?.metadata?.public, "false");
  assert.equal(outputs.projectId, project?.project_id);
  assert.equal(outputs.adopted, false);
  assert.equal(outputs.storageLimit, 10 * 1024 ** 3);
  assert.deepEqual(await driver.diff(created.id, outputs, driver.inputs()), { changes: "none", replaces: [] });
  assert.deepEqual(await driver.diff(created.id, outputs, driver.inputs({ public: true })), { changes: "some", replaces: [] });
  assert.deepEqual(await driver.diff(created.id, outputs, driver.inputs({ name: "renamed" })), { changes: "some", replaces: ["name"] });
  assert.deepEqual(findSecretLeaks([PASSWORD], { outputs, secretOutputs: ["harbor"], hostOutput: host.output() }), []);
});

test("an existing project is a conflict unless adopted; an adopted one survives delete", async () => {
  await assert.rejects(driver.create(driver.inputs({ name: "library" })), /Harbor project "library" already exists .*set adopt: true/);
  const adopted = await viaConfig.create(viaConfig.inputs());
  assert.equal(adopted.outputs.adopted, true);
  // public and storageLimit are left out: a refresh must not fill in Harbor's defaults.
  const refreshed = await viaConfig.read(adopted.id, adopted.outputs);
  assert.deepEqual(
    await viaConfig.diff(adopted.id, refreshed.outputs, viaConfig.inputs()),
    { changes: "none", replaces: [] },
    "no perpetual diff after a refresh",
  );
  await viaConfig.delete(adopted.id, adopted.outputs);
  assert.ok(await harborProject("library"), "an adopted project is left in Harbor");
});

test("update applies settings; read shows changes made in Harbor; import by name", async () => {
  outputs = (await driver.update("dr-source", outputs, driver.inputs({ public: true }))).outputs;
  assert.equal((await harborProject("dr-source"))?.metadata?.public, "true");
  const put = await fetch(`${harbor.url}/api/v2.0/projects/dr-source`, {
    method: "PUT",
    headers: {
      authorization: `Basic ${Buffer.from(`admin:${PASSWORD}`).toString("base64")}`,
      "x-is-resource-name": "true",
      "content-type": "application/json",
    },
    body: JSON.stringify({ metadata: { public: "false" } }),
  });
  assert.equal(put.status, 200);
  const read = await driver.read("dr-source", outputs);
  assert.equal(read.outputs.public, false, "refresh sees the change made in Harbor's UI");
  const imported = await viaConfig.read("dr-source", {});
  assert.equal(imported.id, "dr-source");
  assert.equal(imported.outputs.projectId, outputs.projectId);
  assert.equal(imported.outputs.storageLimit, 10 * 1024 ** 3);
  const gone = await viaConfig.read("no-such-project", {});
  assert.equal(gone.id, "", "a project deleted outside Pulumi reads as gone");
});

test("refresh and destroy log in with the stack config's password for the same Harbor; a refused stored one says where the current one goes", async () => {
  const stale = { ...outputs, harbor: { url: harbor.url, username: "admin", password: "Stale-Password-0", insecure: true } };
  // This host's config names the same Harbor: its password wins over the stale one in state.
  assert.equal((await driver.read("dr-source", stale)).id, "dr-source");
  // A run whose config names no Harbor has only what state holds.
  const bare = await ProviderHost.start();
  try {
    await bare.configure({});
    const stored = bare.resource(driver.captured);
    await assert.rejects(
      stored.read("dr-source", stale),
      /refused admin's password\. Refresh and destroy log in with the stack config's registry-dr:harborUsername and registry-dr:harborPassword when registry-dr:harborUrl names this Harbor/,
    );
    await assert.rejects(stored.delete("dr-source", stale), /refused admin's password/);
    assert.ok(await harborProject("dr-source"), "nothing deleted");
    assert.deepEqual(findSecretLeaks([PASSWORD, "Stale-Password-0"], { hostOutput: bare.output() }), []);
  } finally {
    await bare.stop();
  }
});

test("delete of a project holding repositories says what holds it; an empty one is deleted", async () => {
  await pushSmallImage(harbor.registry, "dr-source/nginx:1.0");
  await assert.rejects(driver.delete("dr-source", outputs), /Harbor project "dr-source" cannot be deleted: it still holds 1 repositories/);
  const empty = await driver.create(driver.inputs({ name: "scratch" }));
  await driver.delete(empty.id, empty.outputs);
  assert.equal(await harborProject("scratch"), undefined);
  assert.equal(harbor.violations().length, 0, harbor.violations().join("\n"));
  assert.deepEqual(findSecretLeaks([PASSWORD], { hostOutput: host.output() }), []);
});

test("a private Harbor with an internal CA: caFile in the connection, never insecure; a bad file is named in check", async () => {
  const dir = makeTempDir("harbor-project-ca-");
  const ca = await makeTestCa(dir, "harbor project CA");
  const certificate = await makeLeafCert(dir, ca, { commonName: "harbor-project-tls", ipAddresses: ["127.0.0.1"] });
  const tlsHarbor = await startHarborStandIn({ adminPassword: PASSWORD, tls: certificate });
  try {
    const connection = { url: tlsHarbor.url, username: "admin", password: pulumi.secret(PASSWORD), caFile: ca.certPath };
    const [captured] = await captureResources(() => new HarborProject("private", { name: "private", harbor: connection }));
    const tls = host.resource(captured);
    const missing = await tls.check(tls.inputs({ harbor: { ...connection, password: PASSWORD, caFile: `${dir}/no-such-ca.pem` } }));
    assert.deepEqual(
      missing.failures.map((failure) => failure.property),
      ["harbor.caFile"],
    );
    assert.match(missing.failures[0].reason, /no-such-ca\.pem" \(ENOENT\): expected a PEM file/);
    const untrusted = tls.inputs({ harbor: { url: tlsHarbor.url, username: "admin", password: PASSWORD } });
    await assert.rejects(tls.create(untrusted), /not trusted.*"caFile" \(a PEM file\).*--cert-dir/);
    assert.deepEqual((await tls.check(tls.inputs())).failures, []);
    const created = await tls.create(tls.inputs());
    assert.equal(created.id, "private");
    assert.equal((await tls.read(created.id, created.outputs)).id, "private");
    await tls.delete(created.id, created.outputs);
    assert.deepEqual(tlsHarbor.violations(), []);
  } finally {
    await tlsHarbor.stop();
    await removeTempDir(dir);
  }
});
