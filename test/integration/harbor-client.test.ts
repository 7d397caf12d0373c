import assert from "node:assert/strict";
import { createServer, IncomingMessage, ServerResponse } from "node:http";
import { after, before, test } from "node:test";
import { HarborApiError, HarborClient } from "../../provider/clients/harbor";
import { FaultProxy, startFaultProxy } from "../support/fault-proxy";
import { listenOnLoopback } from "../support/loopback-server";
import { HarborStandIn, startHarborStandIn } from "../support/harbor";

/**
 * The Harbor REST client against the Harbor stand-in (which checks every request against
 * Harbor's swagger): ids from Location, paging, Harbor's errors with code and request id,
 * and bounded retries of idempotent calls only.
 */

const PASSWORD = "Harbor12345-client-test";
const FAST_RETRY = { maxRetries: 3, baseDelayMs: 5, maxDelayMs: 50 };

let harbor: HarborStandIn;
let proxy: FaultProxy;
let client: HarborClient;

before(async () => {
  harbor = await startHarborStandIn({ adminPassword: PASSWORD });
  proxy = await startFaultProxy(harbor.url);
  client = new HarborClient({ url: proxy.url, username: "admin", password: PASSWORD }, { retry: FAST_RETRY });
});
after(async () => {
  await client?.close();
  await Promise.all([proxy?.stop(), harbor?.stop()]);
});

test("create returns the id from Location; every page of a long list is read", async () => {
  const names = Array.from({ length: 123 }, (_, i) => `paged-${String(i).padStart(3, "0")}`);
  const ids: number[] = [];
  for (const name of names) ids.push(await client.projects.create({ project_name: name, metadata: { public: "false" } }));
  assert.equal(new Set(ids).size, names.length, "each create answered a distinct id");
  const project = await client.projects.get("paged-007");
  assert.equal(project.project_id, ids[7]);
  proxy.clearRequests();
  const { HarborHttp } = await import("../../provider/clients/harbor");
  const http = new HarborHttp({ url: proxy.url, username: "admin", password: PASSWORD });
  try {
    const listed = await http.list<{ name: string }>("projects");
    const listedNames = listed
      .map((p) => p.name)
      .filter((name) => name.startsWith("paged-"))
      .sort();
    assert.deepEqual(listedNames, names);
    assert.equal(proxy.requests().length, 2, "124 projects in two pages of 100");
  } finally {
    await http.close();
  }
  assert.deepEqual(harbor.violations(), []);
});

test("Harbor's errors carry status, code, message and request id, never the password", async () => {
  await assert.rejects(client.projects.create({ project_name: "paged-001" }), (error: HarborApiError) => {
    assert.ok(error instanceof HarborApiError);
    assert.equal(error.status, 409);
    assert.equal(error.code, "CONFLICT");
    assert.ok(error.requestId, "the request id is kept");
    assert.match(error.message, new RegExp(`POST /api/v2.0/projects: 409 CONFLICT: .*\\(request id ${error.requestId}\\)`));
    return true;
  });
  const wrong = new HarborClient({ url: harbor.url, username: "admin", password: "not-the-password" });
  try {
    await assert.rejects(wrong.registries.adapters(), (error: HarborApiError) => {
      assert.equal(error.status, 401);
      assert.ok(!error.message.includes("not-the-password"));
      return true;
    });
  } finally {
    await wrong.close();
  }
});

test("idempotent calls are retried through 5xx and 429; a create is not repeated", async () => {
  proxy.setFaults({ error: 0.5, throttle: 0.2, retryAfterSeconds: 0, maxPerRequest: 2, methods: ["GET"] });
  proxy.clearRequests();
  const adapters = await client.registries.adapters();
  assert.ok(adapters.includes("docker-registry"));
  assert.ok(proxy.requests().length > 1, "the proxy faulted the first attempt");
  proxy.setFaults({ error: 1, methods: ["POST"] });
  proxy.clearRequests();
  await assert.rejects(client.projects.create({ project_name: "once" }), (error: HarborApiError) => error.status !== undefined && error.status >= 500);
  assert.equal(proxy.requests().length, 1, "a POST that failed is not sent again: it may have been applied");
  proxy.setFaults(undefined);
});

test("a redirect (Harbor's front end sending http to https) is an error naming where, not a silent success", async () => {
  let requests = 0;
  const front = await listenOnLoopback(
    createServer((req, res) => {
      requests++;
      res.writeHead(308, { location: `https://harbor.example.com${req.url}` }).end();
    }),
  );
  const redirected = new HarborClient({ url: `http://127.0.0.1:${front.port}`, username: "admin", password: PASSWORD });
  try {
    await assert.rejects(redirected.projects.delete("dr-source"), (error: HarborApiError) => {
      assert.equal(error.status, 308);
      assert.match(
        error.message,
        /DELETE \/api\/v2\.0\/projects\/dr-source: 308 redirect to https:\/\/harbor\.example\.com\/api\/v2\.0\/projects\/dr-source: set the Harbor URL/,
      );
      return true;
    });
    assert.equal(requests, 1, "nothing is resent");
  } finally {
    await redirected.close();
    await front.close();
  }
});

/** A fake Harbor answering every request with `reply`, recording the request URLs: for answers the stand-in would never give. */
async function fakeHarbor(reply: (req: IncomingMessage, res: ServerResponse) => void) {
  const urls: string[] = [];
  const listening = await listenOnLoopback(
    createServer((req, res) => {
      urls.push(req.url!);
      req.resume().on("end", () => reply(req, res));
    }),
  );
  const origin = `http://127.0.0.1:${listening.port}`;
  const client = new HarborClient({ url: origin, username: "admin", password: PASSWORD }, { retry: FAST_RETRY });
  return { origin, urls, client, close: async () => (await client.close(), await listening.close()) };
}

test("create takes the id only from a Location under the collection just posted to", async () => {
  let location = "";
  const fake = await fakeHarbor((_req, res) => res.writeHead(201, { location }).end());
  try {
    for (const good of ["/api/v2.0/projects/7", `${fake.origin}/api/v2.0/projects/7`]) {
      location = good;
      assert.equal(await fake.client.projects.create({ project_name: "p" }), 7, good);
    }
    const hostile = [
      "/api/v2.0/registries/7",
      "/api/v2.0/projects/../registries/7",
      "/api/v2.0/projects/%2e%2e/7",
      "/api/v2.0/projects/7abc",
      "/api/v2.0/projects/7/8",
      "/api/v2.0/projects/-7",
      "/api/v2.0/projects/7?next=1",
      "http://harbor.evil.example/api/v2.0/projects/7",
      `/api/v2.0/projects/${"9".repeat(300)}`,
    ];
    for (const bad of hostile) {
      location = bad;
      await assert.rejects(fake.client.projects.create({ project_name: "p" }), (error: HarborApiError) => {
        assert.ok(error instanceof HarborApiError, bad);
        assert.equal(error.call, "POST /api/v2.0/projects");
        assert.ok(error.message.includes(`expected Location /api/v2.0/projects/<id>, got ${JSON.stringify(bad.slice(0, 120)).slice(0, -1)}`), error.message);
        assert.ok(error.message.length < 400, "a long value is truncated");
        return true;
      });
    }
  } finally {
    await fake.close();
  }
});

test("names and ids in paths are encoded segments; a dot segment is refused before anything is sent", async () => {
  const fake = await fakeHarbor((_req, res) => res.writeHead(200, { "content-type": "application/json" }).end('{"project_id":1}'));
  try {
    await fake.client.projects.get("team/../admin?x=1#y");
    assert.deepEqual(fake.urls, ["/api/v2.0/projects/team%2F..%2Fadmin%3Fx%3D1%23y"]);
    await assert.rejects(fake.client.projects.get(".."), /"\.\." cannot be a Harbor name or id in a URL path/);
    assert.equal(fake.urls.length, 1, "nothing sent for a dot segment");
  } finally {
    await fake.close();
  }
});

test("a registry name Harbor's q syntax cannot carry (a comma) is still matched exactly", async () => {
  const registries = [
    { id: 1, name: "dr" },
    { id: 2, name: "dr,acr" },
    { id: 3, name: "acr" },
  ];
  const fake = await fakeHarbor((_req, res) =>
    res.writeHead(200, { "content-type": "application/json", "x-total-count": "3" }).end(JSON.stringify(registries)),
  );
  try {
    assert.equal((await fake.client.registries.findByName("dr,acr"))?.id, 2);
    assert.ok(!new URL(fake.urls[0], fake.origin).searchParams.has("q"), `no q for a name with a comma: ${fake.urls[0]}`);
    assert.equal((await fake.client.registries.findByName("acr"))?.id, 3);
    assert.equal(new URL(fake.urls[1], fake.origin).searchParams.get("q"), "name=acr");
  } finally {
    await fake.close();
  }
});

test("an unreachable Harbor is a HarborApiError naming the call, pointing at the Harbor URL", async () => {
  const fake = await fakeHarbor((_req, res) => res.end());
  await fake.close();
  await assert.rejects(fake.client.registries.adapters(), (error: HarborApiError) => {
    assert.ok(error instanceof HarborApiError);
    assert.equal(error.code, "ECONNREFUSED");
    assert.match(error.message, /GET \/api\/v2\.0\/replication\/adapters: connection refused: check the Harbor URL$/);
    assert.doesNotMatch(error.message, /insecure|registry/);
    return true;
  });
});

test("webhook policies: the project by name, the id only from the project's policy collection, an answer that is no policy refused", async () => {
  let location = "";
  let body = "";
  const headers: (string | string[] | undefined)[] = [];
  const fake = await fakeHarbor((req, res) => {
    headers.push(req.headers["x-is-resource-name"]);
    if (req.method === "POST") res.writeHead(201, { location }).end();
    else res.writeHead(200, { "content-type": "application/json" }).end(body);
  });
  const policy = { name: "w", targets: [{ type: "http", address: "http://watch:8480/events/harbor" }], event_types: ["PUSH_ARTIFACT"], enabled: true };
  try {
    location = "/api/v2.0/projects/dr-source/webhook/policies/4";
    assert.equal(await fake.client.webhooks.create("dr-source", policy), 4);
    for (const bad of ["/api/v2.0/projects/other/webhook/policies/4", "/api/v2.0/projects/dr-source/webhook/policies/0", "/api/v2.0/replication/policies/4"]) {
      location = bad;
      await assert.rejects(
        fake.client.webhooks.create("dr-source", policy),
        /expected Location \/api\/v2\.0\/projects\/dr-source\/webhook\/policies\/<id>/,
        bad,
      );
    }
    for (const answer of ['{"name":"w","targets":[],"event_types":[]}', '{"id":4,"name":"w","targets":"http://x"}', '"not a policy"']) {
      body = answer;
      await assert.rejects(fake.client.webhooks.get("dr-source", 4), (error: HarborApiError) => {
        assert.ok(error instanceof HarborApiError);
        assert.match(error.message, /GET projects\/dr-source\/webhook\/policies\/4: expected a webhook policy/);
        return true;
      });
    }
    assert.ok(
      headers.every((value) => value === "true"),
      "every call names the project by name",
    );
  } finally {
    await fake.close();
  }
});
