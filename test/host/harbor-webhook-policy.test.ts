import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HarborProject, HarborWebhookPolicy } from "../../provider/resources/harbor";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";
import { captureResources, findSecretLeaks, ProviderHost, ResourceDriver } from "../support/provider-host";

/**
 * HarborWebhookPolicy through the real provider host against the Harbor stand-in: create,
 * drift read back (an address edited by hand, a disabled policy, a changed auth header),
 * update, adopt, delete; bad input refused with nothing created; the secret never in plain.
 */

const ADMIN = "Harbor12345-webhooks";
const SECRET = "watch-secret-0123456789abcdef";
const SECRET_2 = "rotated-secret-9876543210fedcba";
const HAND_SECRET = "typed-in-harbor-ui-000111222";
const ADDRESS = "http://dr-watch.registry-dr.svc:8480/events/harbor";

let harbor: HarborStandIn;
let host: ProviderHost;
let webhook: ResourceDriver;
const errors: string[] = [];

before(async () => {
  harbor = await startHarborStandIn({ adminPassword: ADMIN });
  const captured = await captureResources(() => [
    new HarborProject("dr-source", { name: "dr-source" }),
    new HarborWebhookPolicy("to-watcher", { project: "dr-source", name: "registry-dr-watch", address: ADDRESS, secret: SECRET }),
  ]);
  host = await ProviderHost.start();
  await host.configure({ "registry-dr:harborUrl": harbor.url, "registry-dr:harborUsername": "admin", "registry-dr:harborPassword": ADMIN });
  const project = host.resource(captured.find((resource) => resource.name === "dr-source")!);
  await project.create(project.inputs());
  webhook = host.resource(captured.find((resource) => resource.name === "to-watcher")!);
});
after(async () => Promise.all([host?.stop(), harbor?.stop()]));

async function api(method: string, path: string, body?: unknown, auth = true): Promise<Response> {
  return fetch(`${harbor.url}/api/v2.0/${path}`, {
    method,
    headers: {
      ...(auth ? { authorization: `Basic ${Buffer.from(`admin:${ADMIN}`).toString("base64")}` } : {}),
      "x-is-resource-name": "true",
      ...(body === undefined ? {} : { "content-type": "application/json" }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
}

async function storedPolicies(project = "dr-source"): Promise<any[]> {
  return (await api("GET", `projects/${project}/webhook/policies?page_size=100`)).json() as Promise<any[]>;
}

async function rejected(call: Promise<unknown>): Promise<string> {
  const error = await call.then(
    () => assert.fail("expected the call to fail"),
    (failure: Error) => failure,
  );
  errors.push(error.message);
  return error.message;
}

test("check names each bad input, never quoting the secret, and nothing reaches Harbor", async () => {
  assert.equal(webhook.captured.type, "pulumi-nodejs:dynamic/harbor:HarborWebhookPolicy");
  const cases: [Record<string, unknown>, string, RegExp][] = [
    [{ address: "ftp://watch.example.com/events/harbor" }, "address", /http or https, not ftp/],
    [{ address: `${ADDRESS}?registry=harbor.example.com` }, "address", /without a query or fragment: Harbor keeps only scheme, host and path/],
    [{ address: "not a url" }, "address", /expected the watcher's event URL/],
    [{ secret: "short-secret" }, "secret", /at least 16 characters/],
    [{ secret: "a secret with spaces in it" }, "secret", /printable ASCII without spaces/],
    [{ eventTypes: ["PULL_ARTIFACT"] }, "eventTypes[0]", /PUSH_ARTIFACT or DELETE_ARTIFACT/],
    [{ eventTypes: [] }, "eventTypes", /at least one event type/],
    [{ eventTypes: ["PUSH_ARTIFACT", "PUSH_ARTIFACT"] }, "eventTypes", /each event type once/],
    [{ payloadFormat: "JSON" }, "payloadFormat", /"Default" .* or "CloudEvents"/],
    [{ project: "Bad Project" }, "project", /lower-case letters/],
  ];
  for (const [overrides, property, reason] of cases) {
    const { failures } = await webhook.check(webhook.inputs(overrides));
    assert.equal(failures.length, 1, `${JSON.stringify(overrides)}: ${JSON.stringify(failures)}`);
    assert.equal(failures[0].property, property);
    assert.match(failures[0].reason, reason);
    for (const secret of ["short-secret", "a secret with spaces in it", SECRET]) assert.ok(!failures[0].reason.includes(secret));
  }
  assert.deepEqual((await webhook.check(webhook.inputs())).failures, []);
  const missing = await rejected(webhook.create(webhook.inputs({ project: "no-such-project" })));
  assert.match(missing, /Harbor project "no-such-project" does not exist/);
  assert.deepEqual(await storedPolicies(), [], "nothing was created");
});

let id: string;
let outputs: Record<string, unknown>;

test("create points the project's webhook at the watcher, the secret as the auth header", async () => {
  const created = await webhook.create(webhook.inputs());
  id = created.id;
  outputs = created.outputs;
  assert.match(id, /^[1-9]\d*$/);
  assert.equal(outputs.policyId, Number(id));
  assert.equal(outputs.adopted, false);
  const [stored] = await storedPolicies();
  assert.equal(stored.name, "registry-dr-watch");
  assert.deepEqual(stored.event_types, ["PUSH_ARTIFACT"]);
  assert.equal(stored.enabled, true);
  assert.deepEqual(stored.targets, [{ type: "http", address: ADDRESS, auth_header: `Bearer ${SECRET}`, skip_cert_verify: false, payload_format: "Default" }]);
  assert.equal(outputs.projectId, stored.project_id);
  const read = await webhook.read(id, outputs);
  assert.equal(read.id, id);
  assert.deepEqual(await webhook.diff(id, read.outputs, webhook.inputs()), { changes: "none", replaces: [] });
  assert.deepEqual((await webhook.diff(id, read.outputs, webhook.inputs({ project: "library" }))).replaces, ["project"]);
  const again = await rejected(webhook.create(webhook.inputs()));
  assert.match(again, /already exists in Harbor project "dr-source".*set adopt: true/);
  assert.equal((await storedPolicies()).length, 1);
});

test("a refresh reads drift: an address edited by hand, a disabled policy, another auth header", async () => {
  const [stored] = await storedPolicies();
  const edited = {
    name: stored.name,
    description: "edited in the UI",
    targets: [{ ...stored.targets[0], address: "http://elsewhere.example.com/hook", auth_header: `Bearer ${HAND_SECRET}` }],
    event_types: stored.event_types,
    enabled: false,
  };
  assert.equal((await api("PUT", `projects/dr-source/webhook/policies/${id}`, edited)).status, 200);
  const read = await webhook.read(id, outputs);
  assert.equal(read.outputs.address, "http://elsewhere.example.com/hook");
  assert.equal(read.outputs.enabled, false);
  assert.equal(read.outputs.description, "edited in the UI");
  assert.notEqual(read.outputs.secret, SECRET, "a changed auth header reads as a changed secret");
  assert.equal((await webhook.diff(id, read.outputs, webhook.inputs())).changes, "some");

  // The header alone, changed back: the secret is the only drift, and it is seen.
  const headerEdited = { ...edited, description: stored.description, enabled: true, targets: [{ ...stored.targets[0], auth_header: `Bearer ${HAND_SECRET}` }] };
  assert.equal((await api("PUT", `projects/dr-source/webhook/policies/${id}`, headerEdited)).status, 200);
  const headerOnly = await webhook.read(id, outputs);
  assert.equal(headerOnly.outputs.address, ADDRESS);
  assert.equal((await webhook.diff(id, headerOnly.outputs, webhook.inputs())).changes, "some");
  outputs = headerOnly.outputs;
});

test("update puts the whole policy back, with a new secret, deletions and CloudEvents", async () => {
  const news = webhook.inputs({
    secret: SECRET_2,
    eventTypes: ["PUSH_ARTIFACT", "DELETE_ARTIFACT"],
    payloadFormat: "CloudEvents",
    description: "to the DR watcher",
  });
  outputs = (await webhook.update(id, outputs, news)).outputs;
  const [stored] = await storedPolicies();
  assert.deepEqual(stored.event_types, ["PUSH_ARTIFACT", "DELETE_ARTIFACT"]);
  assert.equal(stored.enabled, true);
  assert.equal(stored.description, "to the DR watcher");
  assert.deepEqual(stored.targets, [
    { type: "http", address: ADDRESS, auth_header: `Bearer ${SECRET_2}`, skip_cert_verify: false, payload_format: "CloudEvents" },
  ]);
  const read = await webhook.read(id, outputs);
  assert.deepEqual(await webhook.diff(id, read.outputs, news), { changes: "none", replaces: [] });
  assert.deepEqual(await webhook.diff(id, read.outputs, { ...news, eventTypes: ["DELETE_ARTIFACT", "PUSH_ARTIFACT"] }), { changes: "none", replaces: [] });
});

test("delete removes the policy and tolerates one already gone; an adopted policy is left in place", async () => {
  await webhook.delete(id, outputs);
  assert.deepEqual(await storedPolicies(), []);
  assert.equal((await webhook.read(id, outputs)).id, "", "a policy Harbor no longer has reads as deleted");
  await webhook.delete(id, outputs);

  const made = await api("POST", "projects/dr-source/webhook/policies", {
    name: "registry-dr-watch",
    targets: [{ type: "http", address: "http://old.example.com/hook" }],
    event_types: ["PULL_ARTIFACT"],
    enabled: false,
  });
  assert.equal(made.status, 201);
  const adopted = await webhook.create(webhook.inputs({ adopt: true }));
  assert.equal(adopted.outputs.adopted, true);
  assert.equal(adopted.id, made.headers.get("location")!.split("/").pop());
  const [stored] = await storedPolicies();
  assert.equal(stored.targets[0].auth_header, `Bearer ${SECRET}`);
  assert.deepEqual(stored.event_types, ["PUSH_ARTIFACT"]);
  await webhook.delete(adopted.id, adopted.outputs);
  assert.equal((await storedPolicies()).length, 1, "adopted, so kept");

  assert.deepEqual(harbor.violations(), []);
  const leaks = findSecretLeaks([ADMIN, SECRET, SECRET_2, HAND_SECRET], {
    providerText: webhook.captured.providerText,
    outputs: { ...outputs, ...adopted.outputs },
    secretOutputs: ["secret", "harbor"],
    hostOutput: host.output(),
  });
  assert.deepEqual(leaks, []);
  for (const message of errors) for (const secret of [ADMIN, SECRET, SECRET_2]) assert.ok(!message.includes(secret), `an error shows a secret: ${message}`);
});

test("the stand-in's webhook API answers as Harbor: auth, 404s, validation, 409 on a duplicate name", async () => {
  const policy = {
    name: "dup",
    targets: [{ type: "http", address: "http://watch.example.com/events/harbor?x=1" }],
    event_types: ["PUSH_ARTIFACT"],
    enabled: true,
  };
  assert.equal((await api("GET", "projects/dr-source/webhook/policies", undefined, false)).status, 401);
  assert.equal((await api("GET", "projects/no-such/webhook/policies")).status, 404);
  assert.equal((await api("GET", "projects/dr-source/webhook/policies/999")).status, 404);
  assert.equal((await api("GET", "projects/library/webhook/policies/1")).status, 404, "a policy of another project is not found");
  const created = await api("POST", "projects/dr-source/webhook/policies", policy);
  assert.equal(created.status, 201);
  assert.match(created.headers.get("location")!, /^\/api\/v2\.0\/projects\/dr-source\/webhook\/policies\/[1-9]\d*$/);
  const stored = (await (await api("GET", created.headers.get("location")!.replace("/api/v2.0/", ""))).json()) as any;
  assert.equal(stored.targets[0].address, "http://watch.example.com/events/harbor", "Harbor keeps scheme, host and path only");
  assert.equal(stored.targets[0].payload_format, "Default");
  const duplicate = await api("POST", "projects/dr-source/webhook/policies", policy);
  assert.equal(duplicate.status, 409);
  const bad = async (body: unknown) => (await (await api("POST", "projects/dr-source/webhook/policies", body)).json()) as any;
  assert.match((await bad({ ...policy, name: "x", event_types: [] })).errors[0].message, /empty event type/);
  assert.match((await bad({ ...policy, name: "x", event_types: ["PUSHED"] })).errors[0].message, /unsupported event type PUSHED/);
  assert.match((await bad({ ...policy, name: "x", targets: [] })).errors[0].message, /empty notification target/);
  assert.match((await bad({ ...policy, name: "x", targets: [{ type: "http", address: "ftp://x" }] })).errors[0].message, /invalid scheme: ftp/);
  assert.match(
    (await bad({ ...policy, name: "x", targets: [{ type: "http", address: "http://x", payload_format: "XML" }] })).errors[0].message,
    /unsupported payload format type: XML/,
  );
  assert.equal(
    (await api("POST", "projects/dr-source/webhook/policies", { ...policy, name: "x", secret: "extra" })).status,
    422,
    "a field the swagger does not name is a contract violation",
  );
  assert.equal((await api("DELETE", "projects/dr-source/webhook/policies/999")).status, 404);
});
