import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { absent, ConfigError, keyedUnion, oneOfProblem, parseWithSchema } from "../../provider/validation";

/** "Exactly one of" unions chosen by key: the chosen branch's problems at their paths, none or several named. */

const schema = () =>
  z.strictObject({
    site: keyedUnion(
      ["acr", "registry"],
      [
        z.strictObject({ acr: z.strictObject({ region: z.string({ error: "expected a region" }) }), registry: absent() }),
        z.strictObject({ registry: z.strictObject({ url: z.string({ error: "expected a URL" }) }), acr: absent() }),
      ],
      "where copies go",
    ),
  });

const issues = (value: unknown) => {
  try {
    parseWithSchema(schema(), value);
  } catch (error) {
    assert.ok(error instanceof ConfigError);
    return error.issues.map((issue) => `${issue.path.join(".")}: ${issue.message}`);
  }
  return [];
};

test("the key a value holds chooses its branch, whose problems keep their paths", () => {
  assert.deepEqual(issues({ site: { acr: {} } }), ["site.acr.region: expected a region"]);
  assert.deepEqual(issues({ site: { registry: { url: 5 } } }), ["site.registry.url: expected a URL"]);
  assert.deepEqual(issues({ site: { acr: { region: "cn-hangzhou" } } }), []);
});

test("none or several of the keys are named", () => {
  assert.deepEqual(issues({ site: {} }), ["site: expected exactly one of acr or registry: where copies go"]);
  assert.deepEqual(issues({ site: { acr: {}, registry: {} } }), ["site: expected exactly one of acr or registry; got both acr and registry"]);
  assert.deepEqual(issues({ site: "acr" }), ["site: expected exactly one of acr or registry: where copies go"]);
  assert.equal(oneOfProblem(["a", "b", "c"], { a: 1, b: 2, c: 3 }), "expected exactly one of a, b or c; got a, b and c");
  assert.equal(oneOfProblem(["a", "b"], { a: undefined, b: 2 }), undefined, "a key given as undefined is not given");
});
