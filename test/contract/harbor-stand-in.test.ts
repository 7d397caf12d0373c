import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";

/** The stand-in is only worth testing against if it refuses what Harbor's contract refuses. */

let harbor: HarborStandIn;
before(async () => {
  harbor = await startHarborStandIn({ adminPassword: "Stand-In-1" });
});
after(async () => harbor?.stop());

async function call(method: string, path: string, body?: unknown, auth = "admin:Stand-In-1"): Promise<{ status: number; body: any; headers: Headers }> {
  const response = await fetch(`${harbor.url}/api/v2.0/${path}`, {
    method,
    headers: { authorization: `Basic ${Buffer.from(auth).toString("base64")}`, ...(body === undefined ? {} : { "content-type": "application/json" }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await response.text();
  return { status: response.status, body: text ? JSON.parse(text) : undefined, headers: response.headers };
}

test("requests outside the swagger contract are refused and recorded", async () => {
  assert.equal((await call("GET", "projects", undefined, "admin:wrong")).status, 401);
  const cases: [string, string, unknown, number, RegExp][] = [
    ["GET", "no-such-api", undefined, 404, /no API path matches/],
    ["PATCH", "projects", undefined, 405, /PATCH is not allowed/],
    ["GET", "projects?page_size=500", undefined, 422, /"page_size" must be at most 100/],
    ["GET", "projects?pagesize=5", undefined, 422, /"pagesize" is not declared/],
    ["GET", "registries/seven", undefined, 422, /"id" must be an integer/],
    ["POST", "projects", { project_name: "x", public_access: true }, 422, /must NOT have additional properties: "public_access"/],
    ["POST", "registries", { name: 7, type: "harbor", url: "http://x" }, 422, /\/name must be string/],
    ["POST", "replication/policies", { name: "p", filters: [{ type: "name", value: { a: 1 } }] }, 422, /filters\/0\/value/],
  ];
  for (const [method, path, body, status, message] of cases) {
    const answer = await call(method, path, body);
    assert.equal(answer.status, status, `${method} ${path}`);
    assert.match(answer.body.errors[0].message, message);
    assert.ok(answer.headers.get("x-request-id"));
  }
  assert.equal(harbor.violations().length, cases.length);
});

test("Harbor's quirks: 201 without a body, 409, masked secrets, flat registry PUT, deletion and speed", async () => {
  const created = await call("POST", "projects", { project_name: "quirks", metadata: { public: "false" } });
  assert.equal(created.status, 201);
  assert.equal(created.body, undefined);
  assert.match(created.headers.get("location")!, /^\/api\/v2\.0\/projects\/\d+$/);
  assert.equal((await call("POST", "projects", { project_name: "quirks" })).status, 409);
  const unreachable = await call("POST", "registries", {
    name: "down",
    type: "docker-registry",
    url: "http://127.0.0.1:9",
    credential: { type: "basic", access_key: "u", access_secret: "p" },
  });
  assert.equal(unreachable.status, 400);
  assert.match(unreachable.body.errors[0].message, /unhealthy/);
  const endpoint = await call("POST", "registries", {
    name: "self",
    type: "docker-registry",
    url: harbor.registry.url,
    credential: { type: "basic", access_key: "u", access_secret: "p" },
  });
  const id = Number(endpoint.headers.get("location")!.split("/").pop());
  assert.equal((await call("GET", `registries/${id}`)).body.credential.access_secret, "*****");
  assert.equal((await call("PUT", `registries/${id}`, { credential: { access_key: "u" } })).status, 422, "the Registry shape is not the update body");
  assert.equal((await call("PUT", `registries/${id}`, { description: "flat" })).status, 200);
  const policy = await call("POST", "replication/policies", { name: "q", dest_registry: { id }, replicate_deletion: true, speed: -1, enabled: true });
  const stored = (await call("GET", `replication/policies/${policy.headers.get("location")!.split("/").pop()}`)).body;
  assert.equal(stored.replicate_deletion, false, "only `deletion` is read");
  assert.equal(stored.speed, 0);
  assert.equal(stored.dest_namespace_replace_count, -1);
  assert.deepEqual([stored.src_registry.id, stored.src_registry.name], [0, "Local"]);
  assert.equal((await call("PUT", `replication/policies/${stored.id}`, { name: "q", dest_registry: { id } })).status, 200);
  assert.equal((await call("GET", `replication/policies/${stored.id}`)).body.enabled, false, "PUT replaces the whole policy");
  assert.equal((await call("POST", "replication/executions", { policy_id: stored.id })).status, 412, "a disabled policy cannot run");
  assert.equal((await call("DELETE", `registries/${id}`)).status, 412, "in use by a policy");
  assert.match(
    (
      await call("POST", "replication/policies", {
        name: "bad",
        dest_registry: { id },
        trigger: { type: "scheduled", trigger_settings: { cron: "0 * * * * *" } },
      })
    ).body.errors[0].message,
    /Minutes field/,
  );
  assert.match(
    (await call("POST", "replication/policies", { name: "bad", dest_registry: { id }, filters: [{ type: "name", value: "x", decoration: "excludes" }] })).body
      .errors[0].message,
    /only tag and label filter support decoration/,
  );
});
