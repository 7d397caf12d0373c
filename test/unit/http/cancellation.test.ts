import assert from "node:assert/strict";
import { once } from "node:events";
import { AddressInfo, createServer } from "node:net";
import { after, test } from "node:test";
import { AbortedError, HttpClient } from "../../../provider/clients/http";
import { answer, hang, scriptedServer } from "./scripted-server";

/** Cancellation always surfaces as one error type, AbortedError, wherever the request was. */

const clients: HttpClient[] = [];
after(() => Promise.all(clients.map((c) => c.close())));

test("aborting while a request is in flight rejects with AbortedError naming the reason", async () => {
  const server = await scriptedServer([hang]);
  const controller = new AbortController();
  const client = new HttpClient({ signal: controller.signal });
  clients.push(client);
  setTimeout(() => controller.abort(new Error("deadline of 0.2 s reached")), 200).unref();
  const started = Date.now();
  await assert.rejects(client.sendText({ method: "GET", url: new URL(`${server.origin}/slow`), kind: "slow" }), (error: Error) => {
    assert.ok(error instanceof AbortedError, `got ${error.name}: ${error.message}`);
    assert.match(error.message, /GET \/slow: cancelled: deadline of 0\.2 s reached/);
    return true;
  });
  assert.ok(Date.now() - started < 2000);
  await server.close();
});

test("aborting while waiting to retry rejects with AbortedError at once, not after the wait", async () => {
  const server = await scriptedServer([answer(503, { "retry-after": "30" })]);
  const client = new HttpClient({ retry: { maxDelayMs: 60_000 } });
  clients.push(client);
  const controller = new AbortController();
  setTimeout(() => controller.abort(new Error("shutting down")), 200).unref();
  const started = Date.now();
  await assert.rejects(client.sendText({ method: "GET", url: new URL(`${server.origin}/`), kind: "root", signal: controller.signal }), (error: Error) => {
    assert.ok(error instanceof AbortedError, `got ${error.name}: ${error.message}`);
    assert.match(error.message, /cancelled while waiting to retry: shutting down/);
    return true;
  });
  assert.ok(Date.now() - started < 2000, "did not sit out the 30 s Retry-After");
  assert.equal(server.seen.length, 1);
  await server.close();
});

test("a signal aborted before the request is sent gives AbortedError without contacting the server", async () => {
  const server = await scriptedServer([answer(200)]);
  const client = new HttpClient();
  clients.push(client);
  await assert.rejects(client.send({ method: "GET", url: new URL(`${server.origin}/`), kind: "root", signal: AbortSignal.abort("stopped") }), AbortedError);
  assert.equal(server.seen.length, 0);
  await server.close();
});

test("aborting while the TLS handshake hangs answers at once, and closing the cancelled client does not wait for the connection", async () => {
  // Takes TCP connections and never says a word: undici itself would wait out its connect timeout.
  const silent = createServer(() => {});
  silent.listen(0, "127.0.0.1");
  await once(silent, "listening");
  const controller = new AbortController();
  const client = new HttpClient({ signal: controller.signal, connectTimeoutMs: 30_000 });
  setTimeout(() => controller.abort(new Error("watcher stopping")), 200).unref();
  const started = Date.now();
  const url = new URL(`https://127.0.0.1:${(silent.address() as AddressInfo).port}/v2/`);
  await assert.rejects(client.send({ method: "GET", url, kind: "ping" }), (error: Error) => {
    assert.ok(error instanceof AbortedError, `got ${error.name}: ${error.message}`);
    assert.match(error.message, /GET \/v2\/: cancelled: watcher stopping/);
    return true;
  });
  await assert.rejects(client.send({ method: "GET", url, kind: "ping" }), AbortedError, "an already aborted client answers at once too");
  await client.close();
  assert.ok(Date.now() - started < 5_000, `took ${Date.now() - started} ms of the 30 s connect timeout`);
  silent.close();
});
