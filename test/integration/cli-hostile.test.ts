import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { Front, startFront } from "../support/hostile-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { listTags } from "../support/skopeo";
import { runCli } from "../support/cli-process";

/** The registry-dr command against registries and files that work against it: secrets, outputs, summaries. */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const PUSHER = { name: "pusher", password: "Push-Pa55-$ecret" };

let source: RegistryServer;
let destination: RegistryServer;
let image: SmallImage;
let dir: string;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry({ auth: { kind: "htpasswd", users: { [PUSHER.name]: PUSHER.password } } })]);
  image = await pushSmallImage(source, "library/app:1.0");
  dir = mkdtempSync(join(tmpdir(), "registry-dr-cli-hostile-"));
});
after(async () => Promise.all([source?.stop(), destination?.stop()]));

const run = (args: string[]) => runCli(args, { cwd: dir, env: { CI: "true" } });

function writeConfig(name: string, images: Record<string, string | string[]>, destinationHost = destination.host): string {
  const path = join(dir, name);
  writeFileSync(path, JSON.stringify({ auth: { [destinationHost]: { username: PUSHER.name, password: PUSHER.password } }, images }, null, 2));
  return path;
}

test("a proxy that echoes request headers in its errors: no credential reaches stderr, the log or the failed-images file", async () => {
  const echoing: Front = await startFront(destination.url, { refuseEchoingHeaders: /^PUT \/v2\/.*\/manifests\// });
  try {
    const config = writeConfig("echo.json", { [`${source.host}/library/app:1.0`]: `${echoing.host}/echoed/app` }, echoing.host);
    const result = await run(["sync", "--config", config, "--log", "echo.log", "--failed-images", "echo-failed.json"]);
    assert.equal(result.code, 1, result.stderr);
    const log = readFileSync(join(dir, "echo.log"), "utf8");
    const failed = readFileSync(join(dir, "echo-failed.json"), "utf8");
    assert.match(result.stderr, /pushing manifest echoed\/app:1\.0: HTTP 400 \(Bad Request\. Your request was:\s+authorization: \[redacted\]/);
    const basic = Buffer.from(`${PUSHER.name}:${PUSHER.password}`).toString("base64");
    for (const [name, text] of [
      ["stderr", result.stderr],
      ["log", log],
      ["failed-images", failed],
    ]) {
      assert.ok(!text.includes(basic) && !text.includes(PUSHER.password) && !/Basic [A-Za-z0-9+/=]{8,}/.test(text), `${name} holds a credential:\n${text}`);
    }
    assert.match(result.stderr, /uploaded \((\d+ B|\d+\.\d (KiB|MiB|GiB))\/s\)/, "the rate is rounded");
  } finally {
    await echoing.close();
  }
});

test("verify's table and JSON hold no credential a registry echoes back", async () => {
  const echoing: Front = await startFront(destination.url, { refuseEchoingHeaders: /^(GET|HEAD) \/v2\/.*\/manifests\// });
  try {
    const config = writeConfig("echo-verify.json", { [`${source.host}/library/app:1.0`]: `${echoing.host}/echoed/app` }, echoing.host);
    const basic = Buffer.from(`${PUSHER.name}:${PUSHER.password}`).toString("base64");
    for (const extra of [[], ["--json"]]) {
      const result = await run(["verify", "--config", config, ...extra]);
      assert.equal(result.code, 1, result.stderr);
      const text = `${result.stdout}${result.stderr}`;
      assert.match(text, /redacted/, "the echoed header is there, redacted");
      assert.ok(!text.includes(basic) && !text.includes(PUSHER.password), `verify${extra.join(" ")} holds a credential:\n${text}`);
    }
  } finally {
    await echoing.close();
  }
});

test("--log or --failed-images naming an input file, or a place that cannot be written, is refused before anything is pushed", async () => {
  const config = writeConfig("keep-me.json", { [`${source.host}/library/app:1.0`]: `${destination.host}/refused/app` });
  const original = readFileSync(config, "utf8");
  symlinkSync(config, join(dir, "alias.json"));
  mkdirSync(join(dir, "locked"));
  chmodSync(join(dir, "locked"), 0o500);
  const cases: [string[], RegExp][] = [
    [["--failed-images", config], /--failed-images .*keep-me\.json is the --config file: the run would overwrite it; write to another file/],
    [["--log", "./alias.json"], /--log \.\/alias\.json is the --config file/],
    [["--log", "same.log", "--failed-images", "same.log"], /--failed-images same\.log is the --log file/],
    [
      ["--failed-images", join(dir, "no-such-dir", "failed.json")],
      /--failed-images .*no-such-dir\/failed\.json: cannot create the file in .*no-such-dir \(ENOENT\)/,
    ],
    [["--log", dir], /--log .* is a directory: expected a file path/],
  ];
  if (process.getuid?.() !== 0) cases.push([["--log", join(dir, "locked", "x.log")], /--log .*locked\/x\.log: cannot create the file in .*locked \(EACCES\)/]);
  destination.clearRequests();
  for (const [flags, expected] of cases) {
    const result = await run(["sync", "--config", config, ...flags]);
    assert.equal(result.code, 2, `${flags.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.ok(!result.stderr.includes("    at "), "no stack trace");
  }
  assert.equal(readFileSync(config, "utf8"), original, "the config and its auth are intact");
  assert.deepEqual(destination.requests(), [], "nothing was pushed, nor any registry asked");
  await assert.rejects(listTags(`docker://${destination.host}/refused/app`, `${PUSHER.name}:${PUSHER.password}`));
});

test("summaries: no 'planned 0 image(s)' after a planning failure, at most 50 failures listed, digests written with @", async () => {
  const unreachable = writeConfig("unplanned.json", { "127.0.0.1:1/library/app:1.0": `${destination.host}/x/app` });
  const down = await run(["sync", "--config", unreachable, "--failed-images", "unplanned-failed.json"]);
  assert.equal(down.code, 1);
  assert.doesNotMatch(down.stderr, /planned 0 image/);
  assert.match(down.stderr, /nothing to copy: 1 image\(s\) failed while planning/);

  const tags = Array.from({ length: 60 }, (_, i) => `absent-${i}`);
  const many = writeConfig("many.json", {
    [`${source.host}/library/app:${tags.join(",")}`]: `${destination.host}/many/app`,
    [`${source.host}/library/app@${image.digest}`]: `${destination.host}/bydigest/app`,
  });
  const result = await run(["sync", "--config", many, "--log", "many.log", "--failed-images", "many-failed.json", "--retries", "0"]);
  assert.equal(result.code, 1);
  assert.equal(result.stderr.match(/^failed {2}/gm)?.length, 50, result.stderr);
  assert.match(result.stderr, /^… and 10 more failed image\(s\)$/m);
  assert.equal(Object.keys(JSON.parse(readFileSync(join(dir, "many-failed.json"), "utf8"))).length, 60, "the file has them all");
  const log = readFileSync(join(dir, "many.log"), "utf8");
  assert.match(log, new RegExp(`synced  ${source.host.replace(/\./g, "\\.")}/library/app@${image.digest} -> `));
  assert.doesNotMatch(log + result.stderr, /app:sha256:/);
});

test("two sources writing one destination tag: exit 2 naming both, nothing pushed", async () => {
  destination.clearRequests();
  const config = writeConfig("clash.json", {
    [`${source.host}/library/app:1.0`]: `${destination.host}/clash/app:prod`,
    [`${source.host}/library/other:2.0`]: `${destination.host}/clash/app:prod`,
  });
  const result = await run(["sync", "--config", config]);
  assert.equal(result.code, 2);
  assert.match(
    result.stderr,
    /clash\.json: images\[".*library\/other:2\.0"\]: writes .*\/clash\/app:prod, which images\[".*library\/app:1\.0"\] also writes with .*library\/app:1\.0/,
  );
  assert.deepEqual(destination.requests(), []);
  assert.ok(!existsSync(join(dir, "failed-images.json")));
});

test("one registry under two names (localhost, 127.0.0.1) is one destination: exit 2 naming both, nothing pushed", async () => {
  await pushSmallImage(source, "library/other:2.0", undefined, "other");
  destination.clearRequests();
  const port = destination.host.split(":")[1];
  const login = { username: PUSHER.name, password: PUSHER.password };
  const path = join(dir, "spelled.json");
  const images = {
    [`${source.host}/library/app:1.0`]: `localhost:${port}/spelled/app:prod`,
    [`${source.host}/library/other:2.0`]: `${destination.host}/spelled/app:prod`,
  };
  writeFileSync(path, JSON.stringify({ auth: { [`localhost:${port}`]: login, [destination.host]: login }, images }));
  const result = await run(["sync", "--config", path]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    new RegExp(
      `writes 127\\.0\\.0\\.1:${port}/spelled/app:prod, which images\\[.*library/app:1\\.0"\\] also writes \\(as localhost:${port}/spelled/app:prod, the same registry\\)`,
    ),
  );
  assert.deepEqual(destination.requests(), []);
});

test("LOCALHOST is loopback as localhost is: plain HTTP, and the copy arrives", async () => {
  const port = destination.host.split(":")[1];
  const path = join(dir, "upper.json");
  const images = { [`${source.host}/library/app:1.0`]: `LOCALHOST:${port}/upper/app` };
  writeFileSync(path, JSON.stringify({ auth: { [`LOCALHOST:${port}`]: { username: PUSHER.name, password: PUSHER.password } }, images }));
  const result = await run(["sync", "--config", path]);
  assert.equal(result.code, 0, result.stderr);
  assert.deepEqual(await listTags(`docker://${destination.host}/upper/app`, `${PUSHER.name}:${PUSHER.password}`), ["1.0"]);
});

test("SIGINT while a source trickles: exit 1 naming the source, and every upload session at the destination closed", async () => {
  const trickling = await startFront(source.url, { trickleBlobsMs: 500 });
  try {
    const config = writeConfig("sigint.json", { [`${trickling.host}/library/app:1.0`]: `${destination.host}/sigint/app` });
    destination.clearRequests();
    const child = spawn(process.execPath, [BIN, "sync", "--config", config, "--failed-images", "sigint-failed.json"], {
      cwd: dir,
      env: { ...process.env, CI: "true" },
    });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    // Interrupt once the destination has opened upload sessions and the blobs are trickling in.
    for (let waited = 0; !destination.requests().some((r) => r.method === "POST" && r.path.startsWith("/v2/sigint/app/blobs/uploads/")); waited += 50) {
      assert.ok(waited < 20_000, "the sync never started uploading");
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
    child.kill("SIGINT");
    assert.equal(await exited, 1, stderr);
    assert.match(
      stderr,
      new RegExp(`failed  .*sigint/app:1\\.0: ${trickling.host.replace(/\./g, "\\.")}: cancelled: interrupted while reading blob sha256:`),
      stderr,
    );
    const requests = destination.requests().filter((r) => r.path.startsWith("/v2/sigint/app/blobs/uploads/"));
    const opened = requests.filter((r) => r.method === "POST" && r.status === 202).length;
    // Distinct sessions with an authenticated DELETE (the fresh connection's first try learns the challenge: 401).
    const sessionOf = (path: string) => /uploads\/([^/?]+)/.exec(path)?.[1];
    const deletes = requests.filter((r) => r.method === "DELETE" && r.status !== 401);
    assert.ok(opened > 0);
    assert.equal(new Set(deletes.map((r) => sessionOf(r.path))).size, opened, `${opened} sessions opened, each asked to cancel once`);
    // Only a 2xx is a cancelled session. Distribution answers 404 BLOB_UPLOAD_INVALID for one whose
    // upload broke off, and its partial data stays: the run says so instead of claiming a cleanup.
    const refused = deletes.filter((r) => r.status === 404);
    assert.ok(
      deletes.every((r) => r.status === 204 || r.status === 404),
      JSON.stringify(deletes),
    );
    const notes = stderr.match(/the upload session at \S+ could not be cancelled \(HTTP 404\): its partial data is left to the registry's upload purge/g) ?? [];
    assert.equal(notes.length, refused.length, `${refused.length} DELETE(s) answered 404; stderr:\n${stderr}`);
  } finally {
    await trickling.close();
  }
});

test("a config with a problem in each of 200 rules prints the first 50 and a count", async () => {
  const images = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${source.host}/library/Bad${i}`, `${destination.host}/x/app${i}`]));
  const config = writeConfig("many-bad.json", images);
  const result = await run(["sync", "--config", config]);
  assert.equal(result.code, 2);
  const lines = result.stderr.trimEnd().split("\n");
  assert.equal(lines.length, 51);
  assert.match(lines[0], /many-bad\.json: images\[".*library\/Bad0"\]: repository "library\/Bad0" is not valid/);
  assert.equal(lines[50], "registry-dr sync: … and 150 more");
});
