import assert from "node:assert/strict";
import { createServer, IncomingMessage, Server, ServerResponse } from "node:http";
import { AddressInfo } from "node:net";
import { after, test } from "node:test";
import { AuthError, HttpTransport, NetworkError, RegistryClient, RegistryError } from "../../provider/clients/oci";

/** A scripted HTTP server: each request gets the next handler, and every request is recorded. */
async function scriptedServer(host: string, handlers: ((req: IncomingMessage, res: ServerResponse) => void)[]) {
  const seen: { method?: string; url?: string; authorization?: string }[] = [];
  const server: Server = createServer((req, res) => {
    seen.push({ method: req.method, url: req.url, authorization: req.headers.authorization });
    const handler = handlers[Math.min(seen.length - 1, handlers.length - 1)];
    handler(req, res);
  });
  await new Promise<void>((resolve) => server.listen(0, host, resolve));
  const port = (server.address() as AddressInfo).port;
  return { seen, host: `${host}:${port}`, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

const transports: HttpTransport[] = [];
const transport = (retry = { baseDelayMs: 10, maxDelayMs: 2000 }) => {
  const t = new HttpTransport({ retry });
  transports.push(t);
  return t;
};
after(() => Promise.all(transports.map((t) => t.close())));

const ok = (_req: IncomingMessage, res: ServerResponse) => res.writeHead(200, { "content-type": "application/json" }).end("{}");

test("429 with Retry-After is waited out, then retried", async () => {
  const server = await scriptedServer("127.0.0.1", [(_req, res) => res.writeHead(429, { "retry-after": "1" }).end(), ok]);
  const started = Date.now();
  const response = await transport().send({ method: "GET", url: new URL(`http://${server.host}/v2/`), kind: "ping" });
  await response.body.dump();
  assert.equal(response.status, 200);
  assert.equal(server.seen.length, 2);
  assert.ok(Date.now() - started >= 950, "waited for Retry-After");
  await server.close();
});

test("5xx is retried a bounded number of times, then reported as retryable", async () => {
  const server = await scriptedServer("127.0.0.1", [
    (_req, res) => res.writeHead(503, { "x-request-id": "req-42" }).end('{"errors":[{"code":"UNAVAILABLE","message":"try later"}]}'),
  ]);
  const client = new RegistryClient({ host: server.host, transport: transport() });
  await assert.rejects(client.ping(), (error: Error) => {
    assert.ok(error instanceof RegistryError);
    assert.equal(error.retryable, true);
    assert.equal(error.status, 503);
    assert.equal(error.requestId, "req-42");
    assert.match(error.message, /HTTP 503 \(UNAVAILABLE: try later\) \[request id req-42\]/);
    return true;
  });
  // One scheme probe over TLS fails without reaching HTTP; then 1 + 3 retries.
  assert.equal(server.seen.length, 4);
  await server.close();
});

test("a connection reset is retried", async () => {
  const server = await scriptedServer("127.0.0.1", [(req) => req.socket.destroy(), ok]);
  const response = await transport().send({ method: "GET", url: new URL(`http://${server.host}/v2/`), kind: "ping" });
  await response.body.dump();
  assert.equal(response.status, 200);
  assert.equal(server.seen.length, 2);
  await server.close();
});

test("redirects are followed, and Authorization never goes to another host", async () => {
  const elsewhere = await scriptedServer("127.0.0.2", [ok]);
  const same = await scriptedServer("127.0.0.1", [
    (_req, res) => res.writeHead(307, { location: `/moved` }).end(),
    (_req, res) => res.writeHead(302, { location: `http://${elsewhere.host}/blob?sig=1` }).end(),
  ]);
  const response = await transport().send({
    method: "GET",
    url: new URL(`http://${same.host}/start`),
    headers: { authorization: "Bearer secret-token" },
    kind: "blob.get",
  });
  await response.body.dump();
  assert.equal(response.status, 200);
  assert.equal(response.url.host, elsewhere.host);
  assert.deepEqual(
    same.seen.map((r) => [r.url, r.authorization]),
    [
      ["/start", "Bearer secret-token"],
      ["/moved", "Bearer secret-token"],
    ],
  );
  assert.deepEqual(
    elsewhere.seen.map((r) => [r.url, r.authorization]),
    [["/blob?sig=1", undefined]],
  );
  await Promise.all([same.close(), elsewhere.close()]);
});

test("an unreachable host is a NetworkError naming it, quickly", async () => {
  const server = await scriptedServer("127.0.0.1", [ok]);
  const host = server.host;
  await server.close();
  const client = new RegistryClient({ host, transport: transport() });
  const started = Date.now();
  await assert.rejects(client.ping(), (error: Error) => error instanceof NetworkError && error.message.startsWith(`${host}: connection refused`));
  assert.ok(Date.now() - started < 5000);
});

test("a registry asking for Basic auth without credentials gets a clear AuthError, once", async () => {
  const server = await scriptedServer("127.0.0.1", [
    (_req, res) =>
      res.writeHead(401, { "www-authenticate": 'Basic realm="r"' }).end('{"errors":[{"code":"UNAUTHORIZED","message":"authentication required"}]}'),
  ]);
  const client = new RegistryClient({ host: server.host, transport: transport() });
  await assert.rejects(client.ping(), (error: Error) => error instanceof AuthError && /authentication failed \(HTTP 401, UNAUTHORIZED/.test(error.message));
  assert.equal(server.seen.length, 1, "nothing to answer the challenge with: no retry");
  await server.close();
});
