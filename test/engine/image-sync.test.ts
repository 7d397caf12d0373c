import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { RegistryHttp } from "../support/registry-http";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * ImageSync in a user's own stack, run by the real Pulumi engine from preview to destroy. Each
 * step is a command a user types; the registries are real, and what they hold is the oracle.
 */

const SOURCE = { username: "robot$dr", password: "harbor-engine-Pa55w0rd" };
const STANDBY = { username: "acr_pusher@1938562138124787", password: "acr-engine-Pa55w0rd" };

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { ImageSync } = require("registry-dr");
const config = new pulumi.Config();
const source = config.require("source");
const standby = config.require("standby");
const images = {};
for (const tag of config.requireObject("tags")) images[source + "/library/nginx:" + tag] = "";
const sync = new ImageSync("nginx-to-standby", {
  auth: {
    [source]: { username: config.require("sourceUser"), password: config.requireSecret("sourcePassword"), insecure: true },
    [standby]: { username: config.require("standbyUser"), password: config.requireSecret("standbyPassword"), insecure: true },
  },
  images,
  registry: standby,
  namespace: "dr",
  retainOnDelete: false,
});
exports.counts = sync.summary.apply((summary) => summary.counts);
exports.images = sync.summary.apply((summary) => summary.images.map((image) => image.destination + " " + image.status));
`;

let source: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
let pushed: Record<string, SmallImage>;

before(async () => {
  [source, standby] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { [SOURCE.username]: SOURCE.password } } }),
    startRegistry({ auth: { kind: "htpasswd", users: { [STANDBY.username]: STANDBY.password } } }),
  ]);
  const creds = `${SOURCE.username}:${SOURCE.password}`;
  pushed = {
    "1.0": await pushSmallImage(source, "library/nginx:1.0", creds, "1.0"),
    "1.1": await pushSmallImage(source, "library/nginx:1.1", creds, "1.1"),
  };
  stack = await UserStack.create("image-sync", {
    program: PROGRAM,
    config: { source: source.host, standby: standby.host, sourceUser: SOURCE.username, standbyUser: STANDBY.username, tags: '["1.0"]' },
    secrets: { sourcePassword: SOURCE.password, standbyPassword: STANDBY.password },
  });
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([source?.stop(), standby?.stop()]);
});

const standbyCreds = `${STANDBY.username}:${STANDBY.password}`;
const standbyDigest = (tag: string) => manifestDigest(`docker://${standby.host}/dr/nginx:${tag}`, standbyCreds).catch(() => undefined);
const transcript: CommandResult[] = [];

test("preview plans the copy and copies nothing; up copies; a second preview finds nothing to change", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "registry-dr:ImageSync", "nginx-to-standby"));
  assert.equal(await standbyDigest("1.0"), undefined, "a preview copies nothing");

  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  assert.deepEqual((await stack.outputs()).counts, { synced: 1, skipped: 0, failed: 0 });

  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("a tag added to the config shows in the preview's diff, and up copies it", async () => {
  await stack.must(["config", "set", "tags", '["1.0","1.1"]']);
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("update", "registry-dr:ImageSync", "nginx-to-standby"));
  assert.match(preview.stdout, /library\/nginx:1\.1/, `the preview names the added image:\n${preview.stdout}`);
  assert.match(outputText(preview), /would copy .*library\/nginx:1\.1 -> .*\/dr\/nginx:1\.1: missing/, "and says it would copy it");
  assert.equal(await standbyDigest("1.1"), undefined);

  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.1"), pushed["1.1"].digest);
});

test("an image deleted by hand: preview shows the pending copy, refresh records it missing, up copies it back", async () => {
  const http = new RegistryHttp(standby, standbyCreds);
  const deleted = await http.request("DELETE", `/v2/dr/nginx/manifests/${pushed["1.0"].digest}`, "repository:dr/nginx:pull,push,delete");
  assert.equal(deleted.status, 202);

  const preview = await stack.preview("--expect-no-changes");
  transcript.push(preview);
  assert.notEqual(preview.code, 0, "the missing copy is a pending change");
  assert.match(outputText(preview), /nginx:1\.0.*missing/);

  const unchecked = await stack.previewWithoutChecks("--expect-no-changes");
  assert.equal(unchecked.code, 0, `without preview checks, only the inputs count:\n${outputText(unchecked)}`);

  transcript.push(await stack.must(["refresh", "--yes", "--skip-preview"]));
  const { summary } = (await stack.resourceOutputs("nginx-to-standby")) as { summary: { images: { destination: string; status: string }[] } };
  const lost = summary.images.find((image) => image.destination.endsWith("/dr/nginx:1.0"));
  assert.equal(lost?.status, "missing", `refresh records the copy as missing: ${JSON.stringify(summary.images)}`);

  transcript.push(await stack.up());
  assert.equal(await standbyDigest("1.0"), pushed["1.0"].digest);
  const settled = await stack.preview("--expect-no-changes");
  assert.equal(settled.code, 0, outputText(settled));
});

test("no password in plain text in the state or in anything the CLI printed", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [SOURCE.password, STANDBY.password], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [SOURCE.password, STANDBY.password], "the CLI's output");
  assert.match(state, /"ciphertext"/, "the credentials are stored encrypted");
});

test("destroy removes the copies it made (retainOnDelete: false), checked at the standby registry", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.equal(await standbyDigest("1.0"), undefined);
  assert.equal(await standbyDigest("1.1"), undefined);
  const state = JSON.parse(await stack.exportedState()) as { deployment: { resources?: unknown[] } };
  assert.equal(state.deployment.resources?.length ?? 0, 0, "nothing left in state");
});
