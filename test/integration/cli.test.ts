import assert from "node:assert/strict";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { createServer } from "node:http";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { listenOnLoopback } from "../support/loopback-server";
import { startRegistry, RegistryServer } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";
import { runCli } from "../support/cli-process";

/** The registry-dr command as a user runs it: the command line of Alibaba Cloud's image-syncer guide, exit codes, files, secrets. */

const USER = { name: "admin", password: "Harbor12345-$ecret" };

let harbor: RegistryServer;
let acr: RegistryServer;
let image: SmallImage;
let dir: string;

before(async () => {
  [harbor, acr] = await Promise.all([
    startRegistry({ auth: { kind: "htpasswd", users: { [USER.name]: USER.password } } }),
    startRegistry({ auth: { kind: "htpasswd", users: { pusher: "push-pass-9" } } }),
  ]);
  image = await pushSmallImage(harbor, "library/nginx:1.25", `${USER.name}:${USER.password}`);
  dir = mkdtempSync(join(tmpdir(), "registry-dr-cli-"));
});
after(async () => Promise.all([harbor?.stop(), acr?.stop()]));

const run = (args: string[]) => runCli(args, { cwd: dir, env: { CI: "true" } });

function writeConfig(name: string, images: Record<string, string | string[]>, passwords = { harbor: USER.password, acr: "push-pass-9" }): string {
  const path = join(dir, name);
  writeFileSync(
    path,
    JSON.stringify(
      {
        auth: {
          [harbor.host]: { username: USER.name, password: passwords.harbor, insecure: true },
          [acr.host]: { username: "pusher", password: passwords.acr },
        },
        images,
      },
      null,
      2,
    ),
  );
  return path;
}

test("the image-syncer guide's command line works with only the program name changed", async () => {
  const config = writeConfig("harbor-to-acr.json", { [`${harbor.host}/library/nginx`]: "" });
  const result = await run(["sync", "--proc=10", `--config=${config}`, `--registry=${acr.host}`, "--namespace=image-syncer", "--retries=10", "--log=./log"]);
  assert.equal(result.code, 0, result.stderr);
  assert.match(result.stderr, /done in .*: 1 synced, 0 up to date, 0 failed/);
  const log = readFileSync(join(dir, "log"), "utf8");
  assert.match(log, new RegExp(`synced  ${harbor.host}/library/nginx:1\\.25 -> ${acr.host}/image-syncer/nginx:1\\.25`));
  assert.equal(await manifestDigest(`docker://${acr.host}/image-syncer/nginx:1.25`, "pusher:push-pass-9"), image.digest);
  for (const text of [result.stdout, result.stderr, log]) {
    assert.ok(!text.includes(USER.password) && !text.includes("push-pass-9"), "no password printed");
  }
});

test("verify: a table and exit 0 when complete; --json and exit 1 when something is missing", async () => {
  const config = writeConfig("verify.json", { [`${harbor.host}/library/nginx`]: `${acr.host}/image-syncer/nginx` });
  const complete = await run(["verify", "--config", config]);
  assert.equal(complete.code, 0, complete.stderr);
  assert.match(complete.stdout, /^STATUS +SOURCE +DESTINATION +DIGEST/);
  assert.match(complete.stdout, /present .*nginx:1\.25/);
  const missing = writeConfig("verify-missing.json", { [`${harbor.host}/library/nginx`]: `${acr.host}/elsewhere/nginx` });
  const incomplete = await run(["verify", "--config", missing, "--json"]);
  assert.equal(incomplete.code, 1);
  const report = JSON.parse(incomplete.stdout);
  assert.equal(report.complete, false);
  assert.deepEqual(
    report.rows.map((row: { status: string }) => row.status),
    ["missing"],
  );
  assert.equal(report.rows[0].sourceDigest, image.digest);
});

test("failed images: exit 1, a summary, and a file to retry them with", async () => {
  const config = writeConfig("partial.json", { [`${harbor.host}/library/nginx:1.25,absent`]: `${acr.host}/partial/nginx` });
  const result = await run(["sync", "--config", config, "--failed-images", "retry.json"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /1 synced, 0 up to date, 1 failed/);
  assert.match(result.stderr, /failed {2}.*nginx:absent .*not found/);
  assert.deepEqual(JSON.parse(readFileSync(join(dir, "retry.json"), "utf8")), {
    [`${harbor.host}/library/nginx:absent`]: [`${acr.host}/partial/nginx:absent`],
  });
});

test("wrong credentials: exit 1 and a message naming the registry, never the password", async () => {
  const config = writeConfig(
    "wrong.json",
    { [`${harbor.host}/library/nginx:1.25`]: `${acr.host}/wrong/nginx` },
    { harbor: "not-the-password", acr: "push-pass-9" },
  );
  const result = await run(["sync", "--config", config]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, new RegExp(`${harbor.host.replace(/\./g, "\\.")}: checking the registry API \\(GET /v2/\\): authentication failed`));
  assert.ok(!result.stderr.includes("not-the-password"));
});

test("an unreachable registry: exit 1 and one line naming the host", async () => {
  const config = join(dir, "unreachable.json");
  writeFileSync(config, JSON.stringify({ images: { "127.0.0.1:1/library/nginx:1.25": `${acr.host}/x/nginx` } }));
  const result = await run(["sync", "--config", config, "--failed-images", "unreachable-failed.json"]);
  assert.equal(result.code, 1);
  assert.match(result.stderr, /failed {2}127\.0\.0\.1:1\/library\/nginx:1\.25 -> .*: 127\.0\.0\.1:1: connection refused/);
});

test("--timeout stops a run against a registry that never answers, with exit 1 and the deadline named", async () => {
  // Accepts connections and requests, and never answers: only the deadline can end the run.
  const silent = await listenOnLoopback(createServer(() => {}));
  try {
    const config = join(dir, "silent.json");
    writeFileSync(config, JSON.stringify({ images: { [`127.0.0.1:${silent.port}/library/nginx:1.25`]: `${acr.host}/x/nginx` } }));
    const started = performance.now();
    const result = await run(["sync", "--config", config, "--timeout", "1500ms", "--failed-images", "silent-failed.json"]);
    const elapsed = performance.now() - started;
    assert.equal(result.code, 1);
    assert.match(result.stderr, /cancelled: --timeout of 1\.5 s reached/);
    assert.ok(elapsed < 6000, `the run ended ${Math.round(elapsed)} ms after it started, deadline 1500 ms`);
    const badTimeout = await run(["sync", "--config", config, "--timeout", "soon"]);
    assert.equal(badTimeout.code, 2);
    assert.match(badTimeout.stderr, /--timeout: expected a duration above zero such as 90s, 30m or 2h, got "soon"/);
  } finally {
    await silent.close();
  }
});

test("bad input exits 2 with the file and field named, and pushes nothing", async () => {
  acr.clearRequests();
  const config = join(dir, "invalid.json");
  writeFileSync(
    config,
    JSON.stringify({ images: { [`${harbor.host}/library/nginx`]: `${acr.host}/ok/nginx`, [`${harbor.host}/library/Bad`]: `${acr.host}/x` } }),
  );
  const result = await run(["sync", "--config", config, "--failed-images", "invalid-failed.json"]);
  assert.equal(result.code, 2);
  assert.match(result.stderr, /invalid\.json: images\[".*library\/Bad"\]: repository "library\/Bad" is not valid/);
  assert.deepEqual(acr.requests(), [], "an invalid config touches no registry");
  const unknownFlag = await run(["sync", "--config", config, "--parallel", "3"]);
  assert.equal(unknownFlag.code, 2);
  assert.match(unknownFlag.stderr, /unknown flag --parallel/);
  const unknownCommand = await run(["copy"]);
  assert.equal(unknownCommand.code, 2);
  assert.match(unknownCommand.stderr, /unknown command "copy": expected sync, verify, watch, failover, plan or rewrite/);
  assert.ok(!existsSync(join(dir, "invalid-failed.json")), "bad input writes no failed-images file");
});

test("--help and --version", async () => {
  const help = await run(["sync", "--help"]);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /--proc N/);
  const version = await run(["--version"]);
  assert.match(version.stdout, /^\d+\.\d+\.\d+/);
});
