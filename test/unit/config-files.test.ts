import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";
import { loadSyncJob } from "../../cli/config-files";
import { accessKeyFor, compileJob } from "../../provider/sync";
import { ConfigError } from "../../provider/validation";

const dir = mkdtempSync(join(tmpdir(), "registry-dr-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("the image-syncer guide's command line parses with image-syncer's flags", () => {
  const config = file(
    "harbor-to-acr.json",
    JSON.stringify({
      auth: {
        "harbor.myk8s.paas.com:32080": { username: "admin", password: "xxxxxxxxx", insecure: true },
        "registry.cn-beijing.aliyuncs.com": { username: "acr_pusher@1938562138124787", password: "xxxxxxxx" },
      },
      images: { "harbor.myk8s.paas.com:32080/library/nginx": "" },
    }),
  );
  const args = parseCommandArguments("sync", [
    "--proc=10",
    `--config=${config}`,
    "--registry=registry.cn-beijing.aliyuncs.com",
    "--namespace=image-syncer",
    "--retries=10",
    "--log=./log",
  ]);
  assert.equal(args.proc, 10);
  assert.equal(args.retries, 10);
  const job = loadSyncJob(args);
  assert.deepEqual(job.defaults, { registry: "registry.cn-beijing.aliyuncs.com", namespace: "image-syncer" });
  assert.equal(job.auth?.["harbor.myk8s.paas.com:32080"]?.insecure, true);
});

test("split --auth and --images files, YAML or JSON", () => {
  const auth = file("auth.yaml", 'h.io:\n  username: "robot$ci"\n  password: "pa$$word"\n');
  const images = file("images.yml", "h.io/a/b:\n  - x.io/n/b\n  - y.io/n/b\n");
  const job = loadSyncJob(parseCommandArguments("sync", ["--auth", auth, "--images", images]));
  assert.deepEqual(job.images, { "h.io/a/b": ["x.io/n/b", "y.io/n/b"] });
  assert.equal(job.auth?.["h.io"]?.password, "pa$$word");
});

test("bad files name the file, the field and what is expected", () => {
  const cases: [string, string, RegExp][] = [
    ["broken.json", "{", /broken\.json: not valid JSON/],
    ["broken.yaml", "a: [", /broken\.yaml: not valid YAML/],
    ["no-images.json", "{}", /no-images\.json: images: /],
    ["wrong-type.json", '{"images": {"h.io/a": 3}}', /wrong-type\.json: images\["h\.io\/a"\]: expected a destination string/],
    ["bad-auth.json", '{"images": {}, "auth": {"h.io": {"user": "x"}}}', /bad-auth\.json: auth\["h\.io"\]: unknown field\(s\) user/],
    ["insecure.json", '{"images": {}, "auth": {"h.io": {"insecure": "yes"}}}', /insecure\.json: auth\["h\.io"\]\.insecure: expected true or false/],
    ["bad-rule.json", '{"images": {"h.io/A": "x.io/a"}}', /bad-rule\.json: images\["h\.io\/A"\]: repository "A" is not valid/],
  ];
  for (const [name, text, expected] of cases) {
    assert.throws(
      () => loadSyncJob(parseCommandArguments("sync", ["--config", file(name, text)])),
      (error: Error) => error instanceof ConfigError && expected.test(error.message),
      name,
    );
  }
  assert.throws(() => loadSyncJob(parseCommandArguments("sync", ["--config", join(dir, "absent.json")])), /absent\.json: cannot read the file \(ENOENT\)/);
});

test("flag errors say which flag and what it takes", () => {
  assert.throws(
    () => parseCommandArguments("sync", ["--bogus"]),
    (error: Error) => error instanceof UsageError && /unknown flag --bogus/.test(error.message),
  );
  assert.throws(() => parseCommandArguments("sync", ["--proc", "0"]), /--proc: expected a whole number from 1 to 256, got "0"/);
  assert.throws(() => parseCommandArguments("sync", ["--retries=-1"]), /--retries: expected a whole number from 0 to 100/);
  assert.throws(() => parseCommandArguments("sync", ["stray"]), /unexpected argument "stray"/);
  assert.deepEqual(parseCommandArguments("sync", ["--arch", "amd64,arm64", "--arch=arm/v7", "--os", "linux"]).platforms, {
    os: ["linux"],
    arch: ["amd64", "arm64", "arm/v7"],
  });
});

test("--proc -1 and -p -1 are values with a clear message, and --proc has an upper bound", () => {
  for (const argv of [["--proc", "-1"], ["-p", "-1"], ["--proc=-1"]]) {
    assert.throws(
      () => parseCommandArguments("sync", argv),
      (error: Error) => error instanceof UsageError && error.message === '--proc: expected a whole number from 1 to 256, got "-1"',
      argv.join(" "),
    );
  }
  assert.throws(() => parseCommandArguments("sync", ["--proc", "257"]), /--proc: expected a whole number from 1 to 256, got "257"/);
  assert.equal(parseCommandArguments("sync", ["--proc", "256"]).proc, 256);
});

test("--timeout is capped where Node's timers overflow; --min-rate takes a rate and a window", () => {
  assert.throws(
    () => parseCommandArguments("sync", ["--timeout", "600h"]),
    (error: Error) => error instanceof UsageError && /--timeout: at most 24d \(596h\), got "600h"/.test(error.message),
  );
  assert.equal(parseCommandArguments("sync", ["--timeout", "24d"]).timeoutMs, 24 * 86_400_000);
  assert.equal(parseCommandArguments("sync", ["--timeout", "596h"]).timeoutMs, 596 * 3_600_000);
  assert.deepEqual(parseCommandArguments("sync", []).minRate, { bytesPerSecond: 1024, windowMs: 30_000 });
  assert.deepEqual(parseCommandArguments("sync", ["--min-rate", "512B,60s"]).minRate, { bytesPerSecond: 512, windowMs: 60_000 });
  assert.deepEqual(parseCommandArguments("sync", ["--min-rate", "2MiB/s"]).minRate, { bytesPerSecond: 2 * 1024 * 1024, windowMs: 30_000 });
  assert.deepEqual(parseCommandArguments("sync", ["--min-rate", "0"]).minRate, { bytesPerSecond: 0, windowMs: 30_000 });
  for (const bad of ["fast", "1KiB,0s", "1KiB,30s,x", "-1"])
    assert.throws(() => parseCommandArguments("sync", ["--min-rate", bad]), /--min-rate: expected RATE\[,WINDOW\]/, bad);
});

test("a JSON syntax error inside a password names the line and column, never the text", () => {
  const secret = "Hunter2Se'cr3t-xyz";
  const text = `{\n  "auth": {\n    "h.io": {"username": "admin", "password": '${secret}'}\n  },\n  "images": {}\n}\n`;
  const unterminated = `{\n  "auth": {"h.io": {"username": "a", "password": "${secret}\n  }}, "images": {}}`;
  for (const [name, body, expected] of [
    ["password.json", text, /password\.json: not valid JSON: a string in single quotes: JSON strings use double quotes at line 3, column 47/],
    [
      "unterminated.json",
      unterminated,
      /unterminated\.json: not valid JSON: a string is not closed on its line \(or holds a control character\) at line 2, column \d+/,
    ],
  ] as const) {
    assert.throws(
      () => loadSyncJob(parseCommandArguments("sync", ["--config", file(name, body)])),
      (error: Error) => error instanceof ConfigError && expected.test(error.message) && !error.message.includes("Hunter2") && !error.message.includes("cr3t"),
      name,
    );
  }
  const yaml = file("password.yaml", `auth:\n  h.io:\n    username: admin\n    password: "${secret}\n  x: [\nimages: {}\n`);
  assert.throws(
    () => loadSyncJob(parseCommandArguments("sync", ["--config", yaml])),
    (error: Error) => /password\.yaml: not valid YAML: .* at line \d+, column \d+$/.test(error.message) && !error.message.includes("Hunter2"),
  );
});

test("a key given twice in a JSON file is an error naming the key and both lines, as in YAML", () => {
  const text = '{\n  "images": {\n    "h.io/a/b:1": "x.io/n/b",\n    "h.io/a/b:1": "y.io/n/b"\n  }\n}\n';
  assert.throws(
    () => loadSyncJob(parseCommandArguments("sync", ["--config", file("twice.json", text)])),
    /twice\.json: not valid JSON: duplicate key "h\.io\/a\/b:1" \(first given at line 3\) at line 4, column 5/,
  );
  const yaml = file("twice.yaml", "images:\n  h.io/a/b:1: x.io/n/b\n  h.io/a/b:1: y.io/n/b\n");
  assert.throws(() => loadSyncJob(parseCommandArguments("sync", ["--config", yaml])), /twice\.yaml: not valid YAML: duplicate key at line 3, column 3/);
});

test("an auth key written as a URL is taken without its scheme; http:// means insecure", () => {
  const config = file(
    "url-key.json",
    JSON.stringify({
      auth: { "http://127.0.0.1:15002/": { username: "u", password: "p" }, "https://h.io": { token: "t" } },
      images: { "127.0.0.1:15002/a/b:1": "h.io/n/b" },
    }),
  );
  const job = loadSyncJob(parseCommandArguments("sync", ["--config", config]));
  const { access } = compileJob(job);
  assert.deepEqual(access["127.0.0.1:15002"], { credential: { kind: "basic", username: "u", password: "p" }, insecure: true });
  assert.deepEqual(access["h.io"], { credential: { kind: "token", token: "t" }, insecure: undefined });
  assert.equal(accessKeyFor(access, { registry: "127.0.0.1:15002", repository: "a/b" }), "127.0.0.1:15002");
  const cases: [object, RegExp][] = [
    [{ "ftp://h.io": { token: "t" } }, /auth\["ftp:\/\/h\.io"\]: expected a registry host \(registry or registry\/namespace\), not a ftp:\/\/ URL/],
    [{ "http://h.io": { token: "t", insecure: false } }, /auth\["http:\/\/h\.io"\]: an http:\/\/ registry is insecure, but "insecure" is false/],
    [{ "h.io": { token: "t" }, "https://h.io/": { token: "u" } }, /auth\["https:\/\/h\.io\/"\]: names the same registry as auth\["h\.io"\]/],
  ];
  for (const [auth, expected] of cases) {
    assert.throws(
      () => loadSyncJob(parseCommandArguments("sync", ["--config", file("bad-url-key.json", JSON.stringify({ auth, images: {} }))])),
      (error: Error) => error instanceof ConfigError && /bad-url-key\.json: /.test(error.message) && expected.test(error.message),
    );
  }
});

test("two sources writing one destination tag are an error naming both; the same source twice is not", () => {
  const clash = file("clash.json", JSON.stringify({ images: { "h.io/a/one:1.0": "x.io/n/app:prod", "h.io/a/two:2.0": "x.io/n/app:prod" } }));
  assert.throws(
    () => loadSyncJob(parseCommandArguments("sync", ["--config", clash])),
    /clash\.json: images\["h\.io\/a\/two:2\.0"\]: writes x\.io\/n\/app:prod, which images\["h\.io\/a\/one:1\.0"\] also writes with h\.io\/a\/one:1\.0: two source images cannot write one destination tag/,
  );
  const derived = file("derived.json", JSON.stringify({ images: { "h.io/a/one:1.0,2.0": "x.io/n/app", "h.io/b/one:2.0": "x.io/n/app" } }));
  assert.throws(
    () => loadSyncJob(parseCommandArguments("sync", ["--config", derived])),
    /images\["h\.io\/b\/one:2\.0"\]: writes x\.io\/n\/app:2\.0, which images\["h\.io\/a\/one:1\.0,2\.0"\] also writes/,
  );
  const same = file("same.json", JSON.stringify({ images: { "h.io/a/one:1.0": "x.io/n/app", "h.io/a/one:1.0,2.0": ["x.io/n/app"] } }));
  assert.doesNotThrow(() => loadSyncJob(parseCommandArguments("sync", ["--config", same])));
});

test("one registry spelled two ways is one destination: case, the default port and loopback names are folded", () => {
  const spellings: [string, string][] = [
    ["127.0.0.1:5002", "localhost:5002"],
    ["LOCALHOST:5002", "127.0.0.1:5002"],
    ["[::1]:5002", "localhost:5002"],
    ["X.io:443", "x.io"],
  ];
  for (const [first, second] of spellings) {
    const clash = file("spelled.json", JSON.stringify({ images: { "h.io/a/one:1.0": `${first}/n/app:prod`, "h.io/a/two:2.0": `${second}/n/app:prod` } }));
    assert.throws(
      () => loadSyncJob(parseCommandArguments("sync", ["--config", clash])),
      new RegExp(
        `images\\["h\\.io/a/two:2\\.0"\\]: writes ${escape(second)}/n/app:prod, which images\\["h\\.io/a/one:1\\.0"\\] also writes \\(as ${escape(first)}/n/app:prod, the same registry\\) with h\\.io/a/one:1\\.0`,
      ),
      `${first} and ${second}`,
    );
  }
  const sameSource = file("same-source.json", JSON.stringify({ images: { "h.io/a/one:1.0": "x.io/n/app", "H.IO:443/a/one:1.0": "x.io:443/n/app" } }));
  assert.doesNotThrow(() => loadSyncJob(parseCommandArguments("sync", ["--config", sameSource])), "one source written twice through two spellings is harmless");
  const apart = file(
    "apart.json",
    JSON.stringify({ images: { "h.io/a/one:1.0": "127.0.0.2:5002/n/app:prod", "h.io/a/two:2.0": "127.0.0.1:5002/n/app:prod" } }),
  );
  assert.doesNotThrow(() => loadSyncJob(parseCommandArguments("sync", ["--config", apart])), "127.0.0.2 is another address");
});

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
}
