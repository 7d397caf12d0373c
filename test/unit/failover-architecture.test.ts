import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { test } from "node:test";

/**
 * The break-glass command must work while Pulumi cannot: it and everything it imports
 * (types included) stay out of provider/resources, and provider/failover imports no Pulumi.
 * Read from the TypeScript sources, so an `import type` counts too.
 */

const ROOT = resolve(__dirname, "../../..");

/** Every project file reachable from `entry` by import, export-from, import() or require(); packages by name. */
function reachable(entry: string): { files: Set<string>; packages: Set<string> } {
  const files = new Set<string>();
  const packages = new Set<string>();
  const pending = [resolve(ROOT, entry)];
  while (pending.length > 0) {
    const file = pending.pop()!;
    if (files.has(file)) continue;
    files.add(file);
    const source = readFileSync(file, "utf8");
    for (const match of source.matchAll(/(?:\bfrom\s*|\bimport\s*\(\s*|\brequire\s*\(\s*|^\s*import\s+)["']([^"']+)["']/gm)) {
      const specifier = match[1];
      if (!specifier.startsWith(".")) {
        packages.add(specifier);
        continue;
      }
      const base = resolve(dirname(file), specifier);
      const target = [`${base}.ts`, join(base, "index.ts")].find((candidate) => existsSync(candidate));
      assert.ok(target, `${relative(ROOT, file)} imports ${specifier}, which resolves to no .ts file`);
      pending.push(target);
    }
  }
  return { files, packages };
}

test("registry-dr failover and everything it imports reach no provider/resources file", () => {
  const { files } = reachable("cli/commands/failover.ts");
  const shown = [...files].map((file) => relative(ROOT, file));
  assert.ok(shown.includes("provider/failover/failover-switch.ts"), "the command runs the failover switch");
  assert.deepEqual(
    shown.filter((file) => file.startsWith("provider/resources/")),
    [],
  );
});

test("provider/failover imports no @pulumi package, directly or through what it imports", () => {
  const { files, packages } = reachable("provider/failover/index.ts");
  assert.deepEqual(
    [...packages].filter((name) => name.startsWith("@pulumi/")),
    [],
  );
  assert.deepEqual(
    [...files].map((file) => relative(ROOT, file)).filter((file) => file.startsWith("provider/resources/") || file.startsWith("components/")),
    [],
  );
});

test("the vendor record stores import nothing above provider/clients: the interface they implement sits beside them", () => {
  for (const store of ["provider/clients/alicloud/privatezone-records.ts", "provider/clients/alicloud/alidns-records.ts", "provider/clients/dns/rfc2136-records.ts", "provider/clients/google/cloud-dns-records.ts"]) {
    const outside = [...reachable(store).files].map((file) => relative(ROOT, file)).filter((file) => /^(provider\/(failover|sync|resources)|components)\//.test(file));
    assert.deepEqual(outside, [], `${store} reaches ${outside.join(", ")}`);
  }
});
