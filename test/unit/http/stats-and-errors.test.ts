import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { AlicloudApiError } from "../../../provider/clients/alicloud";
import { HarborApiError } from "../../../provider/clients/harbor";
import { HttpClient, HttpError, describeNetworkError } from "../../../provider/clients/http";
import { NetworkError, RegistryError, describeRegistryNetworkError } from "../../../provider/clients/oci";
import { answer, scriptedServer } from "./scripted-server";

test("stats count requests by kind, retries and bytes; connections are kept alive across requests", async () => {
  const server = await scriptedServer([answer(503), answer(200, {}, "12345")]);
  const client = new HttpClient({ retry: { baseDelayMs: 5 } });
  try {
    await client.sendText({ method: "PUT", url: new URL(`${server.origin}/a`), kind: "thing.put", body: "abc" });
    for (let i = 0; i < 5; i++) await client.sendText({ method: "GET", url: new URL(`${server.origin}/b`), kind: "thing.get" });
    const stats = client.stats.snapshot();
    assert.deepEqual(stats.byKind, { "thing.put": 2, "thing.get": 5 });
    assert.equal(stats.requests, 7);
    assert.equal(stats.retries, 1);
    assert.equal(stats.bytesUploaded, 3);
    assert.equal(stats.bytesDownloaded, 6 * 5);
    assert.ok(server.connections() <= 2, `seven requests over ${server.connections()} kept-alive connections`);
  } finally {
    await client.close();
    await server.close();
  }
});

test("HEAD requests keep their connection alive (undici closes it after a HEAD by default)", async () => {
  const server = await scriptedServer([answer(200, { "content-length": "559", "docker-content-digest": "sha256:0" })]);
  const client = new HttpClient();
  try {
    for (let i = 0; i < 10; i++) {
      const response = await client.send({ method: "HEAD", url: new URL(`${server.origin}/v2/a/manifests/t${i}`), kind: "manifest.head" });
      await response.body.dump();
      assert.equal(response.status, 200);
    }
    assert.ok(server.connections() <= 2, `10 HEADs over ${server.connections()} connections`);
  } finally {
    await client.close();
    await server.close();
  }
});

test("a refused connection is an HttpError with host, call, code and neutral wording", async () => {
  const port = await closedPort();
  const client = new HttpClient({ retry: { maxRetries: 0 } });
  try {
    await assert.rejects(client.sendText({ method: "GET", url: new URL(`http://127.0.0.1:${port}/v1/zones`), kind: "zones" }), (error: Error) => {
      assert.ok(error instanceof HttpError);
      assert.equal(error.host, `127.0.0.1:${port}`);
      assert.equal(error.call, "GET /v1/zones");
      assert.equal(error.code, "ECONNREFUSED");
      assert.equal(error.retryable, false);
      assert.equal(error.message, `127.0.0.1:${port}: GET /v1/zones: connection refused`);
      return true;
    });
  } finally {
    await client.close();
  }
});

test("network wording is neutral in the HTTP layer; only the registry client suggests insecure", () => {
  for (const code of ["DEPTH_ZERO_SELF_SIGNED_CERT", "CERT_HAS_EXPIRED", "ECONNREFUSED", "ENOTFOUND", "UND_ERR_CONNECT_TIMEOUT", undefined]) {
    assert.doesNotMatch(describeNetworkError(code, new Error("x")), /insecure|registry/i, String(code));
  }
  assert.equal(
    describeNetworkError("SELF_SIGNED_CERT_IN_CHAIN"),
    "TLS certificate not trusted (SELF_SIGNED_CERT_IN_CHAIN): its issuer is not a CA this client trusts",
  );
  assert.match(describeRegistryNetworkError("DEPTH_ZERO_SELF_SIGNED_CERT"), /TLS certificate not trusted .*set "insecure": true for this registry/);
  // A private CA is given, not skipped: the advice names caFile/ca and --cert-dir first.
  assert.match(
    describeRegistryNetworkError("UNABLE_TO_VERIFY_LEAF_SIGNATURE"),
    /give this registry's CA as "caFile" .* or "ca" .*--cert-dir DIR with DIR\/<host\[:port\]>\/ca\.crt/,
  );
  assert.match(
    describeRegistryNetworkError("ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED"),
    /client certificate.*"certFile" and "keyFile".*client\.cert and client\.key/,
  );
});

test("every client's error extends HttpError and keeps its own name and fields", () => {
  const registry = new NetworkError("r: refused", { host: "r:5000", code: "ECONNREFUSED", retryable: true });
  const harbor = new HarborApiError("h: POST /api/v2.0/projects: 409 CONFLICT", {
    host: "h",
    call: "POST /api/v2.0/projects",
    status: 409,
    code: "CONFLICT",
    requestId: "req-1",
  });
  const alibaba = new AlicloudApiError("pvtz AddZone: 400 Throttling.User", {
    product: "pvtz",
    action: "AddZone",
    host: "pvtz.aliyuncs.com",
    status: 400,
    code: "Throttling.User",
    requestId: "A1",
    retryable: true,
  });
  for (const error of [registry, harbor, alibaba]) assert.ok(error instanceof HttpError, error.name);
  assert.ok(registry instanceof RegistryError);
  assert.deepEqual([registry.name, registry.host, registry.code, registry.retryable], ["NetworkError", "r:5000", "ECONNREFUSED", true]);
  assert.deepEqual(
    [harbor.name, harbor.call, harbor.status, harbor.code, harbor.requestId, harbor.retryable],
    ["HarborApiError", "POST /api/v2.0/projects", 409, "CONFLICT", "req-1", false],
  );
  assert.deepEqual(
    [alibaba.name, alibaba.call, alibaba.product, alibaba.action, alibaba.requestId, alibaba.retryable],
    ["AlicloudApiError", "pvtz AddZone", "pvtz", "AddZone", "A1", true],
  );
});

/** A port nothing listens on: bound, then released. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
