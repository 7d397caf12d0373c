import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { promisify } from "node:util";
import { parseDocument } from "yaml";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * A stack of the user's own, made from the `pulumi new` template (templates/registry-dr) as a
 * user makes it: `pulumi new <folder>`, the packed package installed, a stack named after one of
 * the template's sample stack files, that file edited to name two local registries and its
 * secrets set with `pulumi config set --secret --path`. The template's program runs unchanged.
 */

const TEMPLATE = resolve(__dirname, "../../../templates/registry-dr");
const SAMPLE = "registry-to-registry";
const READER = { username: "dr-reader", password: "Reader-Template-Secret-41" };
const PUSHER = { username: "dr-pusher", password: "Pusher-Template-Secret-97" };

let primary: RegistryServer;
let standby: RegistryServer;
let stack: UserStack;
let pushed: SmallImage;

before(async () => {
  [primary, standby] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { [READER.username]: READER.password } } }),
    startRegistry({ auth: { kind: "htpasswd", users: { [PUSHER.username]: PUSHER.password } } }),
  ]);
  pushed = await pushSmallImage(primary, "library/nginx:1.0", `${READER.username}:${READER.password}`, "template-nginx");
  await pushSmallImage(primary, "team/app/api:2.0", `${READER.username}:${READER.password}`, "template-api");
  stack = await UserStack.fromTemplate("my-registry-dr", TEMPLATE, SAMPLE);
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await Promise.all([primary?.stop(), standby?.stop()]);
});

/** The user's edit of the sample stack file: their registries in place of the sample's, comments kept. */
function editStackFile(): void {
  const file = join(stack.dir, `Pulumi.${SAMPLE}.yaml`);
  const document = parseDocument(readFileSync(file, "utf8"));
  document.setIn(["config", "registry-dr:plan", "primary", "registry"], primary.url);
  document.setIn(["config", "registry-dr:plan", "sites", "standby", "registry", "url"], standby.url);
  writeFileSync(file, document.toString());
}

test("pulumi new makes the template's project; its sample stack file checks, previews and comes up against local registries", async () => {
  for (const file of ["Pulumi.yaml", "index.ts", "package.json", `Pulumi.${SAMPLE}.yaml`])
    assert.ok(readFileSync(join(stack.dir, file), "utf8").length > 0, `pulumi new wrote ${file}`);
  assert.match(readFileSync(join(stack.dir, "Pulumi.yaml"), "utf8"), /^name: my-registry-dr$/m, "the project takes the name given to pulumi new");

  editStackFile();
  await stack.must(["config", "set", "--secret", "--path", "registry-dr:plan.primary.auth.password", READER.password]);
  await stack.must(["config", "set", "--secret", "--path", "registry-dr:plan.sites.standby.registry.password", PUSHER.password]);
  const check = await promisify(execFile)(join(stack.dir, "node_modules/.bin/registry-dr"), ["plan", "check", `Pulumi.${SAMPLE}.yaml`], { cwd: stack.dir });
  assert.match(check.stdout, /Pulumi\.registry-to-registry\.yaml: the plan is valid/, "the installed command checks the edited stack file");

  const preview = await stack.preview();
  assert.equal(preview.code, 0, outputText(preview));
  assertNoUndefinedOutputs(preview);
  assert.match(preview.stdout, stepPattern("create", "registry-dr:ImageSync", "dr-standby-sync"));
  assert.match(preview.stdout, /library\/nginx/, "the preview names what the plan protects");
  assert.equal(await manifestDigest(`docker://${standby.host}/dr/nginx:1.0`, `${PUSHER.username}:${PUSHER.password}`).catch(() => undefined), undefined);

  const up = await stack.up();
  assert.equal(await manifestDigest(`docker://${standby.host}/dr/nginx:1.0`, `${PUSHER.username}:${PUSHER.password}`), pushed.digest);
  assertNoUndefinedOutputs(up);
  const outputs = await stack.outputs();
  assert.deepEqual(Object.keys(outputs).sort(), ["activeSite", "endpoints", "readiness"], "a plan's stack exports the plan's outputs, and only those");
  assert.deepEqual(outputs.endpoints, { standby: { registry: standby.host, namespace: "dr" } });
  assertNoPlainSecrets(outputText(preview, up), [READER.password, PUSHER.password], "the CLI's output");
  assertNoPlainSecrets(await stack.exportedState(), [READER.password, PUSHER.password], "the exported state");
  const again = await stack.preview("--expect-no-changes");
  assert.equal(again.code, 0, outputText(again));
  assertNoUndefinedOutputs(again);
});

test("the template's program with the older ImageSync keys previews and comes up exporting the copy's outputs, and only those", async () => {
  // A second stack of the same project, configured as stacks were before the plan existed.
  await stack.must(["stack", "init", "image-sync-keys"]);
  await stack.must(["config", "set", "registry-dr:images", JSON.stringify({ [`${primary.host}/library/nginx:1.0`]: "" })]);
  await stack.must(["config", "set", "registry-dr:registry", standby.host]);
  await stack.must(["config", "set", "registry-dr:namespace", "legacy"]);
  const auth = { [primary.host]: { ...READER, insecure: true }, [standby.host]: { ...PUSHER, insecure: true } };
  await stack.must(["config", "set", "--secret", "registry-dr:auth", JSON.stringify(auth)]);

  const preview = await stack.preview();
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "registry-dr:ImageSync", "image-sync"));
  assertNoUndefinedOutputs(preview);
  const up = await stack.up();
  assertNoUndefinedOutputs(up);
  const outputs = await stack.outputs();
  assert.deepEqual(Object.keys(outputs).sort(), ["syncCounts", "syncedImages"], "the ImageSync keys' stack exports the copy's outputs, and only those");
  assert.deepEqual(outputs.syncCounts, { synced: 1, skipped: 0, failed: 0 });
  assert.equal(await manifestDigest(`docker://${standby.host}/legacy/nginx:1.0`, `${PUSHER.username}:${PUSHER.password}`), pushed.digest);
  assertNoPlainSecrets(outputText(preview, up), [READER.password, PUSHER.password], "the CLI's output");
  await stack.must(["destroy", "--yes", "--skip-preview"]);
});

/** Pulumi warns at every preview about an exported name whose value is undefined: the template exports none. */
function assertNoUndefinedOutputs(result: CommandResult): void {
  assert.doesNotMatch(outputText(result), /Undefined value \(\w+\) will not show as a stack output/, outputText(result));
}
