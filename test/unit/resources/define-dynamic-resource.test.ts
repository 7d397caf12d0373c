import * as pulumi from "@pulumi/pulumi";
import assert from "node:assert/strict";
import { test } from "node:test";
import { z } from "zod";
import { UNKNOWN } from "../../../provider/resources/check-inputs";
import { defineDynamicResource } from "../../../provider/resources/define-dynamic-resource";
import { ConfigError } from "../../../provider/validation";
import { captureResources, findSecretLeaks, isSecretValue } from "../../support/provider-host";

/** The helper every dynamic resource is defined with, on a small resource of its own. */

const widgetSchema = () =>
  z.strictObject({
    name: z.string({ error: "expected a name" }).min(1, { error: "expected a name" }),
    size: z.number({ error: "expected a size" }).int().optional(),
    password: z.string().optional(),
    tags: z.array(z.string()).optional(),
  });
type WidgetInputs = z.infer<ReturnType<typeof widgetSchema>>;
interface WidgetOutputs extends WidgetInputs {
  widgetId: string;
  note?: string;
}
interface WidgetArgs {
  name: pulumi.Input<string>;
  size?: pulumi.Input<number>;
  password?: pulumi.Input<string>;
  tags?: pulumi.Input<pulumi.Input<string>[]>;
}

const calls: string[] = [];
let lookOutside = false;
const widget = defineDynamicResource<WidgetArgs, WidgetOutputs>()({
  module: "test",
  type: "Widget",
  schema: widgetSchema,
  outputs: ["widgetId", "note"],
  secretInputs: ["password"],
  secretOutputs: ["password"],
  replaceOn: ["name"],
  // The remote sorts tags and stores no size as 1.
  normalize: (values) => ({ ...values, size: values.size ?? 1, tags: [...(values.tags ?? [])].sort() }),
  alsoChanged: () => lookOutside,
  check: (inputs) => {
    if (inputs.size === 13) throw new ConfigError([{ path: ["size"], message: "expected a lucky size" }]);
  },
  async create(inputs) {
    calls.push(`create ${JSON.stringify(inputs)}`);
    return { id: "w-1", outs: { ...inputs, widgetId: "w-1", note: undefined } };
  },
  async read(id, props) {
    calls.push(`read ${JSON.stringify(props)}`);
    return { id, props: { ...props, note: undefined } };
  },
  async update(_id, olds, news) {
    calls.push(`update ${JSON.stringify(news)}`);
    return { ...olds, ...news };
  },
  async delete() {},
});
const provider = widget.provider;

test("the token and default export name come from the definition", () => {
  assert.equal(widget.token, "pulumi-nodejs:dynamic/test:Widget");
  assert.equal(widget.exportName, "widgetProvider");
});

test("check names each failure by property path, runs the cross-field rule, and accepts unknown values", async () => {
  const bad = await provider.check!({}, { name: "", size: 1.5, colour: "red" });
  assert.deepEqual(Object.fromEntries((bad.failures ?? []).map((failure) => [failure.property, failure.reason])), {
    name: "expected a name",
    size: "expected a size",
    colour: "unknown property: check its spelling against the documented inputs",
  });
  assert.deepEqual((await provider.check!({}, { name: "a", size: 13 })).failures, [{ property: "size", reason: "expected a lucky size" }]);
  assert.deepEqual((await provider.check!({}, { name: UNKNOWN, size: 13 })).failures, [], "rules wait until every value is known");
});

test("diff: replace keys replace, other keys update, normalised values and absent ones are no change", async () => {
  const olds = { name: "a", size: 1, tags: ["y", "x"], widgetId: "w-1" };
  assert.deepEqual(await provider.diff!("w-1", olds, { name: "a", tags: ["x", "y"], __provider: "shim" }), {
    changes: false,
    replaces: [],
    deleteBeforeReplace: false,
  });
  assert.deepEqual(await provider.diff!("w-1", olds, { name: "b", size: 1, tags: ["x", "y"] }), {
    changes: true,
    replaces: ["name"],
    deleteBeforeReplace: true,
  });
  assert.deepEqual(await provider.diff!("w-1", olds, { name: "a", size: 2, tags: ["x", "y"] }), { changes: true, replaces: [], deleteBeforeReplace: false });
});

test("diff: an unknown value is a change; the outside look runs only when the inputs are known and unchanged", async () => {
  const olds = { name: "a", widgetId: "w-1" };
  assert.equal((await provider.diff!("w-1", olds, { name: "a", tags: [UNKNOWN] })).changes, true);
  lookOutside = true;
  try {
    assert.equal((await provider.diff!("w-1", olds, { name: "a" })).changes, true);
  } finally {
    lookOutside = false;
  }
});

test("create, read and update get inputs without the serialized provider and return storable outputs", async () => {
  calls.length = 0;
  const created = await provider.create({ name: "a", __provider: "shim" });
  assert.deepEqual(created, { id: "w-1", outs: { name: "a", widgetId: "w-1" } }, "undefined outputs are dropped: protobuf Structs reject them");
  const read = await provider.read!("w-1", { name: "a", widgetId: "w-1", __provider: "shim" });
  assert.deepEqual(read.props, { name: "a", widgetId: "w-1" });
  const updated = await provider.update!("w-1", { name: "a", widgetId: "w-1", __provider: "shim" }, { name: "a", size: 3, __provider: "shim" });
  assert.deepEqual(updated.outs, { name: "a", widgetId: "w-1", size: 3 });
  assert.ok(
    calls.every((call) => !call.includes("__provider")),
    calls.join("\n"),
  );
});

test("the resource class seeds its outputs, wraps a secret input only when given, and serializes only the loader", async () => {
  let withPassword: InstanceType<typeof widget.Resource> | undefined;
  const captured = await captureResources(() => [
    (withPassword = new widget.Resource("with-password", { name: "a", password: "hunter2-Secret" })),
    new widget.Resource("without", { name: "b" }),
  ]);
  const byName = Object.fromEntries(captured.map((resource) => [resource.name, resource]));
  assert.equal(byName["with-password"].type, "pulumi-nodejs:dynamic/test:Widget");
  assert.ok(pulumi.Output.isInstance(withPassword!.widgetId), "a seeded output is exposed as an Output");
  assert.ok(isSecretValue(byName["with-password"].inputs.password), "a given secret input is registered as a secret");
  assert.equal(byName.without.inputs.password, undefined, "no secret where nothing was given");
  assert.deepEqual(findSecretLeaks(["hunter2-Secret"], { providerText: byName["with-password"].providerText }), []);
  assert.ok(
    byName["with-password"].providerText.includes('fromStack("registry-dr/providers")'),
    "the serialized provider loads from the package's providers entry, by subpath",
  );
  assert.ok(byName["with-password"].providerText.includes('exportName: "widgetProvider"'), "and names its provider there");
  assert.ok(!/dist\//.test(byName["with-password"].providerText), "no file path of the package is stored");
  assert.ok(!byName["with-password"].providerText.includes("alsoChanged"), "none of the provider's own code is serialized");
});
