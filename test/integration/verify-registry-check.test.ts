import assert from "node:assert/strict";
import { createServer as createHttpServer, request } from "node:http";
import { createServer as createNetServer, Socket } from "node:net";
import { after, before, test } from "node:test";
import { checkSiteReadiness, runVerify } from "../../provider";
import { addTags, pushSmallImage, smallImage } from "../support/fixtures";
import { listenOnLoopback } from "../support/loopback-server";
import { RegistryServer, startRegistry } from "../support/registry-server";

/**
 * `verify` (and the failover preflight built on it) checks each registry once, as `sync`
 * does: a registry that refuses the credentials or never answers fails every tag on it
 * with that one reason, and is not asked again per tag. Wrong credentials repeated per
 * tag are how an LDAP-backed account gets locked.
 */

const TAGS = ["1.0", "1.1", "1.2", "1.3", "1.4", "1.5", "1.6"];
const USER = { name: "pusher", password: "right-pass-7" };

let source: RegistryServer;
let locked: RegistryServer;

before(async () => {
  [source, locked] = await Promise.all([startRegistry(), startRegistry({ auth: { kind: "htpasswd", users: { [USER.name]: USER.password } } })]);
  await pushSmallImage(source, `team/app:${TAGS[0]}`);
  await addTags(source, "team/app", TAGS.slice(1), smallImage());
});
after(async () => Promise.all([source?.stop(), locked?.stop()]));

/** A front for the htpasswd registry that counts failed logins: requests carrying credentials that get a 401. */
async function startLoginCounter(upstream: RegistryServer) {
  const target = new URL(upstream.url);
  let failedLogins = 0;
  const server = createHttpServer((req, res) => {
    const outgoing = request({ host: target.hostname, port: target.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      if (reply.statusCode === 401 && req.headers.authorization) failedLogins++;
      res.writeHead(reply.statusCode ?? 502, reply.headers);
      reply.pipe(res);
    });
    req.pipe(outgoing);
  });
  const { port, close } = await listenOnLoopback(server);
  return { host: `127.0.0.1:${port}`, failedLogins: () => failedLogins, stop: close };
}

/** Accepts TCP connections and never says a word, like a host behind a broken load balancer. */
async function startSilentServer() {
  const sockets: Socket[] = [];
  let connections = 0;
  const server = createNetServer((socket) => {
    connections++;
    sockets.push(socket);
    socket.on("error", () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  server.unref();
  const port = (server.address() as { port: number }).port;
  return {
    host: `127.0.0.1:${port}`,
    connections: () => connections,
    stop: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

const images = (destination: string) => Object.fromEntries(TAGS.map((tag) => [`${source.host}/team/app:${tag}`, `${destination}/dr/app`]));
const sourceManifestRequests = () => source.requests().filter((r) => r.path.includes("/manifests/"));

test("wrong credentials: one failed login for the host, then every tag fails with that reason", async () => {
  const counter = await startLoginCounter(locked);
  try {
    source.clearRequests();
    const report = await runVerify({ auth: { [counter.host]: { username: USER.name, password: "wrong-pass" } }, images: images(counter.host) });
    assert.equal(report.rows.length, TAGS.length);
    const reasons = new Set(report.rows.map((row) => row.error));
    assert.equal(reasons.size, 1, `one reason for every tag: ${[...reasons].join(" | ")}`);
    assert.ok(report.rows.every((row) => row.status === "error"));
    assert.match([...reasons][0]!, /authentication failed \(HTTP 401/);
    assert.ok(counter.failedLogins() <= 1, `${counter.failedLogins()} failed logins for ${TAGS.length} tags`);
    assert.deepEqual(sourceManifestRequests(), [], "no tag is looked up at the source either");
  } finally {
    await counter.stop();
  }
});

test("a host that accepts TCP and never answers fails its check once, and every tag with the check's reason", async () => {
  const silent = await startSilentServer();
  try {
    source.clearRequests();
    const transport = { connectTimeoutMs: 300, headersTimeoutMs: 300, retry: { maxRetries: 1, baseDelayMs: 10, maxDelayMs: 10 } };
    const report = await runVerify({ images: images(silent.host) }, { transport });
    const afterCheck = silent.connections();
    // The check: one HTTPS probe, then plain HTTP with one retry.
    assert.ok(afterCheck <= 3, `${afterCheck} connections`);
    assert.equal(report.rows.length, TAGS.length);
    assert.ok(
      report.rows.every((row) => row.status === "error" && row.error === report.rows[0].error),
      JSON.stringify(report.rows.map((row) => row.error)),
    );
    assert.match(report.rows[0].error!, new RegExp(`^${silent.host}: timed out waiting for a response`));
    assert.deepEqual(sourceManifestRequests(), [], "no tag is looked up at the source either");

    const site = await checkSiteReadiness(silent.host, true, { images: images(silent.host) }, { transport });
    assert.equal(site.answered, false);
    assert.match(site.error ?? "", /timed out waiting for a response/);
    assert.ok(silent.connections() - afterCheck <= 3, `the preflight checked the host once (${silent.connections() - afterCheck} connections)`);
  } finally {
    await silent.stop();
  }
});

test("a site written as an http:// URL is probed over plain HTTP, even with insecure false; a bare host with insecure false is probed over TLS", async () => {
  // RegistryDisasterRecovery gives the preflight the primary Harbor's URL and insecure: false by default.
  const byUrl = await checkSiteReadiness(source.url, false, undefined);
  assert.equal(source.url.startsWith("http://"), true);
  assert.deepEqual([byUrl.registry, byUrl.answered, byUrl.error], [source.host, true, undefined]);
  const byHost = await checkSiteReadiness(source.host, false, undefined);
  assert.equal(byHost.answered, false, "insecure: false on a bare host asks for TLS");
  assert.match(byHost.error ?? "", /SSL|TLS|EPROTO/i);
});
