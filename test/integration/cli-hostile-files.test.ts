import assert from "node:assert/strict";
import { linkSync, mkdtempSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { pushSmallImage } from "../support/fixtures";
import { Front, startFront } from "../support/hostile-front";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { runCli } from "../support/cli-process";

/** The registry-dr command against files that work against it: hard links, symlinks, files that cannot be written. */

const PUSHER = { name: "pusher", password: "Push-Pa55-$ecret" };

let source: RegistryServer;
let destination: RegistryServer;
let dir: string;

before(async () => {
  [source, destination] = await Promise.all([startRegistry(), startRegistry({ auth: { kind: "htpasswd", users: { [PUSHER.name]: PUSHER.password } } })]);
  await pushSmallImage(source, "library/app:1.0");
  dir = mkdtempSync(join(tmpdir(), "registry-dr-cli-files-"));
});
after(async () => Promise.all([source?.stop(), destination?.stop()]));

const run = (args: string[]) => runCli(args, { cwd: dir, env: { CI: "true" } });

test("an output that is a hard link of an input (or of another output) is refused: the config, its auth and the images file stay intact", async () => {
  const config = join(dir, "linked.json");
  writeFileSync(
    config,
    JSON.stringify(
      {
        auth: { [destination.host]: { username: PUSHER.name, password: PUSHER.password } },
        images: { [`${source.host}/library/app:1.0`]: `${destination.host}/linked/app` },
      },
      null,
      2,
    ),
  );
  const images = join(dir, "linked-images.json");
  writeFileSync(images, JSON.stringify({ [`${source.host}/library/app:1.0`]: `${destination.host}/linked/app` }));
  const auth = join(dir, "linked-auth.json");
  writeFileSync(auth, JSON.stringify({ [destination.host]: { username: PUSHER.name, password: PUSHER.password } }));
  linkSync(config, join(dir, "other.json"));
  linkSync(images, join(dir, "other-images.json"));
  linkSync(auth, join(dir, "other-auth.json"));
  writeFileSync(join(dir, "first.log"), "");
  linkSync(join(dir, "first.log"), join(dir, "second.log"));
  symlinkSync(join(dir, "other.json"), join(dir, "link-to-other.json"));
  const originals = [config, images, auth].map((file) => readFileSync(file, "utf8"));
  const withConfig = ["sync", "--config", config];
  const withImages = ["sync", "--auth", auth, "--images", images];
  const cases: [string[], RegExp][] = [
    [[...withConfig, "--failed-images", "other.json"], /--failed-images other\.json is the --config file: the run would overwrite it; write to another file/],
    [[...withConfig, "--output-success-images", "other.json"], /--output-success-images other\.json is the --config file: the run would overwrite it/],
    [[...withConfig, "--log", "other.json"], /--log other\.json is the --config file: the run would overwrite it/],
    [[...withConfig, "--log", "link-to-other.json"], /--log link-to-other\.json is the --config file/],
    [[...withImages, "--failed-images", "other-images.json"], /--failed-images other-images\.json is the --images file/],
    [[...withImages, "--log", "other-auth.json"], /--log other-auth\.json is the --auth file/],
    [[...withConfig, "--log", "first.log", "--failed-images", "second.log"], /--failed-images second\.log is the --log file/],
  ];
  destination.clearRequests();
  for (const [args, expected] of cases) {
    const result = await run(args);
    assert.equal(result.code, 2, `${args.join(" ")}: ${result.stderr}`);
    assert.match(result.stderr, expected);
    assert.ok(!result.stderr.includes("    at "), "no stack trace");
  }
  assert.deepEqual(
    [config, images, auth].map((file) => readFileSync(file, "utf8")),
    originals,
    "every input is intact",
  );
  assert.equal(readFileSync(join(dir, "first.log"), "utf8"), "");
  assert.deepEqual(destination.requests(), [], "nothing was pushed, nor any registry asked");
});

test("a registry echoing the credentials decoded, URL-encoded or as bare base64: none of these forms reaches stderr, the log, the failed-images file or verify's output", async () => {
  const echoing: Front = await startFront(destination.url, { refuseEchoingCredentials: /^(PUT|GET) \/v2\/forms\/app\/manifests\// });
  try {
    const config = join(dir, "forms.json");
    writeFileSync(
      config,
      JSON.stringify(
        {
          auth: { [echoing.host]: { username: PUSHER.name, password: PUSHER.password } },
          images: { [`${source.host}/library/app:1.0`]: `${echoing.host}/forms/app` },
        },
        null,
        2,
      ),
    );
    const basic = Buffer.from(`${PUSHER.name}:${PUSHER.password}`).toString("base64");
    const forms = [
      PUSHER.password,
      `${PUSHER.name}:${PUSHER.password}`,
      basic,
      basic.replace(/=+$/, ""),
      encodeURIComponent(basic),
      encodeURIComponent(PUSHER.password),
      Buffer.from(PUSHER.password).toString("base64").replace(/=+$/, ""),
    ];
    const leaks = (text: string) => forms.filter((form) => text.includes(form));

    const sync = await run(["sync", "--config", config, "--log", "forms.log", "--failed-images", "forms-failed.json", "--retries", "0"]);
    assert.equal(sync.code, 1, sync.stderr);
    const log = readFileSync(join(dir, "forms.log"), "utf8");
    assert.match(log, /forms\/app:1\.0: .*HTTP 400.*\[redacted\] is not allowed here; forwarded as Basic%20\[redacted\]/, "the error is there, redacted");
    for (const [name, text] of [
      ["stderr", sync.stderr],
      ["log", log],
      ["failed-images", readFileSync(join(dir, "forms-failed.json"), "utf8")],
    ]) {
      assert.deepEqual(leaks(text), [], `${name} holds a credential:\n${text}`);
    }
    for (const extra of [["--json"], []]) {
      const verify = await run(["verify", "--config", config, ...extra]);
      assert.equal(verify.code, 1, verify.stderr);
      assert.match(verify.stdout, /\[redacted\] is not allowed here/);
      assert.deepEqual(leaks(verify.stdout + verify.stderr), [], `verify ${extra.join(" ")} holds a credential:\n${verify.stdout}`);
    }
  } finally {
    await echoing.close();
  }
});
