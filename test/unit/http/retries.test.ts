import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { after, test } from "node:test";
import { HttpClient, HttpClientOptions } from "../../../provider/clients/http";
import { answer, scriptedServer } from "./scripted-server";

/** The shared HTTP layer's retry loop against a loopback server: what is repeated, when, and how often. */

const clients: HttpClient[] = [];
const client = (options: HttpClientOptions = {}) => {
  const made = new HttpClient({ retry: { baseDelayMs: 5, maxDelayMs: 5000 }, ...options });
  clients.push(made);
  return made;
};
after(() => Promise.all(clients.map((c) => c.close())));

test("a 503 with Retry-After in seconds is waited out, then retried", async () => {
  const server = await scriptedServer([answer(503, { "retry-after": "1" }), answer(200, {}, "ok")]);
  const started = Date.now();
  const response = await client().sendText({ method: "GET", url: new URL(`${server.origin}/thing`), kind: "thing.get" });
  assert.equal(response.status, 200);
  assert.equal(response.text, "ok");
  assert.equal(server.seen.length, 2);
  assert.ok(Date.now() - started >= 950, `waited ${Date.now() - started} ms for Retry-After: 1`);
  await server.close();
});

test("a 429 with Retry-After as an HTTP date is waited out until that date", async () => {
  const server = await scriptedServer([(_req, res) => res.writeHead(429, { "retry-after": new Date(Date.now() + 2000).toUTCString() }).end(), answer(200)]);
  const started = Date.now();
  const response = await client().sendText({ method: "GET", url: new URL(`${server.origin}/`), kind: "root" });
  assert.equal(response.status, 200);
  // The date has whole seconds: it lies 1 to 2 s ahead when sent.
  assert.ok(Date.now() - started >= 900, `waited ${Date.now() - started} ms for a date 1-2 s ahead`);
  await server.close();
});

test("retries are bounded: maxRetries more attempts, then the last answer; a long Retry-After is capped", async () => {
  const server = await scriptedServer([answer(503, { "retry-after": "3600" })]);
  const started = Date.now();
  const response = await client({ retry: { maxRetries: 2, baseDelayMs: 5, maxDelayMs: 100 } }).sendText({
    method: "GET",
    url: new URL(`${server.origin}/`),
    kind: "root",
  });
  assert.equal(response.status, 503);
  assert.equal(server.seen.length, 3, "one attempt and two retries");
  assert.ok(Date.now() - started < 2000, "Retry-After: 3600 was capped at maxDelayMs");
  await server.close();
});

test("a request the client's predicate calls unsafe is sent once, whatever the answer", async () => {
  const server = await scriptedServer([answer(503), answer(201)]);
  const harborLike = client({ retryable: (request, outcome) => request.method !== "POST" && outcome.kind === "response" && outcome.status >= 500 });
  const post = await harborLike.sendText({ method: "POST", url: new URL(`${server.origin}/projects`), kind: "projects.create", body: "{}" });
  assert.equal(post.status, 503);
  assert.equal(server.seen.length, 1, "a POST that may have been applied is not repeated");
  await server.close();
});

test("a streamed body is never repeated, even when the answer is transient", async () => {
  const server = await scriptedServer([answer(503), answer(201)]);
  const response = await client().send({ method: "PUT", url: new URL(`${server.origin}/blob`), kind: "blob.put", body: Readable.from([Buffer.from("bytes")]) });
  await response.body.dump();
  assert.equal(response.status, 503);
  assert.equal(server.seen.length, 1);
  await server.close();
});

test("prepare runs for every attempt and its fresh headers are what each attempt sends", async () => {
  const server = await scriptedServer([answer(503), answer(500), answer(200)]);
  const attempts: number[] = [];
  let nonce = 0;
  const response = await client().sendText({
    method: "POST",
    url: new URL(`${server.origin}/?Action=DescribeZones`),
    kind: "DescribeZones",
    prepare: (attempt) => {
      attempts.push(attempt);
      return { "x-acs-signature-nonce": `nonce-${++nonce}-${Math.random()}` };
    },
  });
  assert.equal(response.status, 200);
  assert.deepEqual(attempts, [0, 1, 2]);
  const sent = server.seen.map((request) => request.headers["x-acs-signature-nonce"]);
  assert.equal(new Set(sent).size, 3, `each attempt carried its own nonce: ${sent}`);
  await server.close();
});

test("a connection reset is retried for a replayable request", async () => {
  const server = await scriptedServer([(req) => req.socket.destroy(), answer(200, {}, "second")]);
  const response = await client().sendText({ method: "GET", url: new URL(`${server.origin}/`), kind: "root" });
  assert.equal(response.text, "second");
  assert.equal(server.seen.length, 2);
  await server.close();
});
