import assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { chmodSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, realpathSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, test } from "node:test";

/** `registry-dr rewrite --write` against files that work against it: unwritable files and directories, size limits, links, bad bytes. */

const BIN = resolve(__dirname, "../../../bin/registry-dr.js");
const IMAGES = { "harbor.example.com/library/nginx": "registry.example.com/dr/nginx" };
const MANIFEST = "containers:\n  - name: web\n    image: harbor.example.com/library/nginx:1.25   # the front\n";
const REWRITTEN = MANIFEST.replace("harbor.example.com/library/nginx:1.25", "registry.example.com/dr/nginx:1.25");

const locked: string[] = [];
after(() => locked.forEach(makeWritable));

function workspace(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `registry-dr-rewrite-${name}-`));
  writeFileSync(join(dir, "sync.json"), JSON.stringify({ images: IMAGES }));
  return dir;
}

function run(dir: string, args: string[], fileSizeLimitKiB?: number): Promise<{ code: number; stdout: string; stderr: string }> {
  const command = [process.execPath, BIN, "rewrite", "--config", "sync.json", ...args];
  // A file size limit (ulimit -f, in KiB) set for the command alone, as a quota or a full disk would stop it.
  const [file, argv] =
    fileSizeLimitKiB === undefined ? [command[0], command.slice(1)] : ["bash", ["-c", `ulimit -f ${fileSizeLimitKiB}; exec "$0" "$@"`, ...command]];
  return new Promise((done) =>
    execFile(file, argv, { cwd: dir, maxBuffer: 64 * 1024 * 1024 }, (error, stdout, stderr) =>
      done({ code: error ? Number((error as { code?: number }).code ?? 1) : 0, stdout, stderr }),
    ),
  );
}

/** Root ignores file modes, so as root the file (or directory) is made immutable instead: even root cannot write or replace it. */
function makeUnwritable(path: string): void {
  if (process.getuid?.() === 0) execFileSync("chattr", ["+i", path]);
  else chmodSync(path, statSync(path).isDirectory() ? 0o555 : 0o444);
  locked.push(path);
}

function makeWritable(path: string): void {
  if (process.getuid?.() === 0) execFileSync("chattr", ["-i", path]);
  else chmodSync(path, statSync(path).isDirectory() ? 0o755 : 0o644);
}

function contents(dir: string, names: string[]): string[] {
  return names.map((name) => readFileSync(join(dir, name), "utf8"));
}

test("--write with a file that cannot be written in the middle of the batch: exit 2 naming it, no stack trace, no file changed", async () => {
  const dir = workspace("locked-file");
  mkdirSync(join(dir, "k8s"));
  for (const name of ["a.yaml", "b.yaml", "c.yaml"]) writeFileSync(join(dir, "k8s", name), MANIFEST);
  makeUnwritable(join(dir, "k8s", "b.yaml"));
  const result = await run(dir, ["--write", "k8s"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /^registry-dr rewrite: k8s\/b\.yaml: the file cannot be written \((EPERM|EACCES)\): make it writable or leave it out; nothing was written\n$/,
  );
  assert.deepEqual(contents(dir, ["k8s/a.yaml", "k8s/b.yaml", "k8s/c.yaml"]), [MANIFEST, MANIFEST, MANIFEST], "no file was changed, not even a.yaml before it");
  assert.doesNotMatch(result.stdout, /rewritten/);
});

test("--write with a file in a directory that cannot be written: exit 2 naming the file and the directory, no file changed", async () => {
  const dir = workspace("locked-dir");
  mkdirSync(join(dir, "k8s", "frozen"), { recursive: true });
  writeFileSync(join(dir, "k8s", "a.yaml"), MANIFEST);
  writeFileSync(join(dir, "k8s", "frozen", "b.yaml"), MANIFEST);
  makeUnwritable(join(dir, "k8s", "frozen"));
  const result = await run(dir, ["--write", "k8s"]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /^registry-dr rewrite: k8s\/frozen\/b\.yaml: its directory .*\/k8s\/frozen cannot be written \((EPERM|EACCES)\), and the new content is written beside the file and renamed over it; nothing was written\n$/,
  );
  assert.deepEqual(contents(dir, ["k8s/a.yaml", "k8s/frozen/b.yaml"]), [MANIFEST, MANIFEST]);
});

test("--write under a file size limit smaller than a 4 MB values file: the original is intact byte for byte, no temporary file is left", async () => {
  const dir = workspace("size-limit");
  const padding = Array.from({ length: 40_000 }, (_, i) => `# padding line ${i} ${"x".repeat(80)}`).join("\n");
  const big = `${MANIFEST}${padding}\nsidecar:\n  image: harbor.example.com/library/nginx:1.26\n`;
  assert.ok(big.length > 3.5 * 1024 * 1024);
  writeFileSync(join(dir, "small.yaml"), MANIFEST);
  writeFileSync(join(dir, "values.yaml"), big);
  chmodSync(join(dir, "values.yaml"), 0o640);
  const result = await run(dir, ["--write", "small.yaml", "values.yaml"], 2048);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^registry-dr rewrite: values\.yaml: cannot write its new content \(EFBIG\); no file was changed\n$/);
  assert.ok(readFileSync(join(dir, "values.yaml")).equals(Buffer.from(big)), "the values file is intact, byte for byte");
  assert.equal(readFileSync(join(dir, "small.yaml"), "utf8"), MANIFEST, "the file before it is unchanged too");
  assert.deepEqual(readdirSync(dir).sort(), ["small.yaml", "sync.json", "values.yaml"], "no temporary file left behind");

  const unlimited = await run(dir, ["--write", "small.yaml", "values.yaml"]);
  assert.equal(unlimited.code, 0, unlimited.stderr);
  assert.equal(
    readFileSync(join(dir, "values.yaml"), "utf8"),
    big
      .replace("harbor.example.com/library/nginx:1.25", "registry.example.com/dr/nginx:1.25")
      .replace("harbor.example.com/library/nginx:1.26", "registry.example.com/dr/nginx:1.26"),
  );
  assert.equal(readFileSync(join(dir, "small.yaml"), "utf8"), REWRITTEN);
  assert.equal(statSync(join(dir, "values.yaml")).mode & 0o777, 0o640, "the file keeps its mode");
  assert.deepEqual(readdirSync(dir).sort(), ["small.yaml", "sync.json", "values.yaml"]);
});

test("symlinks in the tree: links leading out are skipped and said, a file reached twice is rewritten once, loops and dangling links are named", async () => {
  const dir = workspace("links");
  mkdirSync(join(dir, "outside"));
  mkdirSync(join(dir, "k8s", "sub"), { recursive: true });
  writeFileSync(join(dir, "outside", "shared.yaml"), MANIFEST);
  writeFileSync(join(dir, "outside-file.yaml"), MANIFEST);
  writeFileSync(join(dir, "k8s", "app.yaml"), MANIFEST);
  writeFileSync(join(dir, "k8s", "sub", "job.yaml"), MANIFEST);
  symlinkSync("../outside", join(dir, "k8s", "shared"));
  symlinkSync(join(dir, "outside-file.yaml"), join(dir, "k8s", "linked.yaml"));
  symlinkSync("app.yaml", join(dir, "k8s", "zz-alias.yaml"));
  symlinkSync("..", join(dir, "k8s", "sub", "up"));
  symlinkSync("loop.yaml", join(dir, "k8s", "loop.yaml"));
  symlinkSync("no-such.yaml", join(dir, "k8s", "gone.yaml"));

  const diff = await run(dir, ["k8s"]);
  assert.equal(diff.code, 0, diff.stderr);
  assert.deepEqual(diff.stdout.match(/^--- .*$/gm), ["--- k8s/app.yaml", "--- k8s/sub/job.yaml"], "each file once, nothing outside");

  const written = await run(dir, ["--write", "k8s"]);
  assert.equal(written.code, 0, written.stderr);
  assert.equal(written.stdout, "k8s/app.yaml: 1 reference(s) rewritten\nk8s/sub/job.yaml: 1 reference(s) rewritten\n");
  assert.doesNotMatch(written.stdout, /unmapped|no sync rule/, "no second visit finding its own rewrite");
  const skipped = written.stderr.split("\n").filter(Boolean).sort();
  assert.deepEqual(skipped, [
    "registry-dr rewrite: k8s/gone.yaml: skipped: a dangling symlink (to no-such.yaml)",
    `registry-dr rewrite: k8s/linked.yaml: skipped: a symlink to ${join(realpathSync(dir), "outside-file.yaml")}, outside k8s`,
    "registry-dr rewrite: k8s/loop.yaml: skipped: a symlink loop",
    `registry-dr rewrite: k8s/shared: skipped: a symlink to ${join(realpathSync(dir), "outside")}, outside k8s`,
  ]);
  assert.deepEqual(contents(dir, ["k8s/app.yaml", "k8s/sub/job.yaml"]), [REWRITTEN, REWRITTEN]);
  assert.deepEqual(contents(dir, ["outside/shared.yaml", "outside-file.yaml"]), [MANIFEST, MANIFEST], "nothing outside the tree was rewritten");
  assert.ok(lstatSync(join(dir, "k8s", "zz-alias.yaml")).isSymbolicLink(), "the link inside the tree is still a link");

  const named = await run(dir, ["--write", "k8s/loop.yaml"]);
  assert.equal(named.code, 2);
  assert.equal(named.stderr, "registry-dr rewrite: k8s/loop.yaml: cannot read it (a symlink loop)\n");
  const explicit = await run(dir, ["--write", "k8s/linked.yaml"]);
  assert.equal(explicit.code, 0, explicit.stderr);
  assert.equal(
    readFileSync(join(dir, "outside-file.yaml"), "utf8"),
    REWRITTEN,
    "a link named on the command line is the user's choice: its target is rewritten",
  );
  assert.ok(lstatSync(join(dir, "k8s", "linked.yaml")).isSymbolicLink(), "and the link stays a link");
});

test("a file that is not UTF-8 (a Latin-1 é) is refused naming the file, the byte and its offset; no file is written, a byte-order mark is kept", async () => {
  const dir = workspace("latin1");
  const latin1 = Buffer.concat([Buffer.from("# caf"), Buffer.from([0xe9]), Buffer.from(` menu\n${MANIFEST}`)]);
  writeFileSync(join(dir, "a.yaml"), MANIFEST);
  writeFileSync(join(dir, "b.yaml"), latin1);
  for (const args of [["--write"], [], ["--check"]]) {
    const result = await run(dir, [...args, "a.yaml", "b.yaml"]);
    assert.equal(result.code, 2, result.stderr);
    assert.equal(
      result.stderr,
      "registry-dr rewrite: b.yaml: not UTF-8: byte 0xe9 at offset 5 (line 1); convert the file to UTF-8 first; nothing was written\n",
    );
  }
  assert.equal(readFileSync(join(dir, "a.yaml"), "utf8"), MANIFEST, "the UTF-8 file before it is not written either");
  assert.ok(readFileSync(join(dir, "b.yaml")).equals(latin1), "the Latin-1 file is intact, byte for byte");

  const withMark = Buffer.from(`\uFEFF# café, in UTF-8\n${MANIFEST}`);
  writeFileSync(join(dir, "c.yaml"), withMark);
  const written = await run(dir, ["--write", "c.yaml"]);
  assert.equal(written.code, 0, written.stderr);
  assert.ok(readFileSync(join(dir, "c.yaml")).equals(Buffer.from(`\uFEFF# café, in UTF-8\n${REWRITTEN}`)), "UTF-8 text and the byte-order mark are kept");
});

test("20,000 references are rewritten in one pass (a generous 20 s bound: slicing per reference took minutes), and a file over 16 MiB is refused with a clear message", async () => {
  const dir = workspace("scale");
  const containers = Array.from({ length: 20_000 }, (_, i) => `  - name: c${i}\n    image: harbor.example.com/library/nginx:${i}\n`).join("");
  writeFileSync(join(dir, "many.yaml"), `containers:\n${containers}`);
  const started = Date.now();
  const result = await run(dir, ["--write", "many.yaml"]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal(result.stdout, "many.yaml: 20000 reference(s) rewritten\n");
  assert.ok(Date.now() - started < 20_000, `took ${Date.now() - started} ms`);
  const text = readFileSync(join(dir, "many.yaml"), "utf8");
  assert.equal(text.match(/registry\.example\.com\/dr\/nginx:\d+/g)?.length, 20_000);
  assert.ok(text.includes("image: registry.example.com/dr/nginx:19999\n"));

  const huge = `${MANIFEST}${"#".repeat(17 * 1024 * 1024)}\n`;
  writeFileSync(join(dir, "huge.yaml"), huge);
  const refused = await run(dir, ["--write", "many.yaml", "huge.yaml"]);
  assert.equal(refused.code, 2);
  assert.equal(
    refused.stderr,
    `registry-dr rewrite: huge.yaml: ${Buffer.byteLength(huge)} bytes, larger than the 16 MiB a manifest or values file may be; split it; nothing was written\n`,
  );
  assert.equal(readFileSync(join(dir, "huge.yaml"), "utf8").length, huge.length);
});
