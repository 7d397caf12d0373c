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
    await assert.rejects(client.send({ method: "GET", url: new URL(`${loop.origin}/`), kind: "x", followRedirects: true }), (error: Error) => error instanceof HttpError && /more than 5 redirects/.test(error.message));
    assert.equal(loop.seen.length, 6, "the request and five redirects");
    await assert.rejects(client.send({ method: "GET", url: new URL(`${toFile.origin}/`), kind: "x", followRedirects: true }), /redirected to "file:\/\/\/etc\/passwd", which is not an http\(s\) URL/);
  } finally {
    await client.close();
    await Promise.all([loop.close(), toFile.close()]);
  }
});
