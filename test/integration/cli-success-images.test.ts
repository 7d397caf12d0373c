import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { parse } from "yaml";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { makeTempDir, removeTempDir } from "../support/processes";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/** `--output-success-images FILE --output-images-format json|yaml`: what succeeded, as an images file that runs again. */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

let source: RegistryServer;
let destination: RegistryServer;
let app: SmallImage;
let tool: SmallImage;
let dir: string;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry()]);
  app = await pushSmallImage(source, "team/app:1.0", undefined, "app");
  tool = await pushSmallImage(source, "team/tool:2.0", undefined, "tool");
  dir = makeTempDir("registry-dr-success-images-");
});
after(async () => Promise.all([source?.stop(), destination?.stop(), dir && removeTempDir(dir)]));

function run(args: string[]): Promise<{ code: number; stderr: string }> {
  return new Promise((done) => {
    execFile(process.execPath, [BIN, ...args], { cwd: dir, env: { ...process.env, CI: "true" }, timeout: 60_000 }, (error, _stdout, stderr) => {
      done({ code: error ? (typeof error.code === "number" ? error.code : -1) : 0, stderr });
    });
  });
}

function writeImages(name: string, prefix: string): string {
  writeFileSync(
    join(dir, name),
    JSON.stringify({
      [`${source.host}/team/app:1.0`]: [`${destination.host}/${prefix}/app`, `${destination.host}/${prefix}/app-copy`],
      [`${source.host}/team/tool:2.0`]: `${destination.host}/${prefix}/tool`,
      [`${source.host}/team/gone:9.9`]: `${destination.host}/${prefix}/gone`,
    }),
  );
  return name;
}

test("with one failing image, the JSON file lists only the successful ones (sorted), and re-runs as an images file", { timeout: 120_000 }, async () => {
  const first = await run([
    "sync",
    "--images",
    writeImages("images.json", "json"),
    "--output-success-images",
    "ok.json",
    "--failed-images",
    "bad.json",
    "--retries",
    "0",
  ]);
  assert.equal(first.code, 1, first.stderr);
  const written = JSON.parse(readFileSync(join(dir, "ok.json"), "utf8"));
  assert.deepEqual(written, {
    [`${source.host}/team/app:1.0`]: [`${destination.host}/json/app-copy:1.0`, `${destination.host}/json/app:1.0`],
    [`${source.host}/team/tool:2.0`]: [`${destination.host}/json/tool:2.0`],
  });
  assert.deepEqual(Object.keys(JSON.parse(readFileSync(join(dir, "bad.json"), "utf8"))), [`${source.host}/team/gone:9.9`]);

  const again = await run(["sync", "--images", "ok.json", "--output-success-images", "ok-again.json"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 synced, 3 up to date, 0 failed/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "ok-again.json"), "utf8")), written, "up-to-date images are successes too");
  assert.equal(await manifestDigest(`docker://${destination.host}/json/app-copy:1.0`), app.digest);
  assert.equal(await manifestDigest(`docker://${destination.host}/json/tool:2.0`), tool.digest);
});

test("--output-images-format yaml writes YAML that runs as an images file", { timeout: 120_000 }, async () => {
  const first = await run([
    "sync",
    "--images",
    writeImages("images-for-yaml.json", "yaml"),
    "--output-success-images",
    "ok.yaml",
    "--output-images-format",
    "yaml",
    "--failed-images",
    "bad-yaml.json",
    "--retries",
    "0",
  ]);
  assert.equal(first.code, 1, first.stderr);
  const text = readFileSync(join(dir, "ok.yaml"), "utf8");
  assert.ok(!text.trimStart().startsWith("{"), "YAML, not JSON");
  assert.deepEqual(parse(text), {
    [`${source.host}/team/app:1.0`]: [`${destination.host}/yaml/app-copy:1.0`, `${destination.host}/yaml/app:1.0`],
    [`${source.host}/team/tool:2.0`]: [`${destination.host}/yaml/tool:2.0`],
  });
  const again = await run(["sync", "--images", "ok.yaml"]);
  assert.equal(again.code, 0, again.stderr);
  assert.match(again.stderr, /0 synced, 3 up to date, 0 failed/);
});

test("an output that would overwrite an input, or an unknown format, is refused before anything is pushed", async () => {
  destination.clearRequests();
  const clash = await run(["sync", "--images", writeImages("clash.json", "clash"), "--output-success-images", "./clash.json"]);
  assert.equal(clash.code, 2);
  assert.match(clash.stderr, /--output-success-images \.\/clash\.json is the --images file: the run would overwrite it/);
  const clashFailed = await run(["sync", "--images", "clash.json", "--output-success-images", "out.json", "--failed-images", "out.json"]);
  assert.equal(clashFailed.code, 2);
  assert.match(clashFailed.stderr, /--output-success-images out\.json is the --failed-images file/);
  const format = await run(["sync", "--images", "clash.json", "--output-success-images", "ok.toml", "--output-images-format", "toml"]);
  assert.equal(format.code, 2);
  assert.match(format.stderr, /--output-images-format: expected json or yaml, got "toml"/);
  assert.deepEqual(
    destination.requests().filter((request) => request.path.includes("/clash/")),
    [],
  );
  assert.ok(JSON.parse(readFileSync(join(dir, "clash.json"), "utf8"))[`${source.host}/team/app:1.0`], "the input is untouched");
});
