import { createHash } from "node:crypto";
import { Agent, createServer, IncomingHttpHeaders, IncomingMessage, request, Server, ServerResponse } from "node:http";
import { listenOnLoopback } from "./loopback-server";

/**
 * An HTTP reverse proxy on 127.0.0.1 in front of a test registry that misbehaves on purpose:
 *
 * - "error":    answers 500, 502 or 503 without forwarding (after reading the request body);
 * - "throttle": answers 429 with `Retry-After`, without forwarding;
 * - "reset":    blob GETs only: forwards, sends the headers and half the body (whole or ranged), then destroys the socket;
 * - "slow":     waits `slowMs` before forwarding;
 * - cuts of the upload stream (`cutUploadsAt`): the request bodies of blob uploads (PATCH and
 *   PUT to an upload session), counted together as one stream, are forwarded up to each
 *   given byte, and then both connections break mid-body, as a network failure would.
 *
 * Which request gets which fault is decided by a hash of (seed, request, how many times this
 * request was seen), not by arrival order, so concurrent clients get the same faults run after
 * run, and a retry of a request draws again. A "request" here is its method and path with the
 * upload session id and `_state` left out: an upload of one blob to one repository is one request
 * however many sessions it takes.
 *
 * The proxy sends the upstream's own Host and rewrites `Location` headers that point at the
 * upstream, so clients stay on the proxy. Every request is recorded with the fault it got.
 */

export type FaultKind = "error" | "throttle" | "reset" | "slow";

export interface Faults {
  /** Only requests with one of these methods are faulted; all methods by default. */
  methods?: string[];
  /** Only requests whose path (with query) matches are faulted; all by default. */
  path?: RegExp;
  /** Fractions of the matching requests, each in [0, 1], together at most 1. */
  error?: number;
  throttle?: number;
  /** Applies to blob GETs only: other requests drawing it pass untouched. */
  reset?: number;
  slow?: number;
  /** Delay of a "slow" request; default 200 ms. */
  slowMs?: number;
  /** `Retry-After` of a 429, in seconds; default 1. */
  retryAfterSeconds?: number;
  /** At most this many faults for one request, so its retries then get through; unlimited by default. */
  maxPerRequest?: number;
  /** Byte positions in the upload stream (see above) where it is cut, each once, in increasing order. */
  cutUploadsAt?: number[];
}

export interface ProxiedRequest {
  /** 0, 1, 2, ... in arrival order. */
  seq: number;
  method: string;
  /** Path with query, as the client sent it. */
  path: string;
  /** The request's identity for fault decisions (see above). */
  key: string;
  fault?: FaultKind;
  /** The status the client got; undefined while in flight, or when the connection broke first. */
  status?: number;
  /** performance.now() when the request arrived and when its response ended (or the socket was cut). */
  receivedAt: number;
  answeredAt?: number;
}

export interface FaultProxy {
  /** "127.0.0.1:PORT" */
  host: string;
  /** "http://127.0.0.1:PORT" */
  url: string;
  /** Replaces the fault settings; `undefined` (or `{}`) makes the proxy transparent. Counts per request restart. */
  setFaults(faults: Faults | undefined): void;
  requests(): ProxiedRequest[];
  /** How many requests got each fault. */
  faultCounts(): Record<FaultKind, number>;
  /** Bytes of upload request bodies forwarded to the upstream (up to each cut) since start or setFaults. */
  uploadBytes(): number;
  clearRequests(): void;
  stop(): Promise<void>;
}

const BLOB_GET = /^\/v2\/.+\/blobs\/sha256:[0-9a-f]{64}$/;
const UPLOAD_ID = /(\/blobs\/uploads\/)[^/?]+/;
const UPLOAD_SESSION = /^\/v2\/.+\/blobs\/uploads\/[^/?]+/;

export async function startFaultProxy(upstreamUrl: string, options: { seed?: number; faults?: Faults } = {}): Promise<FaultProxy> {
  const upstream = new URL(upstreamUrl);
  if (upstream.protocol !== "http:") throw new Error(`fault proxy: plain HTTP upstreams only, got ${upstreamUrl}`);
  const seed = options.seed ?? 1;
  let faults: Faults = options.faults ?? {};
  let seen = new Map<string, number>();
  let faulted = new Map<string, number>();
  const uploads = { received: 0, cuts: 0 };
  const log: ProxiedRequest[] = [];
  let seq = 0;
  const timers = new Set<NodeJS.Timeout>();
  const agent = new Agent({ keepAlive: true });
  let origin = "";

  const server: Server = createServer((req, res) => {
    const path = req.url ?? "/";
    const key = requestKey(req.method ?? "GET", path);
    const entry: ProxiedRequest = { seq: seq++, method: req.method ?? "GET", path, key, receivedAt: performance.now() };
    log.push(entry);
    res.on("finish", () => {
      entry.status = res.statusCode;
      entry.answeredAt = performance.now();
    });

    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    const fault = chooseFault(faults, seed, entry, occurrence, faulted.get(key) ?? 0);
    if (fault) faulted.set(key, (faulted.get(key) ?? 0) + 1);
    entry.fault = fault?.kind;

    const isUpload = (req.method === "PATCH" || req.method === "PUT") && UPLOAD_SESSION.test(path);
    const upload = isUpload ? { faults, counts: uploads, entry } : undefined;
    const forward = () => forwardRequest(req, res, upstream, origin, agent, fault?.kind === "reset" ? entry : undefined, upload);
    switch (fault?.kind) {
      case "error":
        return answerAfterBody(req, res, fault.status, { code: "UNAVAILABLE", message: "injected by the fault proxy" });
      case "throttle":
        return answerAfterBody(
          req,
          res,
          429,
          { code: "TOOMANYREQUESTS", message: "injected by the fault proxy" },
          { "retry-after": String(faults.retryAfterSeconds ?? 1) },
        );
      case "slow": {
        const timer = setTimeout(() => {
          timers.delete(timer);
          if (!res.destroyed) forward();
        }, faults.slowMs ?? 200);
        timers.add(timer);
        // A client that gives up while waiting (a deadline) is not forwarded at all.
        res.once("close", () => {
          clearTimeout(timer);
          timers.delete(timer);
        });
        return;
      }
      default:
        return forward();
    }
  });
  const listening = await listenOnLoopback(server);
  const host = `127.0.0.1:${listening.port}`;
  origin = `http://${host}`;

  return {
    host,
    url: origin,
    setFaults: (next) => {
      faults = next ?? {};
      seen = new Map();
      faulted = new Map();
      uploads.received = 0;
      uploads.cuts = 0;
    },
    requests: () => [...log],
    faultCounts: () => {
      const counts: Record<FaultKind, number> = { error: 0, throttle: 0, reset: 0, slow: 0 };
      for (const entry of log) if (entry.fault) counts[entry.fault]++;
      return counts;
    },
    uploadBytes: () => uploads.received,
    clearRequests: () => {
      log.length = 0;
    },
    stop: async () => {
      for (const timer of timers) clearTimeout(timer);
      timers.clear();
      await listening.close();
      agent.destroy();
    },
  };
}

/** Method and path without the upload session id and its opaque `_state`. */
export function requestKey(method: string, path: string): string {
  const url = new URL(path, "http://x");
  url.searchParams.delete("_state");
  url.searchParams.sort();
  return `${method} ${url.pathname.replace(UPLOAD_ID, "$1*")}${url.search}`;
}

type Decision = { kind: "error"; status: number } | { kind: "throttle" | "reset" | "slow" };

function chooseFault(faults: Faults, seed: number, entry: ProxiedRequest, occurrence: number, faultedSoFar: number): Decision | undefined {
  if (faults.methods && !faults.methods.includes(entry.method)) return undefined;
  if (faults.path && !faults.path.test(entry.path)) return undefined;
  if (faultedSoFar >= (faults.maxPerRequest ?? Infinity)) return undefined;
  const [draw, pick] = uniforms(`${seed}\u0000${entry.key}\u0000${occurrence}`);
  let threshold = 0;
  if (draw < (threshold += faults.error ?? 0)) return { kind: "error", status: [500, 502, 503][Math.floor(pick * 3)] };
  if (draw < (threshold += faults.throttle ?? 0)) return { kind: "throttle" };
  if (draw < (threshold += faults.reset ?? 0)) return entry.method === "GET" && BLOB_GET.test(entry.path) ? { kind: "reset" } : undefined;
  if (draw < (threshold += faults.slow ?? 0)) return { kind: "slow" };
  return undefined;
}

/** Two numbers in [0, 1) from a seeded hash of `text`. */
function uniforms(text: string): [number, number] {
  const hash = createHash("sha256").update(text).digest();
  return [hash.readUInt32BE(0) / 2 ** 32, hash.readUInt32BE(4) / 2 ** 32];
}

/** Reads the whole request body first, as a server that fails after receiving would. */
function answerAfterBody(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  error: { code: string; message: string },
  headers: Record<string, string> = {},
): void {
  const body = JSON.stringify({ errors: [error] });
  req.resume();
  req.once("end", () => res.writeHead(status, { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) }).end(body));
}

/** The upload stream's settings and counters, for a request that carries part of it. */
interface UploadCut {
  faults: Faults;
  counts: { received: number; cuts: number };
  entry: ProxiedRequest;
}

/** Forwards to the upstream; with `cut`, a 200 or 206 body is cut off half-way and the socket destroyed. */
function forwardRequest(
  req: IncomingMessage,
  res: ServerResponse,
  upstream: URL,
  origin: string,
  agent: Agent,
  cut: ProxiedRequest | undefined,
  upload?: UploadCut,
): void {
  const outgoing = request(
    { host: upstream.hostname, port: upstream.port, method: req.method, path: req.url, headers: { ...req.headers, host: upstream.host }, agent },
    (answer) => {
      const headers = rewriteLocation(answer.headers, upstream.origin, origin);
      const length = Number(answer.headers["content-length"]);
      // A ranged read (206, a resumed download) is cut like a whole one.
      if (!cut || (answer.statusCode !== 200 && answer.statusCode !== 206) || !(length > 1)) {
        if (cut) cut.fault = undefined;
        res.writeHead(answer.statusCode ?? 502, headers);
        answer.pipe(res);
        return;
      }
      res.writeHead(answer.statusCode, headers);
      let budget = Math.floor(length / 2);
      answer.on("data", (chunk: Buffer) => {
        if (budget <= 0) return;
        const part = chunk.subarray(0, budget);
        budget -= part.length;
        if (budget > 0) return void res.write(part);
        answer.destroy();
        // Flush what was promised, then break the connection mid-body.
        res.write(part, () => {
          cut.answeredAt = performance.now();
          res.destroy();
        });
      });
    },
  );
  outgoing.on("error", (error) => {
    if (res.destroyed) return;
    if (!res.headersSent) res.writeHead(502, { "content-type": "text/plain" }).end(`fault proxy: ${error.message}`);
    else res.destroy();
  });
  res.once("close", () => {
    // The client went away (or was cut off): stop talking to the upstream for it.
    if (!res.writableFinished) outgoing.destroy();
  });
  if (upload) forwardUploadBody(req, res, outgoing, upload);
  else req.pipe(outgoing);
}

/** Passes an upload body on, counting it into the upload stream, and breaks both connections at the next cut. */
function forwardUploadBody(req: IncomingMessage, res: ServerResponse, outgoing: ReturnType<typeof request>, upload: UploadCut): void {
  const { faults, counts, entry } = upload;
  let cutting = false;
  req.on("data", (chunk: Buffer) => {
    if (cutting) return;
    const cutAt = faults.cutUploadsAt?.[counts.cuts];
    const before = counts.received;
    counts.received += chunk.length;
    if (cutAt === undefined || counts.received < cutAt) {
      if (!outgoing.write(chunk)) req.pause();
      return;
    }
    cutting = true;
    counts.cuts++;
    entry.fault = "reset";
    counts.received = Math.max(before, cutAt);
    outgoing.write(chunk.subarray(0, Math.max(0, cutAt - before)), () => {
      // Both sides see the connection break mid-body: the upstream keeps what arrived.
      outgoing.destroy();
      res.destroy();
      req.destroy();
    });
  });
  outgoing.on("drain", () => req.resume());
  req.on("end", () => {
    if (!cutting) outgoing.end();
  });
}

function rewriteLocation(headers: IncomingHttpHeaders, from: string, to: string): IncomingHttpHeaders {
  const location = headers.location;
  if (typeof location !== "string" || !location.startsWith(from)) return headers;
  return { ...headers, location: to + location.slice(from.length) };
}
