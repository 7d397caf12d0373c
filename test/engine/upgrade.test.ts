import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { makeTempDir, removeTempDir } from "../support/processes";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { packRelease, RELEASE_0_1_0 } from "./support/previous-release";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * An upgrade as a user does it: a stack created with registry-dr 0.1.0 (packed from this
 * repository's history), then `npm install` of the new package, and `pulumi refresh`, `up` and
 * `destroy` on the state 0.1.0 wrote. The registries are the oracle.
 */

const STANDBY = { username: "acr_pusher@1938562138124787", password: "acr-upgrade-Pa55w0rd" };

// Written against 0.1.0's API, which the new release must still run.
const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageSync } = require("registry-dr");
const config = new pulumi.Config();
const source = config.require("source");
const standby = config.require("standby");
const images = {};
for (const tag of config.requireObject("tags")) images[source + "/library/nginx:" + tag] = standby + "/copy/nginx";
const sync = new ImageSync("nginx-copy", {
  auth: { [standby]: { username: config.require("standbyUser"), password: config.requireSecret("standbyPassword"), insecure: true } },
  images,
  retainOnDelete: false,
});
exports.counts = sync.summary.apply((summary) => summary.counts);
`;

let workDir: string;
let source: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
const pushed: Record<string, SmallImage> = {};
const transcript: CommandResult[] = [];
const text = (...results: CommandResult[]) => results.map((result) => `${result.stdout}\n${result.stderr}`).join("\n");
const standbyCreds = `${STANDBY.username}:${STANDBY.password}`;
const standbyDigest = (tag: string) => manifestDigest(`docker://${standby.host}/copy/nginx:${tag}`, standbyCreds).catch(() => undefined);

before(async () => {
  workDir = makeTempDir("engine-release");
  const [tarball, sourceRegistry, standbyRegistry] = await Promise.all([
    packRelease(RELEASE_0_1_0, workDir),
    startRegistry(),
    startRegistry({ auth: { kind: "htpasswd", users: { [STANDBY.username]: STANDBY.password } } }),
  ]);
  [source, standby] = [sourceRegistry, standbyRegistry];
  for (const tag of ["1.0", "1.1"]) pushed[tag] = await pushSmallImage(source, `library/nginx:${tag}`, undefined, tag);
  stack = await UserStack.create("upgrade", {
    program: PROGRAM,
    registryDr: tarball,
    config: { source: source.host, standby: standby.host, standbyUser: STANDBY.username, tags: '["1.0"]' },
    secrets: { standbyPassword: STANDBY.password },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  if (workDir) await removeTempDir(workDir);
  await Promise.all([source?.stop(), standby?.stop()]);
});

/** The provider shim state holds for the ImageSync: which module of registry-dr it loads. */
async function stateProvider(): Promise<string> {
  return String((await stack.resourceOutputs("nginx-copy")).__provider ?? "");
}

test("0.1.0 creates the stack: up copies, and state names 0.1.0's provider module", async () => {
  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  assert.match(await stateProvider(), /modulePath: "dist\/provider\/resources\/image-sync\.js"/, "the state is 0.1.0's");
});

test("after npm install of the new package, refresh reads 0.1.0's state and a preview finds nothing to change", async () => {
  await stack.install();
  const refresh = await stack.must(["refresh", "--yes", "--skip-preview"]);
  transcript.push(refresh);
  const { summary } = (await stack.resourceOutputs("nginx-copy")) as { summary: { schemaVersion: number; images: { destination: string; status: string }[] } };
  assert.equal(summary.schemaVersion, 1);
  assert.deepEqual(
    summary.images.map(({ destination, status }) => [destination, status]),
    [[`${standby.host}/copy/nginx:1.0`, "present"]],
  );

  const preview = await stack.preview("--expect-no-changes");
  transcript.push(preview);
  assert.equal(preview.code, 0, `the upgrade alone shows a change:\n${text(preview)}`);
});

test("an update with the new package: the added tag shows in the preview, up copies it and rewrites state with the new provider entry", async () => {
  await stack.must(["config", "set", "tags", '["1.0","1.1"]']);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, text(preview));
  assert.match(preview.stdout, stepPattern("update", "registry-dr:ImageSync", "nginx-copy"));
  assert.match(preview.stdout, /library\/nginx:1\.1/);

  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.1"), pushed["1.1"].digest);
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  assert.doesNotMatch(await stateProvider(), /dist\/provider\/resources/, "state now names the new release's stable entry");
});

test("the password is in plain text neither in the upgraded state nor in anything the CLI printed", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [STANDBY.password], "pulumi stack export");
  assertNoPlainSecrets(text(...transcript), [STANDBY.password], "the CLI's output");
});

test("destroy with the new package removes the copies (retainOnDelete: false) and leaves no state", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.equal(await standbyDigest("1.0"), undefined);
  assert.equal(await standbyDigest("1.1"), undefined);
  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: unknown[] } };
  assert.equal(state.deployment.resources?.length ?? 0, 0);
});
