import assert from "node:assert/strict";
import { createServer } from "node:net";
import { test } from "node:test";
import { tcpProblem } from "../../provider/failover";

/** The preflight's TCP check: an address that must accept connections before a record points at it. */

test("an address that accepts TCP passes; a closed port and a malformed address are named", async () => {
  const server = createServer((socket) => socket.end());
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.address() as { port: number }).port;
  assert.equal(await tcpProblem(`127.0.0.1:${port}`), undefined);
  await new Promise<void>((resolve) => server.close(() => resolve()));
  assert.match((await tcpProblem(`127.0.0.1:${port}`))!, new RegExp(`^127\\.0\\.0\\.1:${port} does not accept TCP connections from here \\(ECONNREFUSED\\)`));
  assert.equal(await tcpProblem("no-port-here"), "no-port-here is not host:port");
});
