import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { resolve } from "node:path";
import { test } from "node:test";
import { dynamicResourceModules } from "../../../provider/resources";
import { StillInUseError, deleteUnlessGone } from "../../../provider/resources/delete-remote";

/** The list of dynamic resources resolves from the built package, as the provider host loads it. */

const repoRoot = resolve(__dirname, "../../../..");
const OPERATIONS = ["check", "diff", "create", "read", "update", "delete"] as const;

test("every entry's module path and export name load a provider from the built package", () => {
  assert.equal(new Set(dynamicResourceModules.map((entry) => entry.token)).size, dynamicResourceModules.length, "tokens are unique");
  for (const { token, modulePath, exportName } of dynamicResourceModules) {
    assert.match(token, /^pulumi-nodejs:dynamic\/[a-z-]+:[A-Z]\w+$/);
    const provider = require(resolve(repoRoot, modulePath))[exportName];
    assert.ok(provider, `${modulePath} exports ${exportName}`);
    for (const operation of OPERATIONS) assert.equal(typeof provider[operation], "function", `${token}: ${operation}`);
  }
});

test("every dynamic resource class the package exports is in the list", () => {
  const lib = require(resolve(repoRoot, "dist/lib.js")) as Record<string, unknown>;
  const classes = Object.entries(lib).filter(([, value]) => typeof value === "function" && (value as Function).prototype instanceof pulumi.dynamic.Resource);
  assert.ok(classes.length >= 7, classes.map(([name]) => name).join(", "));
  const types = dynamicResourceModules.map((entry) => entry.token.split(":").pop());
  for (const [name] of classes) assert.ok(types.includes(name), `${name} is listed`);
});

test("a delete that finds the object gone succeeds; one refused because it is in use says what holds it", async () => {
  const failing = (status: number) => async () => Promise.reject(Object.assign(new Error(`answered ${status}`), { status }));
  await deleteUnlessGone(failing(404), () => "unused");
  await assert.rejects(deleteUnlessGone(failing(412), (said) => `held by a policy (${said})`), (error: Error) => error instanceof StillInUseError && error.message === "held by a policy (answered 412)");
  await assert.rejects(deleteUnlessGone(failing(500), () => "unused"), /answered 500/);
});
