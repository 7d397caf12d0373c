import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags, manifestDigest } from "../support/skopeo";

/**
 * image-syncer's own example files (test/fixtures/image-syncer), run unchanged through
 * `registry-dr sync` apart from their host names: quay.io, docker.io and
 * registry.cn-beijing.aliyuncs.com become local docker-registry instances with the files'
 * users. Every rule form in them (all tags, one tag, a tag list, a list of destinations,
 * a /regex/ of tags, a digest) is exercised; skopeo says what landed.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const FIXTURES = resolve(__dirname, "../../../test/fixtures/image-syncer");
/** The logins the examples give: xxx for quay.io (the destination namespace), abc for quay.io/coreos (the source). */
const QUAY_USERS = { xxx: "xxxxxxxxx", abc: "xxxxxxxxx" };
const SOURCE_TAGS = ["v1.0", "v2.0", "v1.1", "alpha"];
/** The digest images.yaml names: an image of quay.io that the local stand-in does not hold. */
const EXAMPLE_DIGEST = "sha256:14b267eb38aa85fd12d0e168fffa2d8a6187ac53a14a0212b0d4fce8d729598c";

let dockerHub: RegistryServer;
let aliyun: RegistryServer;
let dir: string;
const quays: RegistryServer[] = [];

before(async () => {
  [dockerHub, aliyun] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { xxx: "xxxxxxxxxx" } } }),
    startRegistry({ auth: { kind: "htpasswd", users: { xxx: "xxxxxxxxx" } } }),
  ]);
  dir = makeTempDir("registry-dr-image-syncer-examples-");
});
after(async () => Promise.all([dockerHub?.stop(), aliyun?.stop(), ...quays.map((quay) => quay.stop()), dir && removeTempDir(dir)]));

/** A fresh quay.io stand-in holding coreos/kube-rbac-proxy with the tags the rules pick from. */
async function startQuay(): Promise<{ quay: RegistryServer; digests: Record<string, string> }> {
  const quay = await startRegistry({ auth: { kind: "htpasswd", users: QUAY_USERS } });
  quays.push(quay);
  const digests: Record<string, string> = {};
  for (const tag of SOURCE_TAGS) digests[tag] = (await pushSmallImage(quay, `coreos/kube-rbac-proxy:${tag}`, "abc:xxxxxxxxx", tag)).digest;
  return { quay, digests };
}

/** The example file with its host names mapped to the local registries, and nothing else changed. */
function localCopy(file: string, quay: RegistryServer): string {
  const text = readFileSync(join(FIXTURES, file), "utf8")
    .replaceAll("registry.cn-beijing.aliyuncs.com", aliyun.host)
    .replaceAll("docker.io", dockerHub.host)
    .replaceAll("quay.io", quay.host);
  const local = join(dir, `${quay.host.replace(/\W/g, "-")}-${file}`);
  writeFileSync(local, text);
  return local;
}

function run(args: string[]): Promise<{ code: number; output: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, CI: "true" }, timeout: 120_000 }, (error, stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, output: stdout + stderr });
    });
  });
}

/** What the examples' rules put at quay.io/ruohe: every source tag (the first rule takes all tags), and v1.1 twice more. */
async function assertLanded(quay: RegistryServer, digests: Record<string, string>): Promise<void> {
  const creds = "xxx:xxxxxxxxx";
  assert.deepEqual((await listTags(`docker://${quay.host}/ruohe/kube-rbac-proxy`, creds)).sort(), [...SOURCE_TAGS].sort());
  for (const tag of SOURCE_TAGS) assert.equal(await manifestDigest(`docker://${quay.host}/ruohe/kube-rbac-proxy:${tag}`, creds), digests[tag], tag);
  for (const repository of ["ruohe/kube-rbac-proxy1", "ruohe/kube-rbac-proxy2"]) {
    assert.deepEqual(await listTags(`docker://${quay.host}/${repository}`, creds), ["v1.1"]);
    assert.equal(await manifestDigest(`docker://${quay.host}/${repository}:v1.1`, creds), digests["v1.1"]);
  }
}

test("config.json (auth and images in one file) runs as it is", { timeout: 180_000 }, async () => {
  const { quay, digests } = await startQuay();
  const result = await run(["sync", "--config", localCopy("config.json", quay)]);
  assert.equal(result.code, 0, result.output);
  const creds = "xxx:xxxxxxxxx";
  assert.deepEqual((await listTags(`docker://${quay.host}/ruohe/kube-rbac-proxy`, creds)).sort(), [...SOURCE_TAGS].sort());
  for (const tag of SOURCE_TAGS) assert.equal(await manifestDigest(`docker://${quay.host}/ruohe/kube-rbac-proxy:${tag}`, creds), digests[tag], tag);
});

test("config.yaml runs as it is", { timeout: 180_000 }, async () => {
  const { quay, digests } = await startQuay();
  const result = await run(["sync", "--config", localCopy("config.yaml", quay)]);
  assert.equal(result.code, 0, result.output);
  assert.equal(await manifestDigest(`docker://${quay.host}/ruohe/kube-rbac-proxy:alpha`, "xxx:xxxxxxxxx"), digests.alpha);
});

test("auth.json with images.json: all tags, a tag, a tag list, a list of destinations and a /regex/", { timeout: 180_000 }, async () => {
  const { quay, digests } = await startQuay();
  const result = await run(["sync", "--auth", localCopy("auth.json", quay), "--images", localCopy("images.json", quay)]);
  assert.equal(result.code, 0, result.output);
  await assertLanded(quay, digests);
  // The rules overlap (all tags, v1.0, v1.0,v2.0 and /a+/ share a destination): each pair is copied once.
  assert.match(result.output, /done in .*: 6 synced, 0 up to date, 0 failed/);
  assert.ok(!result.output.includes("xxxxxxxxx"), "no password printed");
});

test("auth.yaml with images.yaml: everything lands but the rule naming a digest this registry does not hold, which fails by name", {
  timeout: 180_000,
}, async () => {
  const { quay, digests } = await startQuay();
  const result = await run([
    "sync",
    "--auth",
    localCopy("auth.yaml", quay),
    "--images",
    localCopy("images.yaml", quay),
    "--failed-images",
    "yaml-failed.json",
    "--retries",
    "0",
  ]);
  assert.equal(result.code, 1, result.output);
  await assertLanded(quay, digests);
  const failed = JSON.parse(readFileSync(join(dir, "yaml-failed.json"), "utf8"));
  assert.deepEqual(Object.keys(failed), [`${quay.host}/coreos/kube-rbac-proxy@${EXAMPLE_DIGEST}`]);
  assert.match(result.output, new RegExp(`failed  ${quay.host.replace(/\./g, "\\.")}/coreos/kube-rbac-proxy@${EXAMPLE_DIGEST}.*(not found|unknown)`, "i"));
});
