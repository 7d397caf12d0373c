import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { writeFileSync } from "node:fs";
import { after, before, test } from "node:test";
import { resolve } from "node:path";
import { pushImage } from "../support/fixtures";
import { buildImage, buildIndex, ImageArtifact, IndexArtifact, Platform } from "../support/oci-layout";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { rawManifest, skopeo } from "../support/skopeo";

/**
 * image-syncer's platform selectors through the command: `--os os:osversion` and
 * `--arch arch:variant` (and `arch/variant`), against an index whose Windows entries differ
 * only in os.version and whose arm entries differ only in variant. skopeo says what landed.
 */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

const image = (platform: Platform) =>
  buildImage({ format: "oci", layers: [{ seed: "platforms/base", size: 2048 }], platform, labels: { platform: JSON.stringify(platform) } });
const children = {
  windows1809: image({ os: "windows", architecture: "amd64", "os.version": "10.0.17763.1999" }),
  windows2022: image({ os: "windows", architecture: "amd64", "os.version": "10.0.20348.2113" }),
  armV6: image({ os: "linux", architecture: "arm", variant: "v6" }),
  armV7: image({ os: "linux", architecture: "arm", variant: "v7" }),
};
let index: IndexArtifact;
let source: RegistryServer;
let destination: RegistryServer;
let dir: string;

before(async () => {
  index = buildIndex({ format: "oci", images: Object.values(children) });
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  await pushImage(source, "multi/platforms:1.0", index);
  dir = makeTempDir("registry-dr-platforms-");
});
after(async () => Promise.all([source?.stop(), destination?.stop(), dir && removeTempDir(dir)]));

function sync(repository: string, flags: string[]): Promise<{ code: number; stderr: string }> {
  const config = resolve(dir, `${repository.replace(/\W/g, "-")}.json`);
  writeFileSync(config, JSON.stringify({ images: { [`${source.host}/multi/platforms:1.0`]: `${destination.host}/${repository}` } }));
  return new Promise((done) => {
    execFile(
      process.execPath,
      [BIN, "sync", "--config", config, ...flags],
      { cwd: dir, env: { ...process.env, CI: "true" }, timeout: 60_000 },
      (error, _stdout, stderr) => {
        done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr });
      },
    );
  });
}

/** Digests the destination index lists, and whether each child can be read there (skopeo). */
async function landed(repository: string): Promise<string[]> {
  const copied = JSON.parse((await rawManifest(`docker://${destination.host}/${repository}:1.0`)).toString("utf8")) as { manifests: { digest: string }[] };
  for (const entry of copied.manifests) await skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${destination.host}/${repository}@${entry.digest}`]);
  return copied.manifests.map((entry) => entry.digest).sort();
}

async function absent(repository: string, child: ImageArtifact): Promise<void> {
  await assert.rejects(
    skopeo(["inspect", "--raw", "--tls-verify=false", `docker://${destination.host}/${repository}@${child.digest}`]),
    /manifest unknown|not found/i,
  );
}

test("--os windows:10.0.17763.1999 copies the entry of that build only", { timeout: 90_000 }, async () => {
  const result = await sync("only/windows-1809", ["--os", "windows:10.0.17763.1999"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await landed("only/windows-1809"), [children.windows1809.digest]);
  await absent("only/windows-1809", children.windows2022);
});

test("--arch arm:v7 copies the v7 entry, not v6; arm/v7 means the same", { timeout: 90_000 }, async () => {
  for (const [repository, selector] of [
    ["only/arm-colon", "arm:v7"],
    ["only/arm-slash", "arm/v7"],
  ]) {
    const result = await sync(repository, ["--arch", selector]);
    assert.equal(result.code, 0, result.stderr);
    assert.deepEqual(await landed(repository), [children.armV7.digest]);
    await absent(repository, children.armV6);
  }
});

test("a bare os matches every build; selectors combine as image-syncer's do (os and arch both)", { timeout: 90_000 }, async () => {
  const result = await sync("mixed/platforms", ["--os", "linux,windows", "--arch", "amd64", "--arch", "arm:v6"]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await landed("mixed/platforms"), [children.windows1809.digest, children.windows2022.digest, children.armV6.digest].sort());
});

test("a malformed selector is refused before anything is copied, naming the form expected", async () => {
  const result = await sync("refused/platforms", ["--os", "windows:"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /--os: invalid os selector "windows:": expected linux, or os:osversion such as windows:10\.0\.17763\.1999/);
  assert.equal(destination.requests().filter((request) => request.path.includes("refused")).length, 0);
});
