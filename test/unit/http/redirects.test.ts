import assert from "node:assert/strict";
import { test } from "node:test";
import { HttpClient, HttpError } from "../../../provider/clients/http";
import { answer, scriptedServer } from "./scripted-server";

test("redirects are returned as they are unless the request asks to follow them", async () => {
  const server = await scriptedServer([answer(308, { location: "https://elsewhere.example/x" })]);
  const client = new HttpClient();
  try {
    const response = await client.sendText({ method: "DELETE", url: new URL(`${server.origin}/x`), kind: "x" });
    assert.equal(response.status, 308);
    assert.equal(server.seen.length, 1);
  } finally {
    await client.close();
    await server.close();
  }
});

test("a followed redirect chain is bounded, and only http(s) targets are followed", async () => {
  const loop = await scriptedServer([(req, res) => res.writeHead(302, { location: `${req.url}x` }).end()]);
  const toFile = await scriptedServer([answer(302, { location: "file:///etc/passwd" })]);
  const client = new HttpClient();
  try {
    await assert.rejects(
      client.send({ method: "GET", url: new URL(`${loop.origin}/`), kind: "x", followRedirects: true }),
      (error: Error) => error instanceof HttpError && /more than 5 redirects/.test(error.message),
    );
    assert.equal(loop.seen.length, 6, "the request and five redirects");
    await assert.rejects(
      client.send({ method: "GET", url: new URL(`${toFile.origin}/`), kind: "x", followRedirects: true }),
      /redirected to "file:\/\/\/etc\/passwd", which is not an http\(s\) URL/,
    );
  } finally {
    await client.close();
    await Promise.all([loop.close(), toFile.close()]);
  }
});

test("a request body is never re-sent to another origin (it may hold a credential); a 303 turns into a GET without it", async () => {
  const elsewhere = await scriptedServer([answer(200)]);
  const permanent = await scriptedServer([answer(308, { location: `${elsewhere.origin}/token` })]);
  const seeOther = await scriptedServer([answer(303, { location: `${elsewhere.origin}/done` })]);
  const client = new HttpClient();
  const grant = { method: "POST", kind: "token", body: "grant_type=refresh_token&refresh_token=secret-refresh", followRedirects: true } as const;
  try {
    await assert.rejects(
      client.send({ ...grant, url: new URL(`${permanent.origin}/token`) }),
      (error: Error) =>
        error instanceof HttpError &&
        new RegExp(`POST /token was redirected to ${elsewhere.origin}; its body is only sent to ${permanent.origin}`).test(error.message),
    );
    assert.equal(elsewhere.seen.length, 0, "nothing reached the other origin");
    const response = await client.sendText({ ...grant, url: new URL(`${seeOther.origin}/token`) });
    assert.equal(response.status, 200);
    assert.deepEqual(
      elsewhere.seen.map((request) => [request.method, request.url, request.body]),
      [["GET", "/done", ""]],
    );
  } finally {
    await client.close();
    await Promise.all([elsewhere.close(), permanent.close(), seeOther.close()]);
  }
});
