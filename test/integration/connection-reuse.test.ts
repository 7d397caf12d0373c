import assert from "node:assert/strict";
import { AddressInfo, createServer, Server, Socket, connect } from "node:net";
import { after, test } from "node:test";
import { runSync } from "../../provider";
import { useSeededRegistries } from "../support/seeded-registries";

/**
 * Keep-alive through the whole engine: a no-op resync is hundreds of small requests (tag
 * lists, manifest HEADs) and must ride a few pooled connections, not open one per request.
 * A TCP relay in front of each registry counts the connections the client opens.
 */

interface CountingRelay {
  host: string;
  connections(): number;
  close(): Promise<void>;
}

async function countingRelay(upstreamHost: string): Promise<CountingRelay> {
  const [host, port] = upstreamHost.split(":");
  let connections = 0;
  const sockets: Socket[] = [];
  const server: Server = createServer((client) => {
    connections++;
    const upstream = connect(Number(port), host);
    sockets.push(client, upstream);
    client.pipe(upstream).pipe(client);
    client.on("error", () => upstream.destroy());
    upstream.on("error", () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    host: `127.0.0.1:${(server.address() as AddressInfo).port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const bed = useSeededRegistries();
let source: CountingRelay;
let destination: CountingRelay;

after(() => Promise.all([source?.close(), destination?.close()]));

const job = () => ({ images: Object.fromEntries(bed.fixture.repos.map((repo) => [`${source.host}/${repo.name}`, `${destination.host}/mirror/${repo.name}`])) });

test("a no-op resync reuses kept-alive connections instead of opening one per request", async () => {
  [source, destination] = await Promise.all([countingRelay(bed.source.host), countingRelay(bed.destination.host)]);
  const cold = await runSync(job(), { proc: 5 });
  assert.equal(cold.counts.failed, 0);
  const before = source.connections() + destination.connections();
  const resync = await runSync(job(), { proc: 5 });
  assert.equal(resync.counts.skipped, cold.counts.synced);
  const opened = source.connections() + destination.connections() - before;
  const requests = resync.stats.requests;
  console.log(`no-op resync: ${requests} requests over ${opened} TCP connections`);
  assert.ok(requests > 100, `the fixture makes a resync of many requests (${requests})`);
  assert.ok(opened < requests / 4, `${opened} connections for ${requests} requests`);
});
