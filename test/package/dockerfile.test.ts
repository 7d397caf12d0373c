import assert from "node:assert/strict";
import { existsSync, readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

/**
 * The container image's build file, checked without a container engine (none runs here):
 * the base is the Node the tests run on, pinned; the runtime stage holds the package as npm
 * publishes it plus production dependencies, runs as a numeric non-root user, and its
 * entrypoint is the command; the build stage copies everything the product compiles from.
 */

const REPO = resolve(__dirname, "../../..");
const packageJson = JSON.parse(readFileSync(join(REPO, "package.json"), "utf8")) as {
  files: string[];
  bin: Record<string, string>;
  engines: { node: string };
  devDependencies: Record<string, string>;
};

interface Instruction {
  keyword: string;
  args: string;
  stage: number;
}

/** The Dockerfile's instructions, continuation lines joined, comments dropped, ARG defaults substituted. */
function instructions(): Instruction[] {
  const text = readFileSync(join(REPO, "Dockerfile"), "utf8");
  const lines = text
    .split("\n")
    .filter((line) => !/^\s*#/.test(line))
    .join("\n")
    .replace(/\\\n/g, " ");
  const defaults = new Map<string, string>();
  const parsed: Instruction[] = [];
  let stage = -1;
  for (const line of lines
    .split("\n")
    .map((line) => line.trim())
    .filter(Boolean)) {
    const [, keyword, rest] = /^(\w+)\s+(.*)$/.exec(line) ?? [];
    assert.ok(keyword, `not an instruction: ${line}`);
    const args = rest.replace(/\$\{(\w+)\}|\$(\w+)/g, (whole, braced, bare) => defaults.get(braced ?? bare) ?? whole);
    if (keyword.toUpperCase() === "ARG" && stage < 0) {
      const [name, value] = args.split("=");
      defaults.set(name, value);
    }
    if (keyword.toUpperCase() === "FROM") stage++;
    parsed.push({ keyword: keyword.toUpperCase(), args, stage });
  }
  return parsed;
}

const all = instructions();
const finalStage = Math.max(...all.map((instruction) => instruction.stage));
const inStage = (stage: number, keyword: string) => all.filter((instruction) => instruction.stage === stage && instruction.keyword === keyword);
const buildStage = all.find((instruction) => instruction.keyword === "FROM" && /\bAS\s+build$/i.test(instruction.args))?.stage;

test("every stage is Node 22 or newer pinned to a full version, the one the tests run on; the runtime is a slim image", () => {
  const froms = all.filter((instruction) => instruction.keyword === "FROM");
  assert.ok(froms.length >= 2, "a build stage and a runtime stage");
  const testedNode = packageJson.devDependencies.node;
  for (const from of froms) {
    const image = from.args.split(/\s+/)[0];
    const match = /^node:(\d+)\.(\d+)\.(\d+)-([a-z0-9-]+)(@sha256:[0-9a-f]{64})?$/.exec(image);
    assert.ok(match, `${image}: expected node:MAJOR.MINOR.PATCH-VARIANT (a full version: a moving tag rebuilds into another Node)`);
    assert.ok(Number(match[1]) >= 22, `${image}: the package needs Node ${packageJson.engines.node}`);
    assert.equal(`${match[1]}.${match[2]}.${match[3]}`, testedNode, `${image}: the Node version the tests run on (devDependencies.node)`);
  }
  const runtime = froms.find((from) => from.stage === finalStage)!.args;
  assert.match(runtime, /-slim\b/, "the runtime stage is a slim image");
  assert.doesNotMatch(runtime, /\bAS\s+build\b/i);
});

test("the runtime stage runs as a numeric non-root user, set before the entrypoint and never switched back", () => {
  const runtime = all.filter((instruction) => instruction.stage === finalStage);
  const users = runtime.filter((instruction) => instruction.keyword === "USER");
  assert.ok(users.length > 0, "a USER instruction in the runtime stage");
  const [user, group] = users[users.length - 1].args.split(":");
  assert.match(user, /^\d+$/, "numeric, so Kubernetes' runAsNonRoot can check it");
  assert.notEqual(Number(user), 0, "not root");
  if (group !== undefined) assert.notEqual(Number(group), 0, "not the root group");
  const entrypointAt = runtime.findIndex((instruction) => instruction.keyword === "ENTRYPOINT");
  assert.ok(runtime.indexOf(users[users.length - 1]) < entrypointAt, "USER comes before ENTRYPOINT");
  assert.ok(
    runtime.slice(runtime.indexOf(users[users.length - 1]) + 1).every((instruction) => instruction.keyword !== "RUN"),
    "nothing runs after the switch (it would run as that user, or tempt a switch back)",
  );
});

test("the entrypoint is the registry-dr command in exec form, linked to the packed bin", () => {
  const [entrypoint] = inStage(finalStage, "ENTRYPOINT");
  assert.deepEqual(JSON.parse(entrypoint.args), ["registry-dr"], "exec form: arguments (and signals) reach the command, not a shell");
  const install = installDirectory();
  const link = inStage(finalStage, "RUN")
    .map((run) => /ln -s (\S+) (\S+)/.exec(run.args))
    .find((match) => match?.[2].endsWith("/registry-dr"));
  assert.ok(link, "registry-dr is linked onto the PATH");
  assert.equal(link[1], `${install}/${packageJson.bin["registry-dr"]}`, "the link points at package.json's bin");
  assert.ok(["/usr/local/bin/registry-dr", "/usr/bin/registry-dr"].includes(link[2]));
});

test("the runtime stage gets only the packed package and its production dependencies", () => {
  const install = installDirectory();
  const copies = [...inStage(finalStage, "COPY"), ...inStage(finalStage, "ADD")];
  assert.ok(copies.length > 0);
  for (const copy of copies)
    assert.equal(copy.args, `--from=build ${install} ${install}`, `${copy.keyword} ${copy.args}: only the packed package from the build stage`);
  const build = inStage(buildStage!, "RUN")
    .map((run) => run.args)
    .join(" && ");
  assert.match(build, /npm pack --ignore-scripts/, "the package as npm publishes it (package.json files)");
  assert.ok(build.includes(`-C ${install} --strip-components=1`), "unpacked where the runtime stage copies from");
  assert.match(build, /npm ci --omit=dev/, "production dependencies pinned by the lockfile");
  assert.match(build, /npm ci --ignore-scripts/, "the build installs from the lockfile too");
  assert.match(build, /tsc -p \./, "compiled in the build stage, not taken from a local dist/");
});

test("there is a build stage named build", () => assert.notEqual(buildStage, undefined));

test("the build stage copies every source the published files are compiled from, and those import nothing left out", () => {
  const copied = inStage(buildStage!, "COPY")
    .flatMap((copy) => copy.args.split(/\s+/).slice(0, -1))
    .filter((source) => !source.startsWith("--"));
  const ignored = readFileSync(join(REPO, ".dockerignore"), "utf8")
    .split("\n")
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith("#"));
  for (const source of copied) {
    assert.ok(existsSync(join(REPO, source)), `${source} exists`);
    assert.ok(!ignored.some((pattern) => pattern === source || source.startsWith(`${pattern}/`)), `${source} is not in .dockerignore`);
  }
  for (const needed of ["node_modules", "dist", ".git"]) assert.ok(ignored.includes(needed), `.dockerignore keeps ${needed} out of the build context`);

  // package.json "files" -> the sources they are built from.
  for (const published of packageJson.files) {
    const source = published.startsWith("dist/")
      ? published
          .slice("dist/".length)
          .split("/")[0]
          .replace(/\.(js|d\.ts)$/, ".ts")
      : published.split("/")[0];
    assert.ok(copied.includes(source), `${published} is built from ${source}, which the build stage copies`);
  }

  // Relative imports that leave the copied sources would not compile in the image.
  const roots = copied.map((source) => join(REPO, source));
  const within = (file: string) => roots.some((root) => file === root || file.startsWith(`${root}/`));
  const escapes: string[] = [];
  for (const file of roots.flatMap(typeScriptFiles)) {
    for (const [, specifier] of readFileSync(file, "utf8").matchAll(/(?:from\s+|import\(|require\()"(\.{1,2}\/[^"]*)"/g)) {
      // JSON is read at run time from the compiled file's place in dist/: the packed package.json.
      if (specifier.endsWith(".json")) {
        if (resolve(REPO, "dist", relative(REPO, dirname(file)), specifier) !== join(REPO, "package.json"))
          escapes.push(`${relative(REPO, file)}: ${specifier}`);
        continue;
      }
      const target = resolve(dirname(file), specifier);
      if (![target, `${target}.ts`, join(target, "index.ts")].some((candidate) => existsSync(candidate) && within(candidate)))
        escapes.push(`${relative(REPO, file)}: ${specifier}`);
    }
  }
  assert.deepEqual(escapes, []);
});

/** Where the build stage unpacks the package. */
function installDirectory(): string {
  const build = inStage(buildStage!, "RUN")
    .map((run) => run.args)
    .join(" && ");
  const match = /tar -xzf \S+ -C (\S+)/.exec(build);
  assert.ok(match, "the build stage unpacks the npm pack tarball");
  return match[1];
}

function typeScriptFiles(path: string): string[] {
  if (statSync(path).isFile()) return path.endsWith(".ts") ? [path] : [];
  return readdirSync(path).flatMap((entry) => typeScriptFiles(join(path, entry)));
}
