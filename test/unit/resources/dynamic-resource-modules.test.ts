import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { test } from "node:test";
import { dynamicResourceModules } from "../../../provider/resources";
import { StillInUseError, deleteUnlessGone } from "../../../provider/resources/delete-remote";

/** The list of dynamic resources resolves from the built providers entry, as the provider host loads it. */

const repoRoot = resolve(__dirname, "../../../..");
const OPERATIONS = ["check", "diff", "create", "read", "update", "delete"] as const;

test("every entry's export name loads a provider from the built providers entry", () => {
  assert.equal(new Set(dynamicResourceModules.map((entry) => entry.token)).size, dynamicResourceModules.length, "tokens are unique");
  const providers = require(resolve(repoRoot, "dist/entry/providers.js")) as Record<string, Record<string, unknown>>;
  for (const { token, exportName } of dynamicResourceModules) {
    assert.match(token, /^pulumi-nodejs:dynamic\/[a-z-]+:[A-Z]\w+$/);
    const provider = providers[exportName];
    assert.ok(provider, `registry-dr/providers exports ${exportName}`);
    for (const operation of OPERATIONS) assert.equal(typeof provider[operation], "function", `${token}: ${operation}`);
  }
});

test("the package maps registry-dr/providers, and every module path state written by 0.1.0 names, to the providers entry", () => {
  const { exports } = JSON.parse(readFileSync(resolve(repoRoot, "package.json"), "utf8")) as { exports: Record<string, unknown> };
  assert.equal((exports["./providers"] as Record<string, string>).require, "./dist/entry/providers.js");
  const legacy = dynamicResourceModules.map((entry) => entry.modulePathIn010);
  assert.equal(legacy.filter(Boolean).length, 7, "the seven resources of 0.1.0 have their old paths");
  for (const path of legacy.filter((path): path is string => Boolean(path))) assert.equal(exports[`./${path}`], "./dist/entry/providers.js", path);
});

test("every dynamic resource class the package exports is in the list", () => {
  const lib = require(resolve(repoRoot, "dist/entry/index.js")) as Record<string, unknown>;
  const classes = Object.entries(lib).filter(([, value]) => typeof value === "function" && (value as Function).prototype instanceof pulumi.dynamic.Resource);
  assert.ok(classes.length >= 7, classes.map(([name]) => name).join(", "));
  const types = dynamicResourceModules.map((entry) => entry.token.split(":").pop());
  for (const [name] of classes) assert.ok(types.includes(name), `${name} is listed`);
});

test("a delete that finds the object gone succeeds; one refused because it is in use says what holds it", async () => {
  const failing = (status: number) => async () => Promise.reject(Object.assign(new Error(`answered ${status}`), { status }));
  await deleteUnlessGone(failing(404), () => "unused");
  await assert.rejects(
    deleteUnlessGone(failing(412), (said) => `held by a policy (${said})`),
    (error: Error) => error instanceof StillInUseError && error.message === "held by a policy (answered 412)",
  );
  await assert.rejects(
    deleteUnlessGone(failing(500), () => "unused"),
    /answered 500/,
  );
});
