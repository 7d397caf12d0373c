import { createHash, randomUUID } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { appendFile, rm, stat, writeFile } from "node:fs/promises";
import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from "node:http";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { listenOnLoopback } from "./loopback-server";
import { makeTempDir, removeTempDir } from "./processes";
import { forward } from "./tag-pagination-proxy";

/**
 * Distribution 2.8 cannot resume an upload whose connection broke: the bytes written no
 * longer match the offset signed into its `_state`, and it cancels the session. Registries
 * that can (zot, Artifact Registry's resumable path) keep the session themselves. This front
 * gives a real registry that behaviour, strict about the OCI distribution spec's upload API:
 *
 * - `POST /v2/<name>/blobs/uploads/` opens a session the front keeps (a mount goes to the
 *   registry; one it cannot satisfy opens a session here instead);
 * - `PATCH` appends; with `Content-Range` it must start exactly at the session's offset, else
 *   416; the bytes of a PATCH whose connection breaks are kept, as zot keeps them;
 * - `GET` on the session answers 204 with the true `Range: 0-<last>`, `Docker-Upload-UUID`
 *   and `Location`;
 * - `PUT ?digest=` checks the sha256 of every byte the session holds and only then pushes the
 *   blob to the registry behind, in one request (400 DIGEST_INVALID and the session dropped
 *   otherwise);
 * - an unknown session is 404 BLOB_UPLOAD_UNKNOWN; `DELETE` drops a session.
 *
 * Everything else passes through to the registry. `lieAboutOffsets(n)` makes it a registry
 * that acknowledges bytes it never received: each status answer claims `n` bytes more, and
 * the session grows by `n` zero bytes to match.
 */

export interface SessionEvent {
  method: string;
  session: string;
  status: number;
  /** Bytes the session held when the request was answered (or its connection broke). */
  held: number;
}

export interface ResumableUploadFront {
  /** "127.0.0.1:PORT" */
  host: string;
  url: string;
  /** Every request on a session the front keeps, in order; a broken one with status 0. */
  events(): SessionEvent[];
  lieAboutOffsets(extraBytes: number): void;
  stop(): Promise<void>;
}

interface Session {
  id: string;
  repository: string;
  file: string;
  held: number;
  /** Requests on one session run one after the other, as the bytes of a broken one land first. */
  queue: Promise<void>;
}

const UPLOADS = /^\/v2\/(.+)\/blobs\/uploads\/$/;
const SESSION = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;
const CONTENT_RANGE = /^(\d+)-(\d+)$/;

export async function startResumableUploadFront(upstreamUrl: string): Promise<ResumableUploadFront> {
  const upstream = new URL(upstreamUrl);
  const agent = new Agent({ keepAlive: true });
  const dir = makeTempDir("registry-dr-upload-front-");
  const sessions = new Map<string, Session>();
  const events: SessionEvent[] = [];
  let lie = 0;
  const context: FrontContext = { upstream, agent, dir, sessions, events, lie: () => lie };

  const server: Server = createServer((req, res) => {
    const url = new URL(req.url ?? "/", "http://front");
    const uploads = UPLOADS.exec(url.pathname);
    if (uploads && req.method === "POST" && !url.searchParams.has("digest")) {
      void openSession(context, req, res, uploads[1], url).catch((error: Error) => answerError(res, 500, "UNKNOWN", error.message));
      return;
    }
    const session = SESSION.exec(url.pathname);
    if (session && ["GET", "PATCH", "PUT", "DELETE"].includes(req.method ?? "")) {
      const known = sessions.get(session[2]);
      if (!known || known.repository !== session[1])
        return drainThen(req, () => answerError(res, 404, "BLOB_UPLOAD_UNKNOWN", "blob upload unknown to registry"));
      const handled = known.queue.then(() => onSession(context, known, req, res, url));
      known.queue = handled.catch((error: Error) => answerError(res, 500, "UNKNOWN", error.message));
      return;
    }
    forward(req, res, upstream, agent);
  });
  const listening = await listenOnLoopback(server);
  return {
    host: `127.0.0.1:${listening.port}`,
    url: `http://127.0.0.1:${listening.port}`,
    events: () => [...events],
    lieAboutOffsets: (extraBytes) => {
      lie = extraBytes;
    },
    stop: async () => {
      await listening.close();
      agent.destroy();
      await removeTempDir(dir);
    },
  };
}

interface FrontContext {
  upstream: URL;
  agent: Agent;
  dir: string;
  sessions: Map<string, Session>;
  events: SessionEvent[];
  lie(): number;
}

async function openSession(context: FrontContext, req: IncomingMessage, res: ServerResponse, repository: string, url: URL): Promise<void> {
  await drain(req);
  if (url.searchParams.has("mount") && (await mountedUpstream(context, req, repository, url))) {
    res.writeHead(201, { location: `/v2/${repository}/blobs/${url.searchParams.get("mount")}`, "content-length": "0" }).end();
    return;
  }
  const session: Session = { id: randomUUID(), repository, file: "", held: 0, queue: Promise.resolve() };
  session.file = join(context.dir, session.id);
  await writeFile(session.file, "");
  context.sessions.set(session.id, session);
  res.writeHead(202, sessionHeaders(session)).end();
}

/** Asks the registry to mount; a 202 (it cannot) is an upstream session, closed at once: sessions live here. */
async function mountedUpstream(context: FrontContext, req: IncomingMessage, repository: string, url: URL): Promise<boolean> {
  const answer = await upstreamRequest(context, "POST", `/v2/${repository}/blobs/uploads/${url.search}`, {
    ...forwardedAuth(req.headers),
    "content-length": "0",
  });
  if (answer.status === 201) return true;
  if (answer.status === 202 && answer.location) await upstreamRequest(context, "DELETE", pathOf(answer.location), forwardedAuth(req.headers));
  return false;
}

async function onSession(context: FrontContext, session: Session, req: IncomingMessage, res: ServerResponse, url: URL): Promise<void> {
  const record = (status: number) => context.events.push({ method: req.method ?? "", session: session.id, status, held: session.held });
  switch (req.method) {
    case "GET": {
      await drain(req);
      if (context.lie() > 0) {
        await appendFile(session.file, Buffer.alloc(context.lie()));
        session.held += context.lie();
      }
      record(204);
      res.writeHead(204, sessionHeaders(session)).end();
      return;
    }
    case "DELETE":
      await drain(req);
      await dropSession(context, session);
      record(204);
      res.writeHead(204, { "content-length": "0" }).end();
      return;
    case "PATCH": {
      const refusal = await append(session, req);
      record(refusal?.status ?? (req.complete ? 202 : 0));
      if (refusal) return answerError(res, refusal.status, refusal.code, refusal.message, sessionHeaders(session));
      if (req.complete) res.writeHead(202, sessionHeaders(session)).end();
      return;
    }
    case "PUT": {
      const refusal = (await append(session, req)) ?? (await complete(context, session, req, url.searchParams.get("digest")));
      record(refusal?.status ?? 201);
      if (refusal) return answerError(res, refusal.status, refusal.code, refusal.message, sessionHeaders(session));
      const digest = url.searchParams.get("digest") ?? "";
      res.writeHead(201, { location: `/v2/${session.repository}/blobs/${digest}`, "docker-content-digest": digest, "content-length": "0" }).end();
      return;
    }
  }
}

interface Refusal {
  status: number;
  code: string;
  message: string;
}

/** Appends the request body to the session; a body cut off mid-way leaves what arrived. */
async function append(session: Session, req: IncomingMessage): Promise<Refusal | undefined> {
  const length = Number(req.headers["content-length"] ?? "0");
  const range = req.headers["content-range"];
  if (range !== undefined) {
    const match = CONTENT_RANGE.exec(range);
    if (!match || Number(match[1]) !== session.held) {
      await drain(req);
      return { status: 416, code: "BLOB_UPLOAD_INVALID", message: `Content-Range ${range} does not start at the session's offset ${session.held}` };
    }
    if (Number(match[2]) - Number(match[1]) + 1 !== length) {
      await drain(req);
      return { status: 400, code: "BLOB_UPLOAD_INVALID", message: `Content-Range ${range} does not span Content-Length ${length}` };
    }
  }
  if (length === 0) return drain(req).then(() => undefined);
  await appendBody(req, session.file);
  session.held = (await stat(session.file)).size;
  return undefined;
}

/**
 * Every byte that arrived reaches the file, also when the connection breaks: the bytes of a
 * broken request stay, as zot keeps them (a pipeline would drop the writes still queued).
 */
async function appendBody(req: IncomingMessage, file: string): Promise<void> {
  const writer = createWriteStream(file, { flags: "a" });
  req.on("data", (chunk: Buffer) => {
    if (!writer.write(chunk)) req.pause();
  });
  writer.on("drain", () => req.resume());
  await new Promise<void>((resolve) => {
    if (req.complete || req.destroyed) return resolve();
    req
      .once("end", resolve)
      .once("close", resolve)
      .once("error", () => resolve());
  });
  await new Promise<void>((resolve, reject) => writer.once("error", reject).end(resolve));
}

/** Verifies the digest over every byte held, then pushes the blob to the registry behind in one PUT. */
async function complete(context: FrontContext, session: Session, req: IncomingMessage, digest: string | null): Promise<Refusal | undefined> {
  if (!req.complete) return { status: 400, code: "BLOB_UPLOAD_INVALID", message: "the request broke off" };
  if (digest === null || !DIGEST.test(digest)) return { status: 400, code: "DIGEST_INVALID", message: `invalid digest ${digest}` };
  const hash = createHash("sha256");
  await pipeline(createReadStream(session.file), hash);
  const actual = `sha256:${hash.digest("hex")}`;
  if (actual !== digest) {
    await dropSession(context, session);
    return { status: 400, code: "DIGEST_INVALID", message: `provided digest ${digest} did not match uploaded content (${actual})` };
  }
  const auth = forwardedAuth(req.headers);
  const started = await upstreamRequest(context, "POST", `/v2/${session.repository}/blobs/uploads/`, { ...auth, "content-length": "0" });
  if (started.status !== 202 || !started.location) return { status: 502, code: "UNKNOWN", message: `the registry behind answered ${started.status} to POST` };
  const target = new URL(started.location, "http://upstream");
  target.searchParams.set("digest", digest);
  const put = await upstreamRequest(
    context,
    "PUT",
    target.pathname + target.search,
    { ...auth, "content-type": "application/octet-stream", "content-length": String(session.held) },
    session.file,
  );
  if (put.status !== 201) return { status: 502, code: "UNKNOWN", message: `the registry behind answered ${put.status} to the blob's PUT` };
  await dropSession(context, session);
  return undefined;
}

async function dropSession(context: FrontContext, session: Session): Promise<void> {
  context.sessions.delete(session.id);
  await rm(session.file, { force: true });
}

function sessionHeaders(session: Session): Record<string, string> {
  return {
    location: `/v2/${session.repository}/blobs/uploads/${session.id}`,
    range: `0-${Math.max(0, session.held - 1)}`,
    "docker-upload-uuid": session.id,
    "content-length": "0",
  };
}

function answerError(res: ServerResponse, status: number, code: string, message: string, headers: Record<string, string> = {}): void {
  if (res.headersSent || res.destroyed) return;
  const body = JSON.stringify({ errors: [{ code, message }] });
  res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": String(Buffer.byteLength(body)) }).end(body);
}

function drain(req: IncomingMessage): Promise<void> {
  return new Promise((resolve) => {
    if (req.complete || req.destroyed) return resolve();
    req.once("end", resolve).once("close", resolve).resume();
  });
}

function drainThen(req: IncomingMessage, then: () => void): void {
  void drain(req).then(then);
}

function forwardedAuth(headers: IncomingHttpHeaders): Record<string, string> {
  return typeof headers.authorization === "string" ? { authorization: headers.authorization } : {};
}

function pathOf(location: string): string {
  const url = new URL(location, "http://upstream");
  return url.pathname + url.search;
}

interface UpstreamAnswer {
  status: number;
  location?: string;
}

function upstreamRequest(context: FrontContext, method: string, path: string, headers: Record<string, string>, bodyFile?: string): Promise<UpstreamAnswer> {
  return new Promise((resolve, reject) => {
    const outgoing = request({ host: context.upstream.hostname, port: context.upstream.port, method, path, headers, agent: context.agent }, (answer) => {
      answer.resume();
      answer.once("end", () =>
        resolve({ status: answer.statusCode ?? 0, location: typeof answer.headers.location === "string" ? answer.headers.location : undefined }),
      );
    });
    outgoing.once("error", reject);
    if (bodyFile) createReadStream(bodyFile).once("error", reject).pipe(outgoing);
    else outgoing.end();
  });
}
