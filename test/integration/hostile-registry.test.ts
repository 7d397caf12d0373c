import assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, writeFileSync } from "node:fs";
import { createServer, IncomingHttpHeaders, IncomingMessage, request, ServerResponse } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { after, before, test } from "node:test";
import { ImageResult, runSync } from "../../provider";
import { MediaType } from "../../provider/clients/oci";
import { pushSmallImage, SmallImage } from "../support/fixtures";
import { listenOnLoopback } from "../support/loopback-server";
import { RegistryServer, startRegistry } from "../support/registry-server";
import { manifestDigest } from "../support/skopeo";

/**
 * A hostile registry in front of a real one: it lists tags that are paths, serves an index
 * whose child digest is a path, hands out upload Locations and tag-list Links pointing at
 * another host or repository. A real destination registry holds an unrelated repository,
 * victim/app:prod, that none of it may touch; every bad value fails its own image with an
 * error that names it, and the rest of the run goes on.
 */

const TRAVERSAL = "../../../../../../../../v2/victim/app/manifests/prod";
const LONG_TAG = "x".repeat(200);
/** Clears the screen when printed raw. */
const ESCAPE = "a\u001b[2J";
const BIN = resolve(__dirname, "../../../bin/registry-dr.js");

interface Answer {
  status: number;
  headers: Record<string, string>;
  body?: Buffer;
}

interface HostileProxy {
  host: string;
  /** Request lines ("GET /v2/...") that reached the proxy, answered or forwarded. */
  requests: string[];
  stop(): Promise<void>;
}

/** Forwards to `upstream` (keeping the Host header, so Locations point back here) unless `answer` says otherwise. */
async function startHostileProxy(
  upstream: RegistryServer,
  answer: (req: IncomingMessage) => Answer | undefined,
  rewrite?: (req: IncomingMessage, headers: IncomingHttpHeaders) => void,
): Promise<HostileProxy> {
  const upstreamUrl = new URL(upstream.url);
  const requests: string[] = [];
  const server = createServer((req, res) => {
    requests.push(`${req.method} ${req.url}`);
    const own = answer(req);
    if (own) {
      res.writeHead(own.status, { "content-length": String(own.body?.length ?? 0), ...own.headers });
      res.end(req.method === "HEAD" ? undefined : own.body);
      return;
    }
    const outgoing = request({ host: upstreamUrl.hostname, port: upstreamUrl.port, method: req.method, path: req.url, headers: req.headers }, (reply) => {
      const headers = { ...reply.headers };
      rewrite?.(req, headers);
      res.writeHead(reply.statusCode ?? 502, headers);
      reply.pipe(res);
    });
    outgoing.on("error", (error) => fail(res, error));
    req.pipe(outgoing);
  });
  const { port, close } = await listenOnLoopback(server);
  return { host: `127.0.0.1:${port}`, requests, stop: close };
}

function fail(res: ServerResponse, error: Error): void {
  if (!res.headersSent) res.writeHead(502);
  res.end(String(error.message));
}

/** A server that must never be contacted: it records whatever reaches it. */
async function startTrap(): Promise<{ origin: string; hits: string[]; stop(): Promise<void> }> {
  const hits: string[] = [];
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`);
    res.writeHead(202, { location: req.url ?? "/" }).end();
  });
  const { port, close } = await listenOnLoopback(server);
  return { origin: `http://127.0.0.1:${port}`, hits, stop: close };
}

const json = (value: unknown, headers: Record<string, string> = {}): Answer => ({
  status: 200,
  headers: { "content-type": "application/json", ...headers },
  body: Buffer.from(JSON.stringify(value)),
});

function manifestAnswer(bytes: Buffer, mediaType: string): Answer {
  return {
    status: 200,
    headers: { "content-type": mediaType, "docker-content-digest": `sha256:${createHash("sha256").update(bytes).digest("hex")}` },
    body: bytes,
  };
}

let source: RegistryServer;
let destination: RegistryServer;
let trap: Awaited<ReturnType<typeof startTrap>>;
let evil: SmallImage;
let victimDigest: string;

before(async () => {
  [source, destination, trap] = await Promise.all([startRegistry(), startRegistry(), startTrap()]);
  evil = await pushSmallImage(source, "evil/img:1.0", undefined, "-evil");
  await pushSmallImage(source, "evil/index:base", undefined, "-evil");
  await pushSmallImage(source, "evil/paged:1.0", undefined, "-evil");
  victimDigest = (await pushSmallImage(destination, "victim/app:prod", undefined, "-victim")).digest;
});
after(async () => Promise.all([source?.stop(), destination?.stop(), trap?.stop()]));

async function assertVictimUntouched(): Promise<void> {
  assert.equal(await manifestDigest(`docker://${destination.host}/victim/app:prod`), victimDigest, "victim/app:prod still holds its own image");
  const touched = destination.requests().filter((r) => r.path.startsWith("/v2/victim/") && r.method !== "GET" && r.method !== "HEAD");
  assert.deepEqual(touched, [], "nothing was written under /v2/victim/ at the destination");
}

const byDestination = (results: ImageResult[], suffix: string) => results.find((result) => result.destination.endsWith(suffix));

test("a source listing path-like, over-long and non-grammar tags, an index child that is a path, or a Link to another host fails those images only", async () => {
  const index = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaType.ociIndex,
      manifests: [
        { mediaType: MediaType.ociManifest, digest: evil.digest, size: evil.manifest.length, platform: { os: "linux", architecture: "amd64" } },
        { mediaType: MediaType.ociManifest, digest: TRAVERSAL, size: evil.manifest.length, platform: { os: "linux", architecture: "arm64" } },
      ],
    }),
  );
  const indexDigest = `sha256:${createHash("sha256").update(index).digest("hex")}`;
  const proxy = await startHostileProxy(source, (req) => {
    const path = new URL(req.url ?? "/", "http://proxy").pathname;
    if (path === "/v2/evil/img/tags/list")
      return json({ name: "evil/img", tags: ["1.0", TRAVERSAL, LONG_TAG, "bad tag!", "..%2F..%2Fv2%2Fvictim%2Fapp", ESCAPE] });
    if (path === "/v2/evil/index/manifests/1.0" || path === `/v2/evil/index/manifests/${indexDigest}`) return manifestAnswer(index, MediaType.ociIndex);
    if (path === "/v2/evil/paged/tags/list")
      return json({ name: "evil/paged", tags: ["1.0"] }, { link: `<${trap.origin}/v2/evil/paged/tags/list?n=1&last=1.0>; rel="next"` });
    return undefined;
  });
  try {
    destination.clearRequests();
    const report = await runSync({
      images: {
        [`${proxy.host}/evil/img`]: `${destination.host}/mirror/evil`,
        [`${proxy.host}/evil/index:1.0`]: `${destination.host}/mirror/index`,
        [`${proxy.host}/evil/paged`]: `${destination.host}/mirror/paged`,
      },
    });
    const failed = report.results.filter((result) => result.status === "failed");
    assert.equal(byDestination(report.results, "/mirror/evil:1.0")?.status, "synced", "the repository's good tag is copied");
    assert.equal(await manifestDigest(`docker://${destination.host}/mirror/evil:1.0`), evil.digest);
    assert.equal(failed.length, 7, JSON.stringify(report.results, null, 2));
    const shown = report.results.flatMap((result) => [result.source, result.destination, result.error ?? ""]);
    assert.ok(
      shown.some((text) => text.includes(JSON.stringify(ESCAPE))),
      "the tag is shown escaped",
    );
    assert.ok(!shown.some((text) => text.includes("\u001b")), "no terminal escape sequence from the registry reaches a report");
    for (const bad of [TRAVERSAL, "bad tag!", "..%2F..%2Fv2%2Fvictim%2Fapp"]) {
      assert.ok(
        failed.some((result) => result.error === `invalid tag ${JSON.stringify(bad)} listed by ${proxy.host}/evil/img`),
        `failed naming ${bad}`,
      );
    }
    assert.ok(
      failed.some((result) => result.error === `invalid tag "${"x".repeat(80)}..." listed by ${proxy.host}/evil/img`),
      "the over-long tag is named, cut short",
    );
    assert.equal(
      byDestination(report.results, "/mirror/index:1.0")?.error,
      `invalid digest ${JSON.stringify(TRAVERSAL)} in the index of ${proxy.host}/evil/index:1.0`,
    );
    assert.match(
      byDestination(report.results, "/mirror/paged")?.error ?? "",
      new RegExp(`^invalid Link "${trap.origin}/v2/evil/paged/tags/list\\?n=1&last=1\\.0" from ${proxy.host}`),
    );
    assert.ok(
      failed.every((result) => result.retryable === false),
      "a bad answer is not retried",
    );
    assert.deepEqual(trap.hits, [], "the Link's host was never contacted");
    await assertVictimUntouched();
  } finally {
    await proxy.stop();
  }
});

test("through the CLI, a hostile tag list makes sync exit 1 naming the bad tag, and the victim stays untouched", async () => {
  const proxy = await startHostileProxy(source, (req) =>
    new URL(req.url ?? "/", "http://proxy").pathname === "/v2/evil/img/tags/list" ? json({ name: "evil/img", tags: ["1.0", TRAVERSAL] }) : undefined,
  );
  const dir = mkdtempSync(join(tmpdir(), "registry-dr-hostile-"));
  try {
    const config = join(dir, "config.json");
    writeFileSync(config, JSON.stringify({ images: { [`${proxy.host}/evil/img`]: `${destination.host}/cli/evil` } }));
    const result = await new Promise<{ code: number; stderr: string }>((done) =>
      execFile(process.execPath, [BIN, "sync", "--config", config], { cwd: dir, env: { ...process.env, CI: "true" } }, (error, _stdout, stderr) =>
        done({ code: error ? Number(error.code ?? 1) : 0, stderr }),
      ),
    );
    assert.equal(result.code, 1, result.stderr);
    assert.ok(result.stderr.includes(`invalid tag ${JSON.stringify(TRAVERSAL)} listed by ${proxy.host}/evil/img`), result.stderr);
    assert.match(result.stderr, /1 synced, 0 up to date, 1 failed/);
    assert.match(result.stderr, /1 failed image\(s\) left out of failed-images\.json: the source listed a tag that is not a valid tag/);
    assert.ok(!existsSync(join(dir, "failed-images.json")), "no retry file that would refuse to load");
    await assertVictimUntouched();
  } finally {
    await proxy.stop();
  }
});

test("an upload Location pointing at another host, or at another repository of the destination, fails the image without using it", async () => {
  let location = (_original: string) => _original;
  const proxy = await startHostileProxy(
    destination,
    () => undefined,
    (req, headers) => {
      if (req.method === "POST" && typeof headers.location === "string") headers.location = location(headers.location);
    },
  );
  try {
    for (const [name, rewrite] of [
      ["other-host", () => `${trap.origin}/v2/mirror/other-host/blobs/uploads/abc`],
      ["other-repo", (original: string) => original.replace(/\/v2\/mirror\/other-repo\//, "/v2/victim/app/")],
    ] as const) {
      location = rewrite;
      destination.clearRequests();
      const report = await runSync({ images: { [`${source.host}/evil/img:1.0`]: `${proxy.host}/mirror/${name}` } });
      assert.equal(report.counts.failed, 1, name);
      assert.match(report.results[0].error ?? "", new RegExp(`^invalid upload Location ".*" from ${proxy.host}`), name);
      assert.ok(report.results[0].error?.includes(name === "other-host" ? trap.origin : "/v2/victim/app/blobs/uploads/"), report.results[0].error);
      await assertVictimUntouched();
    }
    assert.deepEqual(trap.hits, [], "the other host was never contacted");
  } finally {
    await proxy.stop();
  }
});

test("a token realm that is not an http(s) URL is refused before any credential is sent to it", async () => {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url} ${req.headers.authorization ? "with credentials" : ""}`.trim());
    res
      .writeHead(401, { "www-authenticate": 'Bearer realm="file:///etc/passwd",service="x"', "content-type": "application/json" })
      .end('{"errors":[{"code":"UNAUTHORIZED"}]}');
  });
  const { port, close } = await listenOnLoopback(server);
  try {
    const host = `127.0.0.1:${port}`;
    const report = await runSync({
      auth: { [host]: { username: "u", password: "p-secret" } },
      images: { [`${host}/team/app:1.0`]: `${destination.host}/mirror/realm` },
    });
    assert.equal(report.counts.failed, 1);
    assert.equal(report.results[0].error, `invalid token realm "file:///etc/passwd" from ${host}: expected an https URL (or http for this insecure registry)`);
    assert.ok(
      seen.every((line) => !line.endsWith("with credentials")),
      seen.join("\n"),
    );
  } finally {
    await close();
  }
});
