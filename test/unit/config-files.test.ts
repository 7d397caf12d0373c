import assert from "node:assert/strict";
import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { parseCommandArguments, UsageError } from "../../cli/arguments";
import { loadSyncJob } from "../../cli/config-files";
import { ConfigError } from "../../provider/validation";

const dir = mkdtempSync(join(tmpdir(), "registry-dr-config-"));
const file = (name: string, text: string) => {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
};

test("the image-syncer guide's command line parses with image-syncer's flags", () => {
  const config = file("harbor-to-acr.json", JSON.stringify({
    auth: { "harbor.myk8s.paas.com:32080": { username: "admin", password: "xxxxxxxxx", insecure: true }, "registry.cn-beijing.aliyuncs.com": { username: "acr_pusher@1938562138124787", password: "xxxxxxxx" } },
    images: { "harbor.myk8s.paas.com:32080/library/nginx": "" },
  }));
  const args = parseCommandArguments("sync", ["--proc=10", `--config=${config}`, "--registry=registry.cn-beijing.aliyuncs.com", "--namespace=image-syncer", "--retries=10", "--log=./log"]);
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
    assert.throws(() => loadSyncJob(parseCommandArguments("sync", ["--config", file(name, text)])), (error: Error) => error instanceof ConfigError && expected.test(error.message), name);
  }
  assert.throws(() => loadSyncJob(parseCommandArguments("sync", ["--config", join(dir, "absent.json")])), /absent\.json: cannot read the file \(ENOENT\)/);
});

test("flag errors say which flag and what it takes", () => {
  assert.throws(() => parseCommandArguments("sync", ["--bogus"]), (error: Error) => error instanceof UsageError && /unknown flag --bogus/.test(error.message));
  assert.throws(() => parseCommandArguments("sync", ["--proc", "0"]), /--proc: expected a whole number of at least 1, got "0"/);
  assert.throws(() => parseCommandArguments("sync", ["--retries=-1"]), /--retries: expected a whole number of at least 0/);
  assert.throws(() => parseCommandArguments("sync", ["stray"]), /unexpected argument "stray"/);
  assert.deepEqual(parseCommandArguments("sync", ["--arch", "amd64,arm64", "--arch=arm/v7", "--os", "linux"]).platforms, { os: ["linux"], arch: ["amd64", "arm64", "arm/v7"] });
});
