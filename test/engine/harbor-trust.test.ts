import assert from "node:assert/strict";
import { copyFileSync } from "node:fs";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { HarborConnection, withHarbor } from "../../provider/clients/harbor";
import { makeLeafCert, makeTestCa, TestCa } from "../support/certs";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { makeTempDir, removeTempDir } from "../support/processes";
import { assertNoPlainSecrets } from "./support/secrets";
import { CommandResult, outputText, removePackedTarball, stepPattern, UserStack } from "./support/user-stack";

/**
 * A private Harbor whose API certificate comes from an internal CA, in a user's own stack under
 * the real Pulumi engine: one project reaches Harbor through the stack config
 * (`registry-dr:harborCaFile`, a path beside the stack's files as the README shows), the other
 * through its own `harbor` input with `caFile`. Preview, up, refresh and destroy all verify
 * Harbor's certificate: nothing sets `insecure`.
 */

const ADMIN_PASSWORD = "Harbor-Trust-Engine-7k";

const PROGRAM = `
const pulumi = require("@pulumi/pulumi");
const { HarborProject } = require("registry-dr");
const config = new pulumi.Config();
// Harbor from the stack's registry-dr:harbor* config, its CA included.
new HarborProject("via-config", { name: "trusted-by-config", public: false });
// Harbor from the resource's own connection, its CA as caFile.
new HarborProject("via-input", {
  name: "trusted-by-input",
  public: false,
  harbor: { url: config.require("harborUrl"), username: "admin", password: config.requireSecret("harborPassword"), caFile: config.require("caFile") },
});
`;

let dir: string;
let ca: TestCa;
let harbor: HarborStandIn;
let stack: UserStack;
const transcript: CommandResult[] = [];

before(async () => {
  dir = makeTempDir("engine-harbor-trust-");
  ca = await makeTestCa(dir, "harbor internal CA");
  const certificate = await makeLeafCert(dir, ca, { commonName: "harbor.dr.test", dnsNames: ["harbor.dr.test"], ipAddresses: ["127.0.0.1"] });
  harbor = await startHarborStandIn({ adminPassword: ADMIN_PASSWORD, tls: certificate });
  assert.match(harbor.url, /^https:\/\//, "Harbor's API is served over TLS");
  stack = await UserStack.create("harbor-trust", {
    program: PROGRAM,
    config: {
      "registry-dr:harborUrl": harbor.url,
      "registry-dr:harborUsername": "admin",
      "registry-dr:harborCaFile": "./harbor-ca.pem",
      harborUrl: harbor.url,
      caFile: ca.certPath,
    },
    secrets: { "registry-dr:harborPassword": ADMIN_PASSWORD, harborPassword: ADMIN_PASSWORD },
  });
  // The CA file a user keeps beside Pulumi.yaml, as `registry-dr:harborCaFile ./harbor-ca.pem` names it.
  copyFileSync(ca.certPath, join(stack.dir, "harbor-ca.pem"));
});

after(async () => {
  await stack?.remove();
  await removePackedTarball();
  await harbor?.stop();
  if (dir) await removeTempDir(dir);
});

/** Harbor's API as its administrator reaches it, trusting the internal CA. */
const admin = (): HarborConnection => ({ url: harbor.url, username: "admin", password: ADMIN_PASSWORD, trust: { ca: [ca.pem] } });
const projectPublic = (name: string) =>
  withHarbor(admin(), async (api) => ((await api.projects.exists(name)) ? (await api.projects.get(name)).metadata?.public === "true" : undefined));

test("preview and up reach Harbor through its internal CA, from stack config and from the resource's own connection", async () => {
  const preview = await stack.preview();
  transcript.push(preview);
  assert.equal(preview.code, 0, outputText(preview));
  assert.match(preview.stdout, stepPattern("create", "harbor:HarborProject", "via-config"));
  assert.match(preview.stdout, stepPattern("create", "harbor:HarborProject", "via-input"));

  transcript.push(await stack.up());
  assert.deepEqual([await projectPublic("trusted-by-config"), await projectPublic("trusted-by-input")], [false, false]);
  const again = await stack.preview("--expect-no-changes");
  transcript.push(again);
  assert.equal(again.code, 0, `a perpetual diff:\n${outputText(again)}`);
});

test("refresh reads both projects through the CA and records a change made by hand; up sets it back", async () => {
  await withHarbor(admin(), async (api) => {
    await api.projects.setPublic("trusted-by-config", true);
    await api.projects.setPublic("trusted-by-input", true);
  });
  transcript.push(await stack.must(["refresh", "--yes", "--skip-preview"]));
  assert.equal((await stack.resourceOutputs("via-config")).public, true, "refresh records what Harbor holds");
  assert.equal((await stack.resourceOutputs("via-input")).public, true, "refresh records what Harbor holds");

  transcript.push(await stack.up());
  assert.deepEqual([await projectPublic("trusted-by-config"), await projectPublic("trusted-by-input")], [false, false]);
});

test("the password is nowhere in plain text and nothing turned verification off", async () => {
  const state = await stack.exportedState();
  assertNoPlainSecrets(state, [ADMIN_PASSWORD], "pulumi stack export");
  assertNoPlainSecrets(outputText(...transcript), [ADMIN_PASSWORD], "the CLI's output");
  assert.doesNotMatch(state, /"insecure"\s*:\s*true/, "no resource holds insecure: true");
});

test("destroy deletes both projects through the CA, and Harbor saw no request outside its API", async () => {
  await stack.must(["destroy", "--yes", "--skip-preview"]);
  assert.deepEqual([await projectPublic("trusted-by-config"), await projectPublic("trusted-by-input")], [undefined, undefined]);
  assert.deepEqual(harbor.violations(), []);
});
