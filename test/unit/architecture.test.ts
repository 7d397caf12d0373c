import assert from "node:assert/strict";
import { readFileSync, readdirSync, statSync } from "node:fs";
import { dirname, join, normalize } from "node:path";
import { describe, it } from "node:test";

/**
 * The layer drawing in the README, checked: imports point down only, the registry client knows
 * no vendor, the break-glass command never enters the Pulumi resources, and no module cycle.
 * Read from the sources, so a move that breaks a rule fails here before it ships.
 */

const root = join(__dirname, "..", "..", "..");
const productFolders = ["provider", "components", "cli"];

interface SourceFile {
  path: string;
  /** Project files this file imports (types included), and the packages it names. */
  loads: string[];
  /** The project files it loads at run time: what a cycle is made of (a cycle through types only costs nothing). */
  runtimeLoads: string[];
  packages: string[];
}

const sources = readSources();

/** Top to bottom: a file may import its own layer and those below it, never one above. */
const layers: { name: string; prefix: string }[] = [
  { name: "cli", prefix: "cli/" },
  { name: "components", prefix: "components/" },
  { name: "resources", prefix: "provider/resources/" },
  { name: "failover", prefix: "provider/failover/" },
  { name: "watch", prefix: "provider/watch/" },
  { name: "rewrite", prefix: "provider/rewrite/" },
  { name: "sync", prefix: "provider/sync/" },
  { name: "clients", prefix: "provider/clients/" },
  { name: "validation", prefix: "provider/validation/" },
  { name: "http", prefix: "provider/clients/http/" },
];

function layerOf(path: string): number {
  // The longest prefix wins: provider/clients/http is below the rest of clients.
  let best = -1;
  let length = -1;
  layers.forEach((layer, index) => {
    if (path.startsWith(layer.prefix) && layer.prefix.length > length) {
      best = index;
      length = layer.prefix.length;
    }
  });
  return best;
}

describe("architecture", () => {
  it("reads the product's sources", () => {
    assert.ok(sources.size > 100, `only ${sources.size} source files found under ${root}`);
  });

  it("imports point down only", () => {
    const upward: string[] = [];
    for (const file of sources.values()) {
      const own = layerOf(file.path);
      for (const target of file.loads) {
        const theirs = layerOf(target);
        if (own !== -1 && theirs !== -1 && theirs < own) upward.push(`${file.path} -> ${target}`);
      }
    }
    assert.deepEqual(upward, []);
  });

  it("the engine, the failover switch, the clients and the command never load Pulumi", () => {
    const pulumiFree = ["provider/clients/", "provider/sync/", "provider/failover/", "provider/watch/", "provider/rewrite/", "provider/validation/", "cli/"];
    const offenders: string[] = [];
    for (const file of sources.values()) {
      if (!pulumiFree.some((prefix) => file.path.startsWith(prefix))) continue;
      for (const name of file.packages) if (name.startsWith("@pulumi/")) offenders.push(`${file.path} -> ${name}`);
    }
    assert.deepEqual(offenders, []);
  });

  it("the registry client knows no vendor: clients/oci imports only itself, the HTTP layer and Node", () => {
    const offenders: string[] = [];
    for (const file of sources.values()) {
      if (!file.path.startsWith("provider/clients/oci/")) continue;
      for (const target of file.loads) {
        if (!target.startsWith("provider/clients/oci/") && !target.startsWith("provider/clients/http/")) offenders.push(`${file.path} -> ${target}`);
      }
      for (const name of file.packages) if (name !== "undici") offenders.push(`${file.path} -> ${name}`);
    }
    assert.deepEqual(offenders, []);
  });

  it("the break-glass command enters no Pulumi resource file, directly or through another module", () => {
    const reached = closure("cli/commands/failover.ts");
    assert.deepEqual(
      [...reached].filter((path) => path.startsWith("provider/resources/") || path.startsWith("components/")),
      [],
    );
  });

  it("no module cycles", () => {
    assert.deepEqual(cycles(), []);
  });

  it("the import scan sees every form of import, so an empty finding means something", () => {
    const source = [
      'import { A } from "../alicloud/x";',
      'import type { B } from "../google/y";',
      'export * from "../harbor";',
      'const c = require("undici");',
      'import "../dns/z";',
      "await import('../google/w');",
    ].join("\n");
    assert.deepEqual(importedModules(source).sort(), ["../alicloud/x", "../dns/z", "../google/w", "../google/y", "../harbor", "undici"]);
  });
});

function readSources(): Map<string, SourceFile> {
  const paths: string[] = [];
  const walk = (folder: string) => {
    for (const entry of readdirSync(join(root, folder))) {
      const path = join(folder, entry);
      if (statSync(join(root, path)).isDirectory()) walk(path);
      else if (path.endsWith(".ts") && !path.endsWith(".d.ts")) paths.push(path.split("\\").join("/"));
    }
  };
  for (const folder of productFolders) walk(folder);
  const known = new Set(paths);
  const files = new Map<string, SourceFile>();
  for (const path of paths) {
    const text = readFileSync(join(root, path), "utf8");
    const specifiers = importedModules(text);
    const project = (names: string[]) => names.filter((spec) => spec.startsWith(".")).flatMap((spec) => resolve(path, spec, known) ?? []);
    const packages = specifiers.filter((spec) => !spec.startsWith(".") && !spec.startsWith("node:")).map(packageName);
    files.set(path, { path, loads: project(specifiers), runtimeLoads: project(importedModules(withoutTypeImports(text))), packages });
  }
  return files;
}

/**
 * Every module a file names, type-only imports included (they couple as much as value ones):
 * static imports and re-exports, side-effect imports, dynamic imports and requires.
 */
function importedModules(source: string): string[] {
  const patterns = [
    /\b(?:import|export)\s+(?:type\s+)?[^'";]*?\bfrom\s+["']([^"']+)["']/g,
    /^\s*import\s+["']([^"']+)["']/gm,
    /\b(?:import|require)\s*\(\s*["']([^"']+)["']\s*\)/g,
  ];
  return patterns.flatMap((pattern) => [...source.matchAll(pattern)].map((match) => match[1]));
}

/** The text without `import type`/`export type` statements and imports whose every name is a type. */
function withoutTypeImports(source: string): string {
  return source.replace(/^\s*(?:import|export)\s+type\s[^;]*;/gm, "").replace(/^\s*import\s*\{(?:\s*type\s+\w+\s*,?)+\s*\}\s*from\s*"[^"]+";/gm, "");
}

function packageName(specifier: string): string {
  return specifier.startsWith("@") ? specifier.split("/").slice(0, 2).join("/") : specifier.split("/")[0];
}

function resolve(from: string, spec: string, known: Set<string>): string | undefined {
  const base = normalize(join(dirname(from), spec))
    .split("\\")
    .join("/");
  for (const candidate of [`${base}.ts`, `${base}/index.ts`]) if (known.has(candidate)) return candidate;
  // A file outside the product folders (lib.ts, a test helper) is not a layer of its own.
  return undefined;
}

function closure(start: string): Set<string> {
  const seen = new Set<string>();
  const stack = [start];
  while (stack.length > 0) {
    const path = stack.pop()!;
    if (seen.has(path)) continue;
    seen.add(path);
    stack.push(...(sources.get(path)?.loads ?? []));
  }
  return seen;
}

/** Strongly connected components of more than one file (Tarjan), each sorted, for a readable failure. */
function cycles(): string[][] {
  let counter = 0;
  const index = new Map<string, number>();
  const low = new Map<string, number>();
  const stack: string[] = [];
  const onStack = new Set<string>();
  const found: string[][] = [];
  const visit = (path: string) => {
    index.set(path, counter);
    low.set(path, counter++);
    stack.push(path);
    onStack.add(path);
    for (const next of sources.get(path)?.runtimeLoads ?? []) {
      if (!index.has(next)) {
        visit(next);
        low.set(path, Math.min(low.get(path)!, low.get(next)!));
      } else if (onStack.has(next)) low.set(path, Math.min(low.get(path)!, index.get(next)!));
    }
    if (low.get(path) === index.get(path)) {
      const component: string[] = [];
      let member: string;
      do {
        member = stack.pop()!;
        onStack.delete(member);
        component.push(member);
      } while (member !== path);
      if (component.length > 1) found.push(component.sort());
    }
  };
  for (const path of sources.keys()) if (!index.has(path)) visit(path);
  return found;
}
