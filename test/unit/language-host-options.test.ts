import assert from "node:assert/strict";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { runtimeOptionsEnvironment } from "../engine/cli/language-host";

/**
 * The engine tests' Node.js language host passes a project's runtime options to the run script
 * as Pulumi's own host does: TypeScript through ts-node unless `typescript: false`, and the
 * `tsconfig` path. Without them a `.ts` program runs under Node's type stripping, a different
 * program than users run.
 */

const sdk = dirname(require.resolve("@pulumi/pulumi/package.json"));
const language = require(join(sdk, "proto/language_pb.js"));
const { Struct } = require(require.resolve("google-protobuf/google/protobuf/struct_pb", { paths: [sdk] }));

function runRequest(options?: Record<string, unknown>) {
  const info = new language.ProgramInfo();
  if (options) info.setOptions(Struct.fromJavaScript(options));
  return new language.RunRequest().setInfo(info);
}

test("TypeScript is on unless the project turns it off, as Pulumi's host defaults it", () => {
  assert.deepEqual(runtimeOptionsEnvironment(runRequest()), { PULUMI_NODEJS_TYPESCRIPT: "true" });
  assert.deepEqual(runtimeOptionsEnvironment(runRequest({ typescript: true })), { PULUMI_NODEJS_TYPESCRIPT: "true" });
  assert.deepEqual(runtimeOptionsEnvironment(runRequest({ typescript: false })), {});
});

test("the project's tsconfig option reaches the run script", () => {
  assert.deepEqual(runtimeOptionsEnvironment(runRequest({ tsconfig: "tsconfig.pulumi.json" })), {
    PULUMI_NODEJS_TYPESCRIPT: "true",
    PULUMI_NODEJS_TSCONFIG_PATH: "tsconfig.pulumi.json",
  });
});
