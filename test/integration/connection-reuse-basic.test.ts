import assert from "node:assert/strict";
import net from "node:net";
import { after, before, test } from "node:test";
import { runSync, SyncJob } from "../../provider";
import { Fixture, seedStandardFixture } from "../support/fixtures";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * With Basic auth on both sides every request costs the registry a bcrypt, and a new TCP
 * connection per request on top of that is what made a no-op slow: connections are counted
 * here as the process opens them (`net.Socket` connects), per request, on a cold copy and
 * on a no-op, against real htpasswd registries.
 */

const users = { copier: "copier-password" };
const creds = "copier:copier-password";
let source: RegistryServer;
let destination: RegistryServer;
let fixture: Fixture;

before(async () => {
  [source, destination] = await Promise.all([startRegistry({ auth: { kind: "htpasswd", users } }), startRegistry({ auth: { kind: "htpasswd", users } })]);
  fixture = await seedStandardFixture(source, { creds });
});

after(() => Promise.all([source?.stop(), destination?.stop()]));

/** Connects made by this process while `work` runs. */
async function countConnects<T>(work: () => Promise<T>): Promise<{ result: T; connects: number }> {
  let connects = 0;
  const original = net.Socket.prototype.connect;
  net.Socket.prototype.connect = function (this: net.Socket, ...args: unknown[]) {
    connects++;
    return (original as (...a: unknown[]) => net.Socket).apply(this, args);
  } as typeof original;
  try {
    return { result: await work(), connects };
  } finally {
    net.Socket.prototype.connect = original;
  }
}

const job = (): SyncJob => {
  const login = { username: "copier", password: "copier-password" };
  return {
    auth: { [source.host]: login, [destination.host]: login },
    images: Object.fromEntries(fixture.repos.map((repo) => [`${source.host}/${repo.name}`, `${destination.host}/mirror/${repo.name}`])),
  };
};

test("Basic auth on both sides: a cold copy and a no-op ride pooled connections (at most 16 per registry), not one per request", async (t) => {
  const cold = await countConnects(() => runSync(job(), { proc: 5 }));
  assert.equal(cold.result.counts.failed, 0);
  const noop = await countConnects(() => runSync(job(), { proc: 5 }));
  assert.equal(noop.result.counts.skipped, cold.result.counts.synced);
  for (const [name, run] of [
    ["cold", cold],
    ["no-op", noop],
  ] as const) {
    const requests = run.result.stats.requests;
    t.diagnostic(`${name}: ${requests} requests over ${run.connects} TCP connections (${(run.connects / requests).toFixed(3)} per request)`);
    // Two registries, 16 connections each at most, and the scheme probe's own.
    assert.ok(run.connects <= 2 * 16 + 2, `${name}: ${run.connects} connections for ${requests} requests`);
    assert.ok(requests > 4 * run.connects, `${name}: ${requests} requests should share ${run.connects} connections`);
  }
});
